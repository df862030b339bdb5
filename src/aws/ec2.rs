//! EC2: the default VPC lookup and security groups (ingress rules diffed one by one).

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, PrefixListId, ResourceType, SecurityGroup, Tag,
    TagSpecification, UserIdGroupPair,
};
use serde_json::{Value, json};

use super::{Attrs, Aws, Call, Live, Names, Props, Zones, aws_error, code, sorted, wait};

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The error of an account without a default VPC in the region: cause and fix in one paragraph.
pub fn no_default_vpc(aws: &Aws) -> anyhow::Error {
    anyhow!(
        "account {} has no default VPC in {}, and the stack's network looks it up to place the database, cache and functions: create it with `aws ec2 create-default-vpc --region {}` (it costs nothing), or give the stage a network of its own (`network: dedicated` in its params), then run again",
        aws.account,
        aws.region,
        aws.region
    )
}

/// The default VPC as an `ec2.network`: its subnets are public (tasks there need a public
/// address to reach ECR), and it is the account's: borrowed, never deleted.
pub async fn read_default_network(c: &Call<'_>) -> Result<Live> {
    let mut live = read_vpc(c).await?;
    let subnets = live
        .outputs
        .get("subnet_ids")
        .cloned()
        .unwrap_or(Value::Null);
    live.outputs.insert("public_subnet_ids".into(), subnets);
    live.outputs
        .insert("private_subnet_ids".into(), Value::Null);
    live.outputs.insert("public_ip".into(), Value::Bool(true));
    live.attrs.insert("mode".into(), Value::from("default"));
    live.borrowed = true;
    Ok(live)
}

/// The AWS-managed prefix list named `p.name` in the region.
pub async fn read_prefix_list(c: &Call<'_>, p: &Attrs) -> Result<Live> {
    let name = p.s("name")?;
    let out = c
        .aws
        .ec2
        .describe_managed_prefix_lists()
        .filters(filter("prefix-list-name", name))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeManagedPrefixLists", e))?;
    let id = out
        .prefix_lists()
        .first()
        .and_then(|l| l.prefix_list_id())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}: region {} has no managed prefix list named {name} (list them with `aws ec2 describe-managed-prefix-lists`)",
                c.id,
                c.aws.region
            )
        })?;
    let mut live = Live::default();
    live.attrs.insert("name".into(), Value::from(name));
    live.outputs.insert("id".into(), Value::from(id));
    Ok(live)
}

pub async fn read_vpc(c: &Call<'_>) -> Result<Live> {
    let vpcs = c
        .aws
        .ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeVpcs", e))?;
    let vpc = vpcs
        .vpcs()
        .first()
        .and_then(|v| v.vpc_id())
        .ok_or_else(|| no_default_vpc(c.aws))?
        .to_string();
    let subnets = super::pages!(
        "ec2:DescribeSubnets",
        c.aws.ec2.describe_subnets().filters(filter("vpc-id", &vpc))
    );
    if subnets.iter().all(|p| p.subnets().is_empty()) {
        bail!(
            "the default VPC {vpc} of account {} in {} has no subnets, and the stack's functions, database and cache need them: create one per zone with `aws ec2 create-default-subnet --availability-zone <zone>` (or recreate the default VPC), then run again",
            c.aws.account,
            c.aws.region
        );
    }
    // Their ids, and their zones remembered for `offered_subnets` (one DescribeSubnets fewer on
    // the way).
    let mut ids = Vec::new();
    let mut known = c.aws.zones.lock().await;
    for s in subnets.iter().flat_map(|p| p.subnets()) {
        let Some(id) = s.subnet_id() else { continue };
        if let Some(zone) = s.availability_zone() {
            known.of_subnet.insert(id.to_string(), zone.to_string());
        }
        ids.push(id.to_string());
    }
    drop(known);
    let mut live = Live::default();
    live.outputs.insert("id".into(), Value::from(vpc));
    live.outputs.insert("subnet_ids".into(), sorted(ids));
    Ok(live)
}

/// The group's name for properties `p`: the resource's name and a short hash of what forces its
/// replacement, so that a replacement can live beside the group it replaces while the resources
/// that use it move over (a group in use cannot be deleted).
fn group_name(c: &Call<'_>, p: &Attrs) -> String {
    // At plan time the VPC may not be known yet: the name then matches no group, and the read
    // takes the one there is.
    let forcing = format!(
        "{}\n{}",
        p.opt("vpc").unwrap_or_default(),
        p.opt("description").unwrap_or_default()
    );
    let h = crate::package::digest_hex(forcing.as_bytes());
    super::fit(&format!("{}-{}", c.name, &h[..6]), 255)
}

/// The stage's groups, found by their ownership tags (all of them, or those of resource `id`):
/// one listing per epoch (see [`Aws::epoch`]) serves every group's read; a resource with none
/// there is asked about alone (the listing may predate its group: a create's read-back must see
/// it as soon as AWS does).
async fn owned_groups(aws: &Aws, names: &Names, id: Option<&str>) -> Result<Vec<SecurityGroup>> {
    let key = format!("{}/{}", names.app, names.stage);
    let listed = aws
        .groups
        .get(&key, aws.epoch(), || tagged_groups(aws, names, None))
        .await?;
    let of_id = |g: &&SecurityGroup| {
        id.is_none_or(|id| {
            g.tags()
                .iter()
                .any(|t| t.key() == Some("fintech:id") && t.value() == Some(id))
        })
    };
    let found: Vec<SecurityGroup> = listed.iter().filter(of_id).cloned().collect();
    if found.is_empty() && id.is_some() {
        return tagged_groups(aws, names, id).await;
    }
    Ok(found)
}

/// The groups tagged as the stage's (as resource `id`'s, if given), sorted by name.
async fn tagged_groups(aws: &Aws, names: &Names, id: Option<&str>) -> Result<Vec<SecurityGroup>> {
    let mut q = aws
        .ec2
        .describe_security_groups()
        .filters(filter("tag:fintech:app", &names.app))
        .filters(filter("tag:fintech:stage", &names.stage));
    if let Some(id) = id {
        q = q.filters(filter("tag:fintech:id", id));
    }
    let mut groups: Vec<SecurityGroup> = super::pages!("ec2:DescribeSecurityGroups", q)
        .iter()
        .flat_map(|p| p.security_groups().to_vec())
        .collect();
    groups.sort_by(|a, b| a.group_name().cmp(&b.group_name()));
    Ok(groups)
}

/// A group as the resource's live state.
fn live_group(sg: &SecurityGroup) -> Live {
    let mut rules = Vec::new();
    for p in sg.ip_permissions() {
        let port = p.from_port().unwrap_or_default();
        let end = p.to_port().unwrap_or(port);
        // A range is reported with its end; one port without.
        let with_end = |mut rule: Value| {
            if end != port {
                rule["to_port"] = Value::from(end);
            }
            rule
        };
        for pair in p.user_id_group_pairs() {
            rules.push(with_end(json!({"port": port, "from": pair.group_id().unwrap_or_default(), "description": pair.description().unwrap_or_default()})));
        }
        for r in p.ip_ranges() {
            rules.push(with_end(json!({"port": port, "cidr": r.cidr_ip().unwrap_or_default(), "description": r.description().unwrap_or_default()})));
        }
        for l in p.prefix_list_ids() {
            rules.push(with_end(json!({"port": port, "prefix_list": l.prefix_list_id().unwrap_or_default(), "description": l.description().unwrap_or_default()})));
        }
    }
    let mut live = Live::default();
    live.attrs
        .insert("vpc".into(), Value::from(sg.vpc_id().unwrap_or_default()));
    live.attrs.insert(
        "description".into(),
        Value::from(sg.description().unwrap_or_default()),
    );
    live.attrs.insert("ingress".into(), Value::Array(rules));
    live.outputs
        .insert("id".into(), Value::from(sg.group_id().unwrap_or_default()));
    live.outputs.insert(
        "name".into(),
        Value::from(sg.group_name().unwrap_or_default()),
    );
    live
}

/// The resource's group: the one named for `p` when there are several (a replacement created
/// beside its predecessor), the others reported as superseded.
pub async fn read_sg(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let groups = owned_groups(c.aws, c.names, Some(c.id)).await?;
    let want = group_name(c, p);
    let Some(current) = groups
        .iter()
        .position(|g| g.group_name() == Some(want.as_str()))
        .or(groups.len().checked_sub(1))
    else {
        return Ok(None);
    };
    let mut live = live_group(&groups[current]);
    live.superseded = groups
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != current)
        .map(|(_, g)| live_group(g))
        .collect();
    Ok(Some(live))
}

pub async fn create_sg(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .set_tags(Some(
            c.tags()
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build();
    let name = group_name(c, p);
    c.aws.mutated();
    let created = c
        .aws
        .ec2
        .create_security_group()
        .group_name(&name)
        .description(p.s("description")?)
        .vpc_id(p.s("vpc")?)
        .tag_specifications(tags)
        .send()
        .await;
    let want = rule_set(p.get("ingress"));
    match created {
        Ok(out) => {
            // A new group answers InvalidGroup.NotFound for a while (EC2's eventual consistency).
            let id = out.group_id().unwrap_or_default();
            let what = format!("security group {id} to be visible");
            wait::until(&what, wait::PROPAGATION, || async {
                match c
                    .aws
                    .ec2
                    .describe_security_groups()
                    .group_ids(id)
                    .send()
                    .await
                {
                    Ok(_) => Ok(true),
                    Err(e) if code(&e) == "InvalidGroup.NotFound" => Ok(false),
                    Err(e) => Err(aws_error("ec2:DescribeSecurityGroups", e)),
                }
            })
            .await?;
            authorize(c, id, &want).await
        }
        // Created by a run that did not finish: ours (by its tags) is taken over, its rules completed.
        Err(e) if code(&e) == "InvalidGroup.Duplicate" => {
            let found = c
                .aws
                .ec2
                .describe_security_groups()
                .filters(filter("group-name", &name))
                .filters(filter("vpc-id", p.s("vpc")?))
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeSecurityGroups", e))?;
            let sg = found
                .security_groups()
                .first()
                .ok_or_else(|| anyhow!("security group {name} exists but cannot be found"))?;
            c.names.check_owner(
                &format!("security group {name}"),
                sg.tags()
                    .iter()
                    .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
            )?;
            let have = rule_set(live_group(sg).attrs.get("ingress"));
            let missing = want.difference(&have).cloned().collect();
            authorize(c, sg.group_id().unwrap_or_default(), &missing).await
        }
        Err(e) => Err(aws_error("ec2:CreateSecurityGroup", e)),
    }
}

pub async fn update_sg(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?;
    let want = rule_set(p.get("ingress"));
    let have = rule_set(live.attrs.get("ingress"));
    let gone: BTreeSet<_> = have.difference(&want).cloned().collect();
    let new: BTreeSet<_> = want.difference(&have).cloned().collect();
    revoke(c, id, &gone).await?;
    authorize(c, id, &new).await
}

async fn authorize(c: &Call<'_>, id: &str, rules: &BTreeSet<Rule>) -> Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    c.aws.mutated();
    // A group created moments ago (by a run that was stopped, say) or the group a rule names may
    // not be visible to EC2 yet: InvalidGroup.NotFound is retried for the propagation timeout, as
    // the Terraform provider does.
    let not_yet = |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "InvalidGroup.NotFound";
    wait::retry(wait::PROPAGATION, not_yet, || {
        c.aws
            .ec2
            .authorize_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(rules.iter().map(permission).collect()))
            .send()
    })
    .await
    .map_err(|e| aws_error("ec2:AuthorizeSecurityGroupIngress", e))?;
    Ok(())
}

/// Revokes every ingress rule of the group, so that groups referring to each other can be deleted
/// in any order.
pub async fn revoke_all(c: &Call<'_>, live: &Live) -> Result<()> {
    revoke(
        c,
        live.outputs.s("id")?,
        &rule_set(live.attrs.get("ingress")),
    )
    .await
}

async fn revoke(c: &Call<'_>, id: &str, rules: &BTreeSet<Rule>) -> Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    c.aws.mutated();
    c.aws
        .ec2
        .revoke_security_group_ingress()
        .group_id(id)
        .set_ip_permissions(Some(rules.iter().map(permission).collect()))
        .send()
        .await
        .map_err(|e| aws_error("ec2:RevokeSecurityGroupIngress", e))?;
    Ok(())
}

/// How long Lambda may take to release a deleted function's network interfaces: "up to 20
/// minutes" in the Lambda guide, up to 45 in practice (Terraform provider issue #10329).
pub const LAMBDA_ENI_RELEASE: Duration = Duration::from_secs(45 * 60);

pub async fn delete_sg(c: &Call<'_>, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?.to_string();
    let what = format!("security group {id} to be deleted (its network interfaces released)");
    wait::until(&what, LAMBDA_ENI_RELEASE, || async {
        c.aws.mutated();
        match c.aws.ec2.delete_security_group().group_id(&id).send().await {
            Ok(_) => Ok(true),
            Err(e) if code(&e) == "InvalidGroup.NotFound" => Ok(true),
            // Still used by a network interface: Lambda's are deleted once detached (AWS leaves
            // them); the others (a function's still in use, a load balancer's) are waited for.
            Err(e) if code(&e) == "DependencyViolation" => {
                let detached = lambda_enis(c.aws, LAMBDA_ENI, Some(&id)).await?;
                delete_detached(c.aws, &detached).await?;
                Ok(false)
            }
            Err(e) => Err(aws_error("ec2:DeleteSecurityGroup", e)),
        }
    })
    .await
}

/// The description Lambda gives a function's network interfaces (what identifies them: their
/// type changes from `lambda` to `interface` once detached).
const LAMBDA_ENI: &str = "AWS Lambda VPC ENI-";

/// Lambda network interfaces whose description starts with `prefix` (at least [`LAMBDA_ENI`]),
/// in security group `group` if given, with their status (`in-use`, `available`).
async fn lambda_enis(
    aws: &Aws,
    prefix: &str,
    group: Option<&str>,
) -> Result<Vec<(String, String)>> {
    let mut filters = vec![filter("description", &format!("{prefix}*"))];
    filters.extend(group.map(|g| filter("group-id", g)));
    let pages = super::pages!(
        "ec2:DescribeNetworkInterfaces",
        aws.ec2
            .describe_network_interfaces()
            .set_filters(Some(filters))
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.network_interfaces())
        .filter(|n| n.description().is_some_and(|d| d.starts_with(prefix)))
        .map(|n| {
            (
                n.network_interface_id().unwrap_or_default().to_string(),
                n.status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect())
}

/// Deletes the detached (`available`) ones of `enis`.
async fn delete_detached(aws: &Aws, enis: &[(String, String)]) -> Result<()> {
    for (id, _) in enis.iter().filter(|(_, status)| status == "available") {
        aws.mutated();
        match aws
            .ec2
            .delete_network_interface()
            .network_interface_id(id)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if code(&e) == "InvalidNetworkInterfaceID.NotFound" => {}
            Err(e) => return Err(aws_error("ec2:DeleteNetworkInterface", e)),
        }
    }
    Ok(())
}

/// Waits until Lambda has released the network interfaces of deleted function `function`, and
/// deletes them: until then its execution role must stay (Lambda manages them with it) and its
/// security groups cannot be deleted.
pub async fn release_lambda_enis(aws: &Aws, function: &str) -> Result<()> {
    let prefix = format!("{LAMBDA_ENI}{function}-");
    let what = format!(
        "Lambda to release the network interfaces of {function} (AWS documents up to 20 minutes, \
         45 are seen)"
    );
    wait::until(&what, LAMBDA_ENI_RELEASE, || async {
        let enis = lambda_enis(aws, &prefix, None).await?;
        delete_detached(aws, &enis).await?;
        Ok(enis.iter().all(|(_, status)| status == "available"))
    })
    .await
}

/// One ingress rule, normalised: (first port, last port, source group, cidr, prefix list, description).
type Rule = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn rule_set(v: Option<&Value>) -> BTreeSet<Rule> {
    v.and_then(Value::as_array)
        .map(|rules| {
            rules
                .iter()
                .map(|r| {
                    let s = |k: &str| {
                        r.get(k)
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                    };
                    let port = r.get("port").and_then(Value::as_i64).unwrap_or_default();
                    (
                        port,
                        r.get("to_port").and_then(Value::as_i64).unwrap_or(port),
                        s("from"),
                        s("cidr"),
                        s("prefix_list"),
                        s("description").unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn permission(r: &Rule) -> IpPermission {
    let (port, end, from, cidr, prefix_list, desc) = r;
    let mut b = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(*port as i32)
        .to_port(*end as i32);
    if let Some(g) = from {
        b = b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(g)
                .description(desc)
                .build(),
        );
    }
    if let Some(c) = cidr {
        b = b.ip_ranges(IpRange::builder().cidr_ip(c).description(desc).build());
    }
    if let Some(l) = prefix_list {
        b = b.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(l)
                .description(desc)
                .build(),
        );
    }
    b.build()
}

/// The stage's interface endpoint `c.id`, found by its ownership tags (endpoints have no names).
async fn find_endpoint(c: &Call<'_>) -> Result<Option<aws_sdk_ec2::types::VpcEndpoint>> {
    let out = super::pages!(
        "ec2:DescribeVpcEndpoints",
        c.aws
            .ec2
            .describe_vpc_endpoints()
            .filters(filter("tag:fintech:app", &c.names.app))
            .filters(filter("tag:fintech:stage", &c.names.stage))
            .filters(filter("tag:fintech:id", c.id))
    );
    Ok(out
        .iter()
        .flat_map(|p| p.vpc_endpoints())
        .find(|e| {
            !matches!(
                e.state().map(|s| s.as_str()),
                Some("deleted" | "deleting" | "Deleted" | "Deleting")
            )
        })
        .cloned())
}

pub async fn read_endpoint(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(e) = find_endpoint(c).await? else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    a.insert("vpc".into(), Value::from(e.vpc_id().unwrap_or_default()));
    let service = e.service_name().unwrap_or_default();
    a.insert(
        "service".into(),
        Value::from(service.rsplit('.').next().unwrap_or(service)),
    );
    a.insert("subnets".into(), sorted(e.subnet_ids().to_vec()));
    a.insert(
        "security_groups".into(),
        sorted(
            e.groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
        ),
    );
    a.insert(
        "policy".into(),
        Value::from(endpoint_policy_statements(e.policy_document())),
    );
    if let Some(dns) = e.private_dns_enabled() {
        a.insert("private_dns".into(), Value::from(dns));
    }
    let mut o = Attrs::new();
    o.insert(
        "id".into(),
        Value::from(e.vpc_endpoint_id().unwrap_or_default()),
    );
    // The regional name (the first entry; the others are per zone): what a client is pointed at
    // when private DNS is off.
    let dns = e.dns_entries().first().and_then(|d| d.dns_name());
    o.insert("dns_name".into(), Value::from(dns.unwrap_or_default()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// Reads the zones endpoint service `service` (a full name) is offered in into `known`, once per
/// run: several resources ask, at the same time (the caller holds the lock while asking).
async fn offered_zones(aws: &Aws, known: &mut Zones, service: &str) -> Result<()> {
    if known.offered.contains_key(service) {
        return Ok(());
    }
    let offered = aws
        .ec2
        .describe_vpc_endpoint_services()
        .service_names(service)
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeVpcEndpointServices", e))?;
    let zones = offered
        .service_details()
        .iter()
        .filter(|d| d.service_name() == Some(service))
        .flat_map(|d| d.availability_zones().iter().cloned())
        .collect();
    known.offered.insert(service.to_string(), zones);
    Ok(())
}

/// [`offered_zones`] of `service` (e.g. `lambda`), asked ahead of the resources that need it.
pub async fn prefetch_zones(aws: &Aws, service: &str) -> Result<()> {
    let service = format!("com.amazonaws.{}.{service}", aws.region);
    offered_zones(aws, &mut *aws.zones.lock().await, &service).await
}

/// Narrows `subnets` (when known) to those in availability zones where `service` (e.g.
/// `secretsmanager`, `lambda`, `ecs`) is offered, as its interface endpoint service says
/// (DescribeVpcEndpointServices): not every service runs in every AZ (Lambda and Fargate not in
/// use1-az3, for one). Sorted by id; unchanged when AWS does not say.
pub async fn offered_subnets(aws: &Aws, p: &mut Attrs, service: &str) -> Result<()> {
    let Some(Value::Array(listed)) = p.get("subnets") else {
        return Ok(()); // not known yet (planned before the network is read)
    };
    let mut subnets: Vec<String> = listed
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    subnets.sort();
    let service = format!("com.amazonaws.{}.{service}", aws.region);
    let mut known = aws.zones.lock().await;
    offered_zones(aws, &mut known, &service).await?;
    let missing: Vec<String> = subnets
        .iter()
        .filter(|s| !known.of_subnet.contains_key(*s))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let pages = super::pages!(
            "ec2:DescribeSubnets",
            aws.ec2.describe_subnets().set_subnet_ids(Some(missing))
        );
        for s in pages.iter().flat_map(|p| p.subnets()) {
            if let (Some(id), Some(zone)) = (s.subnet_id(), s.availability_zone()) {
                known.of_subnet.insert(id.to_string(), zone.to_string());
            }
        }
    }
    let zones = &known.offered[&service];
    if !zones.is_empty() && !subnets.is_empty() {
        let offered_in = |s: &String| {
            known
                .of_subnet
                .get(s)
                .is_some_and(|z| zones.iter().any(|w| w == z))
        };
        if !subnets.iter().any(offered_in) {
            anyhow::bail!(
                "{service} is offered in none of the subnets' availability zones (it is in {})",
                zones.join(", ")
            );
        }
        subnets.retain(offered_in);
    }
    p.insert("subnets".into(), json!(subnets));
    Ok(())
}

/// An endpoint's subnets: in zones its service is offered in, the first `az_count` of them.
pub async fn endpoint_subnets(aws: &Aws, p: &mut Attrs) -> Result<()> {
    let service = p.s("service")?.to_string();
    let n = p.i("az_count")?.max(1) as usize;
    offered_subnets(aws, p, &service).await?;
    if let Some(Value::Array(s)) = p.get_mut("subnets") {
        s.truncate(n);
    }
    Ok(())
}

/// The full-access policy an endpoint has unless given another (also what a policy is reset to:
/// moto ignores ResetPolicy, and AWS takes the document as well).
const FULL_ACCESS: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

/// An endpoint's policy in the stack's form: no statements for full access.
fn endpoint_policy_statements(doc: Option<&str>) -> Vec<Value> {
    let doc: Value = serde_json::from_str(doc.unwrap_or(FULL_ACCESS)).unwrap_or(Value::Null);
    let full: Value = serde_json::from_str(FULL_ACCESS).unwrap_or(Value::Null);
    if doc["Statement"] == full["Statement"] {
        return Vec::new();
    }
    super::iam::statements_of(&doc)
}

/// The policy document for the endpoint's `policy` statements, for callers of this account only.
fn endpoint_policy(c: &Call<'_>, p: &Attrs) -> String {
    match p.get("policy") {
        Some(Value::Array(s)) if !s.is_empty() => {
            super::iam::policy_document(&Value::Array(s.clone()), Some(&c.names.account))
        }
        _ => FULL_ACCESS.to_string(),
    }
}

pub async fn create_endpoint(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::VpcEndpoint)
        .set_tags(Some(
            c.tags()
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build();
    c.aws.mutated();
    c.aws
        .ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Interface)
        .vpc_id(p.s("vpc")?)
        .service_name(format!(
            "com.amazonaws.{}.{}",
            c.aws.region,
            p.s("service")?
        ))
        .set_subnet_ids(Some(p.list("subnets")?))
        .set_security_group_ids(Some(p.list("security_groups")?))
        .private_dns_enabled(p.b("private_dns")?)
        .policy_document(endpoint_policy(c, p))
        .tag_specifications(tags)
        // The same for the SDK's retries of this call: one whose answer was lost is answered
        // with the endpoint it made, not a second endpoint (the SDK does not fill it for EC2).
        .client_token(super::unique("ep"))
        .send()
        .await
        .map_err(|e| aws_error("ec2:CreateVpcEndpoint", e))?;
    Ok(())
}

pub async fn update_endpoint(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?;
    let diff = |k: &str| -> Result<(Vec<String>, Vec<String>)> {
        let (want, have) = (p.list(k)?, super::strings(live.attrs.get(k)));
        Ok((
            want.iter().filter(|x| !have.contains(x)).cloned().collect(),
            have.iter().filter(|x| !want.contains(x)).cloned().collect(),
        ))
    };
    let ((add_subnets, remove_subnets), (add_groups, remove_groups)) =
        (diff("subnets")?, diff("security_groups")?);
    c.aws.mutated();
    c.aws
        .ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(id)
        .set_add_subnet_ids(Some(add_subnets))
        .set_remove_subnet_ids(Some(remove_subnets))
        .set_add_security_group_ids(Some(add_groups))
        .set_remove_security_group_ids(Some(remove_groups))
        .policy_document(endpoint_policy(c, p))
        .send()
        .await
        .map_err(|e| aws_error("ec2:ModifyVpcEndpoint", e))?;
    Ok(())
}

pub async fn delete_endpoint(c: &Call<'_>, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?;
    c.aws.mutated();
    match c
        .aws
        .ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "InvalidVpcEndpointId.NotFound" => Ok(()),
        Err(e) => Err(aws_error("ec2:DeleteVpcEndpoints", e)),
    }
}

/// The `fintech:id` of every security group tagged as the stage's (once each).
pub async fn group_ids(aws: &Aws, names: &Names) -> Result<Vec<String>> {
    let mut ids: Vec<String> = owned_groups(aws, names, None)
        .await?
        .iter()
        .filter_map(|g| {
            g.tags()
                .iter()
                .find(|t| t.key() == Some("fintech:id"))
                .and_then(|t| t.value())
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The `fintech:id` of every VPC endpoint tagged as the stage's.
pub async fn endpoint_ids(aws: &Aws, names: &Names) -> Result<Vec<String>> {
    let page = super::pages!(
        "ec2:DescribeVpcEndpoints",
        aws.ec2
            .describe_vpc_endpoints()
            .filters(filter("tag:fintech:app", &names.app))
            .filters(filter("tag:fintech:stage", &names.stage))
    );
    Ok(page
        .iter()
        .flat_map(|p| p.vpc_endpoints())
        .filter_map(|e| {
            e.tags()
                .iter()
                .find(|t| t.key() == Some("fintech:id"))
                .and_then(|t| t.value())
                .map(str::to_string)
        })
        .collect())
}
