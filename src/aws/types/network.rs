//! `ec2.network`: where the stage's functions, tasks and data stores live: the region's default VPC (looked up, the cheap default), or a dedicated VPC with public and private subnets in two zones and the private ones' egress.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ec2.network",
    driver: &Network,
    doc: "Where the stage's functions, tasks and data stores live: the region's default VPC (looked up, the cheap default), or a dedicated VPC with public and private subnets in two zones and the private ones' egress",
    fields: &[
        f("mode", Ty::Enum(&["default", "dedicated"]), Default("\"default\""), Replace, "`default`: the region's default VPC, looked up, never changed; `dedicated`: a VPC of the stage's own"),
        f("cidr", STR, Default("\"10.0.0.0/16\""), Replace, "a dedicated VPC's address block (a /16: public subnets from .0.0, private from .128.0, a /20 each)"),
        f("az_count", Ty::Int { min: 2, max: 3 }, Default("2"), Replace, "availability zones of a dedicated VPC (a public and a private subnet in each)"),
        f("nat", Ty::Enum(&["gateway", "instance", "none"]), Default("\"none\""), InPlace, "the private subnets' way out to the internet: a NAT gateway (~$33/month plus its address and $0.045/GB), a NAT instance (~$3/month for a t4g.nano plus its address; one instance, no failover), or none (AWS's APIs through endpoints only)"),
        f("nat_instance_type", Ty::Enum(&["t4g.nano", "t4g.micro", "t3.nano", "t3.micro"]), Default("\"t4g.nano\""), InPlace, "a NAT instance's type (changing it launches a new instance; t3.micro is in the 12-month free tier)"),
    ],
    computed: &[("complete", InPlace)],
    outputs: &["id", "subnet_ids", "private_subnet_ids", "public_subnet_ids", "public_ip"],
    tier: Tier::Network,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `ec2.network`.
#[derive(Debug)]
pub struct Network;

#[async_trait]
impl Driver for Network {
    fn delete_rank(&self) -> u8 {
        17 // after everything in it
    }
    fn pricing(&self) -> Pricing {
        Pricing::Network
    }
    fn prepare(&self, p: &Prep<'_>, props: &mut Attrs) -> Result<()> {
        let dedicated = props.get("mode").and_then(Value::as_str) == Some("dedicated");
        let nat = props
            .get("nat")
            .and_then(Value::as_str)
            .filter(|n| *n != "none")
            .map(str::to_string);
        if nat.as_deref() != Some("instance") {
            props.remove("nat_instance_type");
        }
        if !dedicated {
            if let Some(nat) = nat {
                bail!(
                    "{}: `nat: {nat}` is for a dedicated network (`mode: dedicated`); the default VPC's subnets are public",
                    p.resource.id
                );
            }
            // The default VPC has none of these: left out, they are not compared.
            for k in ["cidr", "az_count", "nat", "nat_instance_type"] {
                props.remove(k);
            }
            return Ok(());
        }
        if let Some(cidr) = props.get("cidr").and_then(Value::as_str) {
            crate::aws::vpc::subnet_cidrs(cidr, 2)?;
        }
        // Fargate pulls its image from ECR over the internet: private tasks need a way out.
        let tasks = p
            .desired
            .resources
            .values()
            .any(|r| r.schema.name == "ecs.service");
        if tasks && nat.is_none() {
            bail!(
                "{}: containers in a dedicated network need `nat: gateway` or `nat: instance` (a task pulls its image from ECR through the internet); or keep the default VPC",
                p.resource.id
            );
        }
        props.insert("complete".into(), Value::Bool(true));
        Ok(())
    }
    fn create_before_delete(&self) -> bool {
        true // what is in it moves to the new one first
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        if p.get("mode").and_then(Value::as_str) == Some("dedicated") {
            return crate::aws::vpc::read(c, p).await;
        }
        // Back from a dedicated network: that one goes once everything in it has moved.
        let (mut live, generations) = futures::try_join!(
            crate::aws::ec2::read_default_network(c),
            crate::aws::vpc::generations(c)
        )?;
        live.superseded = generations;
        Ok(Some(live))
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        if p.get("mode").and_then(Value::as_str) == Some("dedicated") {
            return crate::aws::vpc::converge(c, p).await;
        }
        Err(crate::aws::ec2::no_default_vpc(c.aws))
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::vpc::converge(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        if live.borrowed {
            return Ok(()); // the default VPC is the account's
        }
        crate::aws::vpc::delete(c, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let ids = crate::aws::vpc::ids(aws, names).await?;
        Ok(ids
            .into_iter()
            .map(|id| {
                (
                    id,
                    Attrs::from([("mode".to_string(), Value::from("dedicated"))]),
                )
            })
            .collect())
    }
}
