//! `elbv2.load_balancer`: an internet-facing Application Load Balancer with one target group (health-checked) and an HTTP listener, HTTPS with a certificate.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "elbv2.load_balancer",
    driver: &LoadBalancer,
    doc: "An internet-facing Application Load Balancer with one target group (health-checked) and an HTTP listener, HTTPS with a certificate",
    fields: &[
        f("subnets", STRS, Required, Replace, "subnets; the first `az_count` are used"),
        f("az_count", Ty::Int { min: 2, max: 6 }, Default("2"), Replace, "availability zones (each holds a billed public IPv4 address)"),
        f("security_groups", STRS, Required, InPlace, "security groups"),
        f("target_port", Ty::Int { min: 1, max: 65535 }, Default("8000"), Replace, "port of the tasks"),
        f("health_check_path", STR, Default("\"/api/health\""), InPlace, "path the target group checks"),
        f("certificate_arn", STR, Optional, InPlace, "ACM certificate: adds an HTTPS listener"),
        f("host_name", STR, Optional, InPlace, "the name the balancer is reached by (a `route53.alias` to it, covered by `certificate_arn`): its `domain` output once HTTPS is on"),
        f("origin_secret", STR, Optional, InPlace, "a `secretsmanager.generated` secret's ARN: only requests whose X-Origin-Verify header carries its value (current or previous) are forwarded, others get 403"),
    ],
    computed: &[("listening", InPlace), ("drops_invalid_headers", InPlace)],
    outputs: &["dns", "domain", "zone_id", "arn", "arn_suffix", "target_group_arn", "target_group_arn_suffix", "protocol"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `elbv2.load_balancer`.
#[derive(Debug)]
pub struct LoadBalancer;

#[async_trait]
impl Driver for LoadBalancer {
    fn delete_rank(&self) -> u8 {
        3
    }
    fn pricing(&self) -> Pricing {
        Pricing::LoadBalancer
    }
    fn physical(&self, names: &Names, id: &str) -> String {
        fit(&names.base(id), 32) // balancer names are at most 32 characters
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        p.insert("listening".into(), Value::Bool(true));
        p.insert("drops_invalid_headers".into(), Value::Bool(true));
        crate::package::first_subnets(p)
    }
    fn output_follows(&self, output: &str, attr: &str) -> bool {
        matches!(
            (output, attr),
            ("protocol" | "domain", "certificate_arn") | ("domain", "host_name")
        )
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::elbv2::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::elbv2::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, changed: &[String]) -> Result<()> {
        crate::aws::elbv2::update(c, p, live, changed).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::elbv2::delete(c, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::elbv2::balancer_names(aws).await?,
        ))
    }
}
