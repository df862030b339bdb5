//! The guide's scaling phases as stage parameters: a read replica of the database and RDS Proxy in
//! front of it (the "Scale" phase), planned, deployed beside the database without touching it,
//! priced, and removed.

use serde_json::{Value, json};

use crate::harness::deployed;

fn instances(p: &crate::harness::Project) -> Value {
    p.py(
        "dbs = c('rds').describe_db_instances()['DBInstances']\n\
         out({d['DBInstanceIdentifier']: [d['DBInstanceClass'], d.get('ReadReplicaSourceDBInstanceIdentifier'), d['DbiResourceId']] for d in dbs})",
    )
}

#[test]
fn a_read_replica_is_a_stage_parameter_beside_a_database_that_keeps_its_identity() {
    let (_moto, p) = deployed();
    let before = instances(&p);
    let identity = before["fintech-tracker-dev-db"][2].clone();

    p.edit(
        "fintech.yaml",
        "db_read_replica: false ",
        "db_read_replica: true ",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("+ db_replica (rds.read_replica) will be created")
            && plan.contains("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete"),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let now = instances(&p);
    assert_eq!(
        now["fintech-tracker-dev-db-replica"].as_array().unwrap()[..2],
        [json!("db.t3.micro"), json!("fintech-tracker-dev-db")]
    );
    assert_eq!(now["fintech-tracker-dev-db"][2], identity);
    // The replica is not mistaken for a database of its own (nor the database for a replica).
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("No changes."), "{plan}");
    let outputs = p.run(&["outputs"]).expect(0).stdout();
    assert!(
        outputs.contains("db_replica_endpoint = fintech-tracker-dev-db-replica."),
        "{outputs}"
    );

    // A bigger class moves both, in place.
    p.edit(
        "fintech.yaml",
        "db_class: db.t3.micro",
        "db_class: db.t3.small",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "~ db (rds.postgres) will be updated in place",
        "~ db_replica (rds.read_replica) will be updated in place",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(
        instances(&p)["fintech-tracker-dev-db-replica"][0],
        "db.t3.small"
    );

    // Priced: its instance-hours and its source's storage.
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let lines: Vec<String> = cost["estimates"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["resource"] == "db_replica")
        .map(|l| format!("{} {}", l["key"].as_str().unwrap(), l["quantity"]))
        .collect();
    assert_eq!(
        lines,
        ["rds.postgres.db.t3.small 730.0", "rds.storage.gp3 20.0"]
    );

    // Off again in a protected stage: the replica goes (its protection lifted, no snapshot: its
    // data is the database's), the database stays, protected.
    p.edit("fintech.yaml", "  dev: {}", "  dev: { protect: true }");
    p.run(&["deploy", "--yes"]).expect(0);
    p.edit(
        "fintech.yaml",
        "db_read_replica: true ",
        "db_read_replica: false ",
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let protected = p.py(
        "out(c('rds').describe_db_instances(DBInstanceIdentifier='fintech-tracker-dev-db')['DBInstances'][0]['DeletionProtection'])",
    );
    assert_eq!(protected, json!(true));
    let after = instances(&p);
    assert!(
        after.get("fintech-tracker-dev-db-replica").is_none(),
        "{after}"
    );
    assert_eq!(after["fintech-tracker-dev-db"][2], identity);
    let outputs = p.run(&["outputs"]).expect(0).stdout();
    assert!(!outputs.contains("db_replica_endpoint"), "{outputs}");
}

/// The stage's RDS proxy as AWS has it (status, engine, TLS, its secret is the database's, its
/// role's service, target, the pool's share, how many subnets and groups), and the database URL
/// each function is given; the proxy `null` without one.
fn proxy(p: &crate::harness::Project) -> Value {
    p.py(
        "r = c('rds')\n\
         db = r.describe_db_instances(DBInstanceIdentifier='fintech-tracker-dev-db')['DBInstances'][0]\n\
         urls = sorted({c('lambda').get_function_configuration(FunctionName=f)['Environment']['Variables']['DATABASE_URL'].split('@')[1].split(':')[0].split('.')[1][:9] for f in ('fintech-tracker-dev-api', 'fintech-tracker-dev-ingest')})\n\
         try:\n\
         \x20   x = r.describe_db_proxies(DBProxyName='fintech-tracker-dev-db-proxy')['DBProxies'][0]\n\
         except r.exceptions.DBProxyNotFoundFault:\n\
         \x20   out({'proxy': None, 'urls': urls})\n\
         else:\n\
         \x20   t = r.describe_db_proxy_targets(DBProxyName=x['DBProxyName'])['Targets']\n\
         \x20   g = r.describe_db_proxy_target_groups(DBProxyName=x['DBProxyName'])['TargetGroups'][0]\n\
         \x20   role = c('iam').get_role(RoleName=x['RoleArn'].rsplit('/', 1)[1])['Role']['AssumeRolePolicyDocument']['Statement'][0]['Principal']['Service']\n\
         \x20   out({'proxy': {'status': x['Status'], 'engine': x['EngineFamily'], 'tls': x['RequireTLS'],\n\
         \x20        'secret': x['Auth'][0]['SecretArn'] == db['MasterUserSecret']['SecretArn'], 'role': role,\n\
         \x20        'targets': [y['RdsResourceId'] for y in t], 'pool': g['ConnectionPoolConfig']['MaxConnectionsPercent'],\n\
         \x20        'subnets': len(x['VpcSubnetIds']) >= 2, 'groups': len(x['VpcSecurityGroupIds'])}, 'urls': urls})",
    )
}

#[test]
fn a_proxy_is_a_stage_parameter_and_the_functions_reach_the_database_through_it() {
    let (moto, p) = deployed();
    p.edit("fintech.yaml", "db_proxy: false ", "db_proxy: true ");
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "+ db_proxy (rds.proxy) will be created",
        "+ db_proxy_role (iam.role) will be created",
        "~ api (lambda.function) will be updated in place",
        "~ ingest (lambda.function) will be updated in place",
        "Plan: 2 to create, 2 to update, 0 to replace, 0 to delete",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    // moto names a proxy's endpoint NAME.db-proxy-ID (AWS: NAME.proxy-ID).
    assert_eq!(
        proxy(&p),
        json!({
            "proxy": {
                "status": "available", "engine": "POSTGRESQL", "tls": true, "secret": true,
                "role": "rds.amazonaws.com", "targets": ["fintech-tracker-dev-db"], "pool": 100,
                "subnets": true, "groups": 2,
            },
            "urls": ["db-proxy-"],
        })
    );
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
    crate::harness::redeploy_changes_nothing(&moto, &p);
    let outputs = p.run(&["outputs"]).expect(0).stdout();
    assert!(
        outputs.contains("db_proxy_endpoint = fintech-tracker-dev-db-proxy."),
        "{outputs}"
    );

    // Priced by the vCPUs of the instance it fronts (2 at the least).
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let lines: Vec<String> = cost["estimates"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["resource"] == "db_proxy")
        .map(|l| {
            format!(
                "{} {} {}",
                l["key"].as_str().unwrap(),
                l["quantity"],
                l["after"]
            )
        })
        .collect();
    assert_eq!(lines, ["rds.proxy.vcpu_hour 1460.0 21.9"]);

    // A smaller pool: changed in place.
    p.edit(
        "stacks/common.yaml",
        "    target: ${db.id}\n",
        "    target: ${db.id}\n    max_connections_percent: 50\n",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("~ db_proxy (rds.proxy) will be updated in place")
            && plan.contains("max_connections_percent: 100 -> 50"),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(proxy(&p)["proxy"]["pool"], json!(50));

    // Off again: the functions go back to the database itself, then the proxy and its role go.
    p.edit("fintech.yaml", "db_proxy: true ", "db_proxy: false ");
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "- db_proxy (rds.proxy) will be deleted",
        "- db_proxy_role (iam.role) will be deleted",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    let out = p.run(&["deploy", "--yes"]).expect(0).stderr();
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} in\n{out}"));
    assert!(
        at("db_proxy (rds.proxy): deleted") < at("db_proxy_role (iam.role): deleting"),
        "the proxy goes before the role it reads its secret with:\n{out}"
    );
    let after = proxy(&p);
    assert_eq!(after["proxy"], Value::Null);
    assert_ne!(after["urls"], json!(["db-proxy-"]), "{after}");
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
}

/// The service's scalable target and policy: [min, max, CPU target], and its desired count.
fn scaling(p: &crate::harness::Project) -> Value {
    p.py(
        "a = c('application-autoscaling')\n\
         rid = 'service/fintech-tracker-dev-cluster/fintech-tracker-dev-api-service'\n\
         t = a.describe_scalable_targets(ServiceNamespace='ecs', ResourceIds=[rid])['ScalableTargets']\n\
         pol = a.describe_scaling_policies(ServiceNamespace='ecs', ResourceId=rid)['ScalingPolicies']\n\
         s = c('ecs').describe_services(cluster='fintech-tracker-dev-cluster', services=['fintech-tracker-dev-api-service'])['services'][0]\n\
         out({'targets': [[x['MinCapacity'], x['MaxCapacity']] for x in t], 'policies': [[x['PolicyName'], x['TargetTrackingScalingPolicyConfiguration']['TargetValue']] for x in pol], 'desired': s['desiredCount']})",
    )
}

#[test]
fn the_containers_service_scales_on_cpu_and_its_count_is_then_not_drift() {
    let (moto, p, _) = crate::containers::containers();
    assert_eq!(
        scaling(&p),
        json!({"targets": [], "policies": [], "desired": 1})
    );
    p.edit(
        "fintech.yaml",
        "task_autoscaling: false ",
        "task_autoscaling: true ",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    assert!(
        plan.contains("+ api_scaling (ecs.autoscaling) will be created")
            && plan.contains("Plan: 1 to create, 0 to update"),
        "{plan}"
    );
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        scaling(&p),
        json!({"targets": [[1, 4]], "policies": [["fintech-tracker-dev-api-scaling", 60.0]], "desired": 1})
    );
    // Application Auto Scaling adds tasks: their count is its to set, not a change to undo.
    p.py(
        "c('ecs').update_service(cluster='fintech-tracker-dev-cluster', service='fintech-tracker-dev-api-service', desiredCount=3)\nout(0)",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    assert!(plan.contains("No changes."), "{plan}");
    // Its bounds and target change in place.
    p.edit("fintech.yaml", "task_max_count: 4 ", "task_max_count: 6 ");
    p.edit(
        "fintech.yaml",
        "task_cpu_target_percent: 60 ",
        "task_cpu_target_percent: 50 ",
    );
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        scaling(&p),
        json!({"targets": [[1, 6]], "policies": [["fintech-tracker-dev-api-scaling", 50.0]], "desired": 3})
    );
    moto.reset_recording();
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        moto.mutating_calls().len(),
        0,
        "{:?}",
        moto.mutating_calls()
    );
    // Off again: the policy and target go; the count is fintech's again.
    p.edit(
        "fintech.yaml",
        "task_autoscaling: true ",
        "task_autoscaling: false ",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    assert!(
        plan.contains("- api_scaling (ecs.autoscaling) will be deleted")
            && plan.contains("desired_count: 3 -> 1"),
        "{plan}"
    );
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        scaling(&p),
        json!({"targets": [], "policies": [], "desired": 1})
    );
}
