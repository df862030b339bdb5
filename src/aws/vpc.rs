//! A dedicated network: a VPC with a public and a private subnet in each of its availability zones,
//! an internet gateway for the public ones, and the private ones' egress (see `egress`).
//! Every part carries the stage's tags and its role (`fintech:part`), so a run killed half-way is
//! finished by the next one, part by part, with no duplicates.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, ResourceType, Route, RouteTable, Subnet, Tag, TagSpecification,
    Vpc,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Names, Props, aws_error, code, sorted, wait};

/// How long a subnet or VPC may stay in use after what was in it went: Lambda releases its
/// network interfaces up to 20 minutes (or more) after a function is deleted, and the Terraform
/// provider retries DependencyViolation that long.
const RELEASE: Duration = Duration::from_secs(45 * 60);

pub(super) fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The tag specification of part `part` of the network: its Name, its role, the stage's tags
/// (except on a security group: it is none of the stack's, and the security-group driver would
/// take it for a leftover), and the VPC it serves if given (what finds an Elastic IP or a group).
pub(super) fn tagged(
    c: &Call<'_>,
    kind: ResourceType,
    part: &str,
    vpc: Option<&str>,
) -> TagSpecification {
    let mut tags: Vec<Tag> = if kind == ResourceType::SecurityGroup {
        Vec::new()
    } else {
        c.tags()
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    };
    tags.push(Tag::builder().key("fintech:part").value(part).build());
    tags.push(
        Tag::builder()
            .key("Name")
            .value(format!("{}-{part}", c.name))
            .build(),
    );
    if let Some(vpc) = vpc {
        tags.push(Tag::builder().key("fintech:network").value(vpc).build());
    }
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(tags))
        .build()
}

pub(super) fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

/// The subnets' address ranges in a /16: the public ones from the bottom (/20 each), the private
/// ones from the middle, so that either side has room to grow.
pub fn subnet_cidrs(vpc: &str, zones: usize) -> Result<(Vec<String>, Vec<String>)> {
    let (base, prefix) = vpc
        .split_once('/')
        .ok_or_else(|| anyhow!("`{vpc}` is not a CIDR block"))?;
    let octets: Vec<u8> = base.split('.').filter_map(|o| o.parse().ok()).collect();
    if prefix != "16" || octets.len() != 4 || octets[2] != 0 || octets[3] != 0 {
        bail!("`{vpc}`: a dedicated network takes a /16 block, like 10.0.0.0/16");
    }
    let at = |third: usize| format!("{}.{}.{third}.0/20", octets[0], octets[1]);
    Ok((
        (0..zones).map(|i| at(i * 16)).collect(),
        (0..zones).map(|i| at(128 + i * 16)).collect(),
    ))
}

/// The stage's VPCs of resource `c.id` (more than one while a replacement is made beside the one
/// it replaces), or the one whose id is `id`.
async fn vpcs(c: &Call<'_>, id: Option<&str>) -> Result<Vec<Vpc>> {
    let req = match id {
        Some(id) => c.aws.ec2.describe_vpcs().vpc_ids(id),
        None => c
            .aws
            .ec2
            .describe_vpcs()
            .filters(filter("tag:fintech:app", &c.names.app))
            .filters(filter("tag:fintech:stage", &c.names.stage))
            .filters(filter("tag:fintech:id", c.id)),
    };
    match req.send().await {
        Ok(out) => Ok(out.vpcs().to_vec()),
        Err(e) if code(&e) == "InvalidVpcID.NotFound" => Ok(Vec::new()),
        Err(e) => Err(aws_error("ec2:DescribeVpcs", e)),
    }
}

/// The stage's VPC of resource `c.id` with address block `cidr`.
async fn find_vpc(c: &Call<'_>, cidr: &str) -> Result<Option<Vpc>> {
    Ok(vpcs(c, None)
        .await?
        .into_iter()
        .find(|v| v.cidr_block() == Some(cidr)))
}

/// The parts of a VPC, as they are.
#[derive(Default)]
struct Parts {
    vpc: String,
    cidr: String,
    gateway: Option<String>,
    public: Vec<Subnet>,
    private: Vec<Subnet>,
    tables: Vec<RouteTable>,
    egress: super::egress::Egress,
}

impl Parts {
    fn table(&self, part: &str) -> Option<&RouteTable> {
        self.tables
            .iter()
            .find(|t| tag(t.tags(), "fintech:part") == Some(part))
    }
}

fn subnet_ids(subnets: &[Subnet]) -> Vec<String> {
    subnets
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect()
}

async fn parts(aws: &Aws, vpc: &Vpc) -> Result<Parts> {
    let id = vpc.vpc_id().unwrap_or_default().to_string();
    let (gateways, subnets, tables, egress) = futures::try_join!(
        async {
            aws.ec2
                .describe_internet_gateways()
                .filters(filter("attachment.vpc-id", &id))
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeInternetGateways", e))
        },
        async {
            Ok(super::pages!(
                "ec2:DescribeSubnets",
                aws.ec2.describe_subnets().filters(filter("vpc-id", &id))
            ))
        },
        async {
            Ok(super::pages!(
                "ec2:DescribeRouteTables",
                aws.ec2
                    .describe_route_tables()
                    .filters(filter("vpc-id", &id))
            ))
        },
        super::egress::read(aws, &id),
    )?;
    let mut p = Parts {
        vpc: id,
        cidr: vpc.cidr_block().unwrap_or_default().to_string(),
        gateway: gateways
            .internet_gateways()
            .first()
            .and_then(|g| g.internet_gateway_id().map(str::to_string)),
        egress,
        ..Default::default()
    };
    for s in subnets.iter().flat_map(|p| p.subnets()) {
        match tag(s.tags(), "fintech:part").unwrap_or_default() {
            part if part.starts_with("public") => p.public.push(s.clone()),
            part if part.starts_with("private") => p.private.push(s.clone()),
            _ => {}
        }
    }
    p.public
        .sort_by(|a, b| a.availability_zone().cmp(&b.availability_zone()));
    p.private
        .sort_by(|a, b| a.availability_zone().cmp(&b.availability_zone()));
    p.tables = tables
        .iter()
        .flat_map(|p| p.route_tables().to_vec())
        .collect();
    Ok(p)
}

pub async fn read(c: &Call<'_>, desired: &Attrs) -> Result<Option<Live>> {
    let mut all = vpcs(c, None).await?;
    // The one with the block the stack wants; another beside it is one it replaces.
    all.sort_by_key(|v| v.cidr_block() != desired.opt("cidr"));
    let mut all = all.into_iter();
    let Some(vpc) = all.next() else {
        return Ok(None);
    };
    let superseded = all.map(|v| generation(&v)).collect();
    let p = parts(c.aws, &vpc).await?;
    let nat = p.egress.kind(p.table("private"));
    let zones = p.private.len().min(p.public.len());
    // Every part there and wired: a run killed half-way shows as drift, finished by the update.
    let public = p.table("public");
    let public_routed = p
        .gateway
        .as_deref()
        .is_some_and(|g| Target::Gateway(g).routed_by(public))
        && public.is_some_and(|t| t.associations().len() >= p.public.len());
    let private_associated = p
        .table("private")
        .is_some_and(|t| t.associations().len() >= p.private.len());
    let mut a = Attrs::new();
    a.insert("mode".into(), Value::from("dedicated"));
    a.insert("cidr".into(), Value::from(p.cidr.clone()));
    a.insert("az_count".into(), Value::from(zones));
    a.insert("nat".into(), Value::from(nat));
    if let Some(kind) = p.egress.instance_type(p.table("private")) {
        a.insert("nat_instance_type".into(), Value::from(kind));
    }
    a.insert(
        "complete".into(),
        Value::Bool(public_routed && private_associated && zones > 0),
    );
    let mut o = Attrs::new();
    o.insert("id".into(), Value::from(p.vpc.clone()));
    o.insert("subnet_ids".into(), sorted(subnet_ids(&p.private)));
    o.insert("private_subnet_ids".into(), sorted(subnet_ids(&p.private)));
    o.insert("public_subnet_ids".into(), sorted(subnet_ids(&p.public)));
    o.insert("public_ip".into(), Value::Bool(false));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        superseded,
        ..Default::default()
    }))
}

/// A VPC of the stage's as a generation the engine deletes (it needs only its id).
fn generation(v: &Vpc) -> Live {
    let mut l = Live::default();
    l.outputs
        .insert("id".into(), Value::from(v.vpc_id().unwrap_or_default()));
    l
}

/// Every dedicated VPC of resource `c.id`: in a stage back on the default VPC, what goes once
/// everything has moved.
pub async fn generations(c: &Call<'_>) -> Result<Vec<Live>> {
    Ok(vpcs(c, None).await?.iter().map(generation).collect())
}

/// The first `n` availability zones of the region (by name) where Lambda, Fargate and Secrets
/// Manager's endpoint are all offered (not every AZ has them: use1-az3 has none).
async fn zones(aws: &Aws, n: usize) -> Result<Vec<String>> {
    let all = aws
        .ec2
        .describe_availability_zones()
        .filters(filter("state", "available"))
        .filters(filter("zone-type", "availability-zone"))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeAvailabilityZones", e))?;
    let mut names: Vec<String> = all
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    names.sort();
    for service in ["lambda", "ecs", "secretsmanager"] {
        super::ec2::prefetch_zones(aws, service).await?;
        let name = format!("com.amazonaws.{}.{service}", aws.region);
        let known = aws.zones.lock().await;
        if let Some(offered) = known.offered.get(&name).filter(|o| !o.is_empty()) {
            names.retain(|z| offered.contains(z));
        }
    }
    if names.len() < n {
        bail!(
            "{} has {} availability zones offering Lambda, Fargate and Secrets Manager; the network asks for {n}",
            aws.region,
            names.len()
        );
    }
    names.truncate(n);
    Ok(names)
}

/// Makes (or finishes) every part: what exists is found by its tags and kept.
pub async fn converge(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let vpc = match find_vpc(c, p.s("cidr")?).await? {
        Some(v) => v,
        None => {
            c.aws.mutated();
            let made = c
                .aws
                .ec2
                .create_vpc()
                .cidr_block(p.s("cidr")?)
                .tag_specifications(tagged(c, ResourceType::Vpc, "vpc", None))
                .send()
                .await
                .map_err(|e| aws_error("ec2:CreateVpc", e))?;
            let vpc = made
                .vpc()
                .cloned()
                .ok_or_else(|| anyhow!("ec2:CreateVpc answered no VPC"))?;
            // Interface endpoints with private DNS need both; AWS leaves hostnames off.
            c.aws.mutated();
            c.aws
                .ec2
                .modify_vpc_attribute()
                .vpc_id(vpc.vpc_id().unwrap_or_default())
                .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
                .send()
                .await
                .map_err(|e| aws_error("ec2:ModifyVpcAttribute", e))?;
            vpc
        }
    };
    let mut now = parts(c.aws, &vpc).await?;
    let vpc_id = now.vpc.clone();
    if now.gateway.is_none() {
        c.aws.mutated();
        let igw = c
            .aws
            .ec2
            .create_internet_gateway()
            .tag_specifications(tagged(c, ResourceType::InternetGateway, "gateway", None))
            .send()
            .await
            .map_err(|e| aws_error("ec2:CreateInternetGateway", e))?;
        let igw = igw
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .unwrap_or_default()
            .to_string();
        c.aws.mutated();
        wait::retry(
            wait::PROPAGATION,
            |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "InvalidInternetGatewayID.NotFound",
            || {
                c.aws
                    .ec2
                    .attach_internet_gateway()
                    .internet_gateway_id(&igw)
                    .vpc_id(&vpc_id)
                    .send()
            },
        )
        .await
        .map_err(|e| aws_error("ec2:AttachInternetGateway", e))?;
        now.gateway = Some(igw);
    }
    let n = p.i("az_count")? as usize;
    let (public_cidrs, private_cidrs) = subnet_cidrs(p.s("cidr")?, n)?;
    let azs = zones(c.aws, n).await?;
    for (side, cidrs) in [("public", &public_cidrs), ("private", &private_cidrs)] {
        for (i, (cidr, az)) in cidrs.iter().zip(&azs).enumerate() {
            let part = format!("{side}-{}", i + 1);
            let have = if side == "public" {
                &now.public
            } else {
                &now.private
            };
            if have
                .iter()
                .any(|s| tag(s.tags(), "fintech:part") == Some(part.as_str()))
            {
                continue;
            }
            c.aws.mutated();
            let made = c
                .aws
                .ec2
                .create_subnet()
                .vpc_id(&vpc_id)
                .cidr_block(cidr)
                .availability_zone(az)
                .tag_specifications(tagged(c, ResourceType::Subnet, &part, None))
                .send()
                .await
                .map_err(|e| aws_error("ec2:CreateSubnet", e))?;
            if let Some(s) = made.subnet() {
                if side == "public" {
                    now.public.push(s.clone());
                } else {
                    now.private.push(s.clone());
                }
            }
        }
    }
    let public_table = table(c, &mut now, "public").await?;
    if let Some(igw) = now.gateway.clone() {
        route(c, &public_table, now.table("public"), Target::Gateway(&igw)).await?;
    }
    associate(c, &now, "public", &public_table, &subnet_ids(&now.public)).await?;
    let private_table = table(c, &mut now, "private").await?;
    associate(
        c,
        &now,
        "private",
        &private_table,
        &subnet_ids(&now.private),
    )
    .await?;
    let network = super::egress::Network {
        vpc: &now.vpc,
        cidr: &now.cidr,
        public_subnet: now.public.first().and_then(|s| s.subnet_id()),
        table: &private_table,
        live_table: now.table("private"),
    };
    super::egress::converge(c, p, &network, &now.egress).await
}

/// The route table `part`, made if missing.
async fn table(c: &Call<'_>, now: &mut Parts, part: &str) -> Result<String> {
    if let Some(t) = now.table(part).and_then(|t| t.route_table_id()) {
        return Ok(t.to_string());
    }
    c.aws.mutated();
    let made = c
        .aws
        .ec2
        .create_route_table()
        .vpc_id(&now.vpc)
        .tag_specifications(tagged(c, ResourceType::RouteTable, part, None))
        .send()
        .await
        .map_err(|e| aws_error("ec2:CreateRouteTable", e))?;
    let t = made
        .route_table()
        .cloned()
        .ok_or_else(|| anyhow!("ec2:CreateRouteTable answered no table"))?;
    let id = t.route_table_id().unwrap_or_default().to_string();
    now.tables.push(t);
    Ok(id)
}

/// Where a default route (0.0.0.0/0) sends traffic.
pub(super) enum Target<'a> {
    Gateway(&'a str),
    Nat(&'a str),
    Interface(&'a str),
}

impl Target<'_> {
    /// Whether `r` is the default route, to this target.
    pub fn is_default(&self, r: &Route) -> bool {
        r.destination_cidr_block() == Some("0.0.0.0/0")
            && match *self {
                Target::Gateway(g) => r.gateway_id() == Some(g),
                Target::Nat(n) => r.nat_gateway_id() == Some(n),
                Target::Interface(i) => r.network_interface_id() == Some(i),
            }
    }

    /// Whether table `t` (if there is one) sends its default route to this target.
    pub fn routed_by(&self, t: Option<&RouteTable>) -> bool {
        t.is_some_and(|t| t.routes().iter().any(|r| self.is_default(r)))
    }
}

/// A CreateRoute or ReplaceRoute request of the default route, aimed at `target`.
macro_rules! aimed {
    ($req:expr, $table:expr, $target:expr) => {{
        let req = $req
            .route_table_id($table)
            .destination_cidr_block("0.0.0.0/0");
        match $target {
            Target::Gateway(g) => req.gateway_id(g),
            Target::Nat(n) => req.nat_gateway_id(n),
            Target::Interface(i) => req.network_interface_id(i),
        }
    }};
}

/// Points the table's default route at `target`, unless it already does.
pub(super) async fn route(
    c: &Call<'_>,
    table: &str,
    live: Option<&RouteTable>,
    target: Target<'_>,
) -> Result<()> {
    if target.routed_by(live) {
        return Ok(());
    }
    let routes = live.map(|t| t.routes()).unwrap_or_default();
    c.aws.mutated();
    if routes
        .iter()
        .any(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
    {
        aimed!(c.aws.ec2.replace_route(), table, target)
            .send()
            .await
            .map_err(|e| aws_error("ec2:ReplaceRoute", e))?;
    } else {
        aimed!(c.aws.ec2.create_route(), table, target)
            .send()
            .await
            .map_err(|e| aws_error("ec2:CreateRoute", e))?;
    }
    Ok(())
}

/// Associates `subnets` with route table `table` where they are not yet.
async fn associate(
    c: &Call<'_>,
    now: &Parts,
    part: &str,
    table: &str,
    subnets: &[String],
) -> Result<()> {
    let done: Vec<&str> = now
        .table(part)
        .map(|t| {
            t.associations()
                .iter()
                .filter_map(|a| a.subnet_id())
                .collect()
        })
        .unwrap_or_default();
    for s in subnets.iter().filter(|s| !done.contains(&s.as_str())) {
        c.aws.mutated();
        c.aws
            .ec2
            .associate_route_table()
            .route_table_id(table)
            .subnet_id(s)
            .send()
            .await
            .map_err(|e| aws_error("ec2:AssociateRouteTable", e))?;
    }
    Ok(())
}

/// Deletes every part, the egress first and the VPC last. Subnets and the VPC are retried while
/// AWS still holds something in them (Lambda's network interfaces linger after a function goes).
pub async fn delete(c: &Call<'_>, live: &Live) -> Result<()> {
    let Some(vpc) = vpcs(c, Some(live.outputs.s("id")?))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let now = parts(c.aws, &vpc).await?;
    super::egress::remove(c.aws, &now.egress).await?;
    for t in &now.tables {
        if t.associations().iter().any(|a| a.main() == Some(true)) {
            continue; // the VPC's main table goes with it
        }
        for a in t.associations() {
            if let Some(id) = a.route_table_association_id() {
                c.aws.mutated();
                c.aws
                    .ec2
                    .disassociate_route_table()
                    .association_id(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:DisassociateRouteTable", e))?;
            }
        }
        c.aws.mutated();
        c.aws
            .ec2
            .delete_route_table()
            .route_table_id(t.route_table_id().unwrap_or_default())
            .send()
            .await
            .map_err(|e| aws_error("ec2:DeleteRouteTable", e))?;
    }
    for s in now.public.iter().chain(&now.private) {
        let id = s.subnet_id().unwrap_or_default();
        c.aws.mutated();
        wait::retry(
            RELEASE,
            |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "DependencyViolation",
            || c.aws.ec2.delete_subnet().subnet_id(id).send(),
        )
        .await
        .map_err(|e| aws_error("ec2:DeleteSubnet", e))?;
    }
    if let Some(igw) = &now.gateway {
        c.aws.mutated();
        c.aws
            .ec2
            .detach_internet_gateway()
            .internet_gateway_id(igw)
            .vpc_id(&now.vpc)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DetachInternetGateway", e))?;
        c.aws.mutated();
        c.aws
            .ec2
            .delete_internet_gateway()
            .internet_gateway_id(igw)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DeleteInternetGateway", e))?;
    }
    c.aws.mutated();
    wait::retry(
        RELEASE,
        |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "DependencyViolation",
        || c.aws.ec2.delete_vpc().vpc_id(&now.vpc).send(),
    )
    .await
    .map_err(|e| aws_error("ec2:DeleteVpc", e))?;
    Ok(())
}

/// The stage's dedicated networks, by resource id.
pub async fn ids(aws: &Aws, names: &Names) -> Result<Vec<String>> {
    let out = aws
        .ec2
        .describe_vpcs()
        .filters(filter("tag:fintech:app", &names.app))
        .filters(filter("tag:fintech:stage", &names.stage))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeVpcs", e))?;
    Ok(out
        .vpcs()
        .iter()
        .filter_map(|v| tag(v.tags(), "fintech:id").map(str::to_string))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_are_slices_of_the_block_public_below_private_above() {
        let (public, private) = subnet_cidrs("10.20.0.0/16", 2).unwrap();
        assert_eq!(public, ["10.20.0.0/20", "10.20.16.0/20"]);
        assert_eq!(private, ["10.20.128.0/20", "10.20.144.0/20"]);
        assert!(subnet_cidrs("10.0.0.0/24", 2).is_err());
        assert!(subnet_cidrs("10.0.1.0/16", 2).is_err());
    }
}
