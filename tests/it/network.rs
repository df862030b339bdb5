//! A stage's own network (`network: dedicated`): a VPC with public and private subnets in two
//! zones, the data stores and functions in the private ones, the chosen egress (a NAT gateway or
//! none). Deployed, changed, priced and destroyed; switching a deployed stage to it is planned as
//! the replacements it is, behind the data-loss guard; and what cannot work is refused up front.

use serde_json::{Value, json};

use crate::harness::{Moto, Project};

/// The stage's VPC and where its parts are: subnets by tier, routes, NAT gateways and addresses,
/// and the subnets the database, cache and functions are in.
fn live(p: &Project) -> Value {
    p.py(
        "e = c('ec2')\n\
         vpcs = e.describe_vpcs(Filters=[{'Name': 'tag:fintech:stage', 'Values': ['dev']}])['Vpcs']\n\
         if not vpcs:\n\
         \x20   out(None)\n\
         else:\n\
         \x20   v = vpcs[0]['VpcId']\n\
         \x20   tag = lambda o, k: {t['Key']: t['Value'] for t in o.get('Tags', [])}.get(k)\n\
         \x20   subnets = e.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [v]}])['Subnets']\n\
         \x20   tier = lambda t: sorted(s['SubnetId'] for s in subnets if (tag(s, 'fintech:part') or '').startswith(t))\n\
         \x20   zones = sorted({s['AvailabilityZone'] for s in subnets})\n\
         \x20   tables = e.describe_route_tables(Filters=[{'Name': 'vpc-id', 'Values': [v]}])['RouteTables']\n\
         \x20   default = lambda part: [[r.get('GatewayId', '')[:4], r.get('NatGatewayId', '')[:4]] for t in tables if tag(t, 'fintech:part') == part for r in t['Routes'] if r.get('DestinationCidrBlock') == '0.0.0.0/0']\n\
         \x20   nats = [n['State'] for n in e.describe_nat_gateways(Filters=[{'Name': 'vpc-id', 'Values': [v]}])['NatGateways'] if n['State'] in ('pending', 'available')]\n\
         \x20   eips = e.describe_addresses(Filters=[{'Name': 'tag:fintech:network', 'Values': [v]}])['Addresses']\n\
         \x20   db = c('rds').describe_db_instances(DBInstanceIdentifier='fintech-tracker-dev-db')['DBInstances'][0]['DBSubnetGroup']\n\
         \x20   cache = c('elasticache').describe_cache_subnet_groups(CacheSubnetGroupName='fintech-tracker-dev-cache')['CacheSubnetGroups'][0]\n\
         \x20   fn = c('lambda').get_function_configuration(FunctionName='fintech-tracker-dev-api')['VpcConfig']\n\
         \x20   private = tier('private')\n\
         \x20   out({'cidr': vpcs[0]['CidrBlock'], 'zones': len(zones), 'public': len(tier('public')), 'private': len(private),\n\
         \x20        'public_route': default('public'), 'private_route': default('private'), 'nats': nats, 'addresses': len(eips),\n\
         \x20        'db': [db['DBSubnetGroupName'], sorted(s['SubnetIdentifier'] for s in db['Subnets']) == private],\n\
         \x20        'cache': sorted(s['SubnetIdentifier'] for s in cache['Subnets']) == private,\n\
         \x20        'functions': sorted(fn['SubnetIds']) == private})",
    )
}

fn dedicated(p: &Project, nat: &str) {
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        &format!("  dev: {{ params: {{ network: dedicated, nat: {nat} }} }}"),
    );
}

#[test]
fn a_dedicated_network_holds_the_stage_privately_and_goes_with_it() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    dedicated(&p, "gateway");
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("+ network (ec2.network) will be created"),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(
        live(&p),
        json!({
            "cidr": "10.0.0.0/16", "zones": 2, "public": 2, "private": 2,
            "public_route": [["igw-", ""]], "private_route": [["", "nat-"]],
            "nats": ["available"], "addresses": 1,
            "db": ["fintech-tracker-dev-db", true], "cache": true, "functions": true,
        })
    );
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
    crate::harness::redeploy_changes_nothing(&moto, &p);

    // Priced: the NAT gateway's hours, the data it processes, and its address.
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let lines = cost["estimates"][0]["lines"].as_array().unwrap();
    let nat: f64 = lines
        .iter()
        .filter(|l| l["service"] == "NAT gateway")
        .map(|l| l["after"].as_f64().unwrap())
        .sum();
    assert!((nat - (730.0 * 0.045 + 5.0 * 0.045)).abs() < 0.01, "{nat}");
    assert!(
        lines.iter().any(|l| l["service"] == "Public IPv4"
            && l["item"].as_str().unwrap_or_default().contains("NAT")),
        "{lines:?}"
    );

    // No egress: the gateway goes, its address is released, the private subnets keep no route out.
    p.edit("fintech.yaml", "nat: gateway", "nat: none");
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("nat: \"gateway\" -> \"none\""), "{plan}");
    p.run(&["deploy", "--yes"]).expect(0);
    let after = live(&p);
    assert_eq!(
        (&after["nats"], &after["addresses"], &after["private_route"]),
        (&json!([]), &json!(0), &json!([]))
    );
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));

    // Back to the default VPC: what is in the stage's own VPC is made anew in the default one
    // (behind the data-loss guard), and that VPC goes once nothing is left in it.
    p.edit(
        "fintech.yaml",
        "network: dedicated, nat: none",
        "network: default, nat: none",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "- network (ec2.network) will be deleted",
        "-/+ db (rds.postgres) will be replaced",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes", "--allow-data-loss"]).expect(0);
    assert_eq!(live(&p), Value::Null, "the stage's VPC went");
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));

    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    let default = p.py("out(len(c('ec2').describe_vpcs(Filters=[{'Name': 'is-default', 'Values': ['true']}])['Vpcs']))");
    assert_eq!(
        default,
        json!(1),
        "the default VPC is the account's: it stays"
    );
}

#[test]
fn switching_a_deployed_stage_to_a_dedicated_network_is_planned_as_the_replacements_it_is() {
    let (_moto, p) = crate::harness::deployed();
    dedicated(&p, "none");
    let plan = p.run(&["plan"]).expect(0).stdout();
    // The default VPC is the account's and stays; what is in it is made anew in the new one.
    for line in [
        "+ network (ec2.network) will be created",
        "-/+ app_sg (ec2.security_group) will be replaced",
        "-/+ db (rds.postgres) will be replaced",
        "-/+ cache (elasticache.redis) will be replaced",
        "subnets: (none) -> (known after apply)  # forces replacement",
        "refused without --allow-data-loss",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    let refused = p.run(&["deploy", "--yes"]).expect(1).stderr();
    assert!(
        refused.contains("refusing to replace or delete data-bearing resources")
            && refused.contains("db (rds.postgres)"),
        "{refused}"
    );
}

#[test]
fn containers_in_a_dedicated_network_without_egress_are_refused_before_any_call() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    dedicated(&p, "none");
    moto.reset_recording();
    let err = p
        .run(&["plan", "--option", "containers"])
        .expect(1)
        .stderr();
    assert!(
        err.contains("containers in a dedicated network need `nat: gateway`"),
        "{err}"
    );
    let writes = moto.mutating_calls();
    assert!(writes.is_empty(), "{writes:?}");
}

/// The stage's NAT instance (not terminated or on its way there) and its parts: type, image,
/// where it is, whether it forwards, its group's rules, what it runs at boot, and whether the
/// private subnets' default route goes to it; `null` without one.
fn nat_instance(p: &Project) -> Value {
    p.py(
        "import base64\n\
         e = c('ec2')\n\
         tag = lambda o, k: {t['Key']: t['Value'] for t in o.get('Tags', [])}.get(k)\n\
         r = e.describe_instances(Filters=[{'Name': 'tag:fintech:part', 'Values': ['nat-instance']}])['Reservations']\n\
         alive = [i for x in r for i in x['Instances'] if i['State']['Name'] not in ('shutting-down', 'terminated')]\n\
         groups = e.describe_security_groups(Filters=[{'Name': 'tag:fintech:part', 'Values': ['nat-group']}])['SecurityGroups']\n\
         if not alive:\n\
         \x20   out({'instance': None, 'groups': len(groups)})\n\
         else:\n\
         \x20   i = alive[0]\n\
         \x20   eni = i['NetworkInterfaces'][0]['NetworkInterfaceId']\n\
         \x20   subnet = e.describe_subnets(SubnetIds=[i['SubnetId']])['Subnets'][0]\n\
         \x20   image = e.describe_images(ImageIds=[i['ImageId']])['Images'][0]\n\
         \x20   boot = base64.b64decode(e.describe_instance_attribute(InstanceId=i['InstanceId'], Attribute='userData')['UserData']['Value']).decode()\n\
         \x20   tables = e.describe_route_tables(Filters=[{'Name': 'vpc-id', 'Values': [i['VpcId']]}])['RouteTables']\n\
         \x20   private = [r.get('NetworkInterfaceId') == eni for t in tables if tag(t, 'fintech:part') == 'private' for r in t['Routes'] if r.get('DestinationCidrBlock') == '0.0.0.0/0']\n\
         \x20   g = groups[0] if groups else {}\n\
         \x20   out({'instance': {'type': i['InstanceType'], 'state': i['State']['Name'], 'arch': image['Architecture'],\n\
         \x20        'image': image['Name'].startswith('al2023-ami-2023'), 'subnet': tag(subnet, 'fintech:part'),\n\
         \x20        'public_ip': bool(i.get('PublicIpAddress')), 'forwards': not i['SourceDestCheck'],\n\
         \x20        'imdsv2': i['MetadataOptions']['HttpTokens'], 'masquerades': 'MASQUERADE' in boot and 'ip_forward = 1' in boot,\n\
         \x20        'routed': private},\n\
         \x20        'groups': len(groups),\n\
         \x20        'admits': [[p.get('IpProtocol'), [r['CidrIp'] for r in p.get('IpRanges', [])]] for p in g.get('IpPermissions', [])]})",
    )
}

#[test]
fn a_nat_instance_is_the_cheap_way_out_and_gives_way_to_a_gateway() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    dedicated(&p, "instance");
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in ["nat: \"instance\"", "nat_instance_type: \"t4g.nano\""] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(
        nat_instance(&p),
        json!({
            "instance": {
                "type": "t4g.nano", "state": "running", "arch": "arm64", "image": true,
                "subnet": "public-1", "public_ip": true, "forwards": true, "imdsv2": "required",
                "masquerades": true, "routed": [true],
            },
            "groups": 1,
            "admits": [["-1", ["10.0.0.0/16"]]],
        })
    );
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
    crate::harness::redeploy_changes_nothing(&moto, &p);

    // Priced: the instance's hours, its root volume and its address; no charge per GB.
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let lines = cost["estimates"][0]["lines"].as_array().unwrap();
    let nat: f64 = lines
        .iter()
        .filter(|l| {
            l["service"] == "NAT instance"
                || (l["service"] == "Public IPv4"
                    && l["item"].as_str().unwrap_or_default().contains("NAT"))
        })
        .map(|l| l["after"].as_f64().unwrap())
        .sum();
    assert!(
        (nat - (730.0 * 0.0042 + 8.0 * 0.08 + 730.0 * 0.005)).abs() < 0.01,
        "{nat}: {lines:?}"
    );
    assert!(!lines.iter().any(|l| l["service"] == "NAT gateway"));

    // Another type: a new instance (x86 for a t3), routed to before the old one goes.
    p.edit(
        "stacks/common.yaml",
        "    nat: ${params.nat}\n",
        "    nat: ${params.nat}\n    nat_instance_type: t3.micro\n",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("nat_instance_type: \"t4g.nano\" -> \"t3.micro\""),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let now = nat_instance(&p);
    assert_eq!(
        (
            &now["instance"]["type"],
            &now["instance"]["arch"],
            &now["instance"]["routed"]
        ),
        (&json!("t3.micro"), &json!("x86_64"), &json!([true]))
    );
    // In the 12-month free tier, a t3.micro's hours, its volume and its address are covered.
    let legacy = p
        .run(&["cost", "--json", "--free-tier", "legacy"])
        .expect(0)
        .json();
    let first_year: f64 = legacy["estimates"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["service"] == "NAT instance" || l["key"] == "ec2.public_ipv4.instance")
        .map(|l| l["first_year"].as_f64().unwrap())
        .sum();
    assert!(first_year.abs() < 0.01, "{first_year}: {legacy}");

    // A gateway instead: the instance and its group go once the gateway carries the traffic.
    p.edit("fintech.yaml", "nat: instance", "nat: gateway");
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(nat_instance(&p), json!({"instance": null, "groups": 0}));
    assert_eq!(live(&p)["private_route"], json!([["", "nat-"]]));
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    assert_eq!(live(&p), Value::Null);
}
