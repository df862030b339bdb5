//! `ec2.vpc_endpoint`: an interface VPC endpoint: AWS APIs (e.g. Secrets Manager) reachable from the VPC without a NAT gateway.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ec2.vpc_endpoint",
    driver: &VpcEndpoint,
    doc: "An interface VPC endpoint: AWS APIs (e.g. Secrets Manager) reachable from the VPC without a NAT gateway",
    fields: &[
        f("vpc", STR, Required, Replace, "VPC id"),
        f("service", STR, Required, Replace, "AWS service, e.g. secretsmanager"),
        f("subnets", STRS, Required, InPlace, "subnets; the first `az_count` (by id) in zones the service is offered in get an interface"),
        f("az_count", Ty::Int { min: 1, max: 6 }, Default("1"), InPlace, "availability zones with an interface (each billed hourly)"),
        f("security_groups", STRS, Required, InPlace, "security groups of the interfaces"),
        f("policy", Ty::List(&Ty::Obj(super::role::STATEMENT)), Default("[]"), InPlace, "what callers may do through the endpoint (e.g. read the stage's secrets only); none: everything their own permissions allow"),
        f("private_dns", BOOL, Default("true"), Replace, "the service's usual host name resolves to the endpoint"),
    ],
    computed: &[],
    outputs: &["id", "dns_name"],
    tier: Tier::Network,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `ec2.vpc_endpoint`.
#[derive(Debug)]
pub struct VpcEndpoint;

#[async_trait]
impl Driver for VpcEndpoint {
    fn delete_rank(&self) -> u8 {
        15
    }
    fn pricing(&self) -> Pricing {
        Pricing::VpcEndpoint
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    async fn complete(&self, aws: &Aws, p: &mut Attrs, _: &mut Attrs) -> Result<()> {
        crate::aws::ec2::endpoint_subnets(aws, p).await
    }
    async fn complete_for_apply(&self, aws: &Aws, _: &str, p: &mut Attrs) -> Result<()> {
        crate::aws::ec2::endpoint_subnets(aws, p).await
    }
    async fn prefetch(&self, aws: &Aws, _: &Names, declared: &Attrs) -> Result<()> {
        match declared.get("service").and_then(Value::as_str) {
            Some(service) => crate::aws::ec2::prefetch_zones(aws, service).await,
            None => Ok(()),
        }
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::ec2::read_endpoint(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::ec2::create_endpoint(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, _: &[String]) -> Result<()> {
        crate::aws::ec2::update_endpoint(c, p, live).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::ec2::delete_endpoint(c, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        // Endpoints have no name: they are found by their ownership tags alone.
        let ids = crate::aws::ec2::endpoint_ids(aws, names).await?;
        Ok(ids.into_iter().map(|id| (id, Attrs::new())).collect())
    }
}
