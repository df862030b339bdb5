//! `route53.alias`: a name in the stage's hosted zone aliased to a CloudFront distribution or a load balancer (A, and AAAA for IPv6); a name fintech did not make is never overwritten.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "route53.alias",
    driver: &DnsAlias,
    doc: "A name in the stage's hosted zone aliased to a CloudFront distribution or a load balancer (A, and AAAA for IPv6); a name fintech did not make is never overwritten",
    fields: &[
        f("zone", STR, Required, Replace, "a `route53.zone`'s id"),
        f("name", STR, Required, Replace, "the full name (tracker.example.com)"),
        f("target", STR, Required, InPlace, "the DNS name it aliases (the distribution's or balancer's domain)"),
        f("target_zone", STR, Required, InPlace, "the target's own hosted zone id (CloudFront's, or the balancer's canonical one)"),
        f("ipv6", BOOL, Default("false"), InPlace, "an AAAA alias beside the A one (the target must be dual-stack: CloudFront is)"),
    ],
    computed: &[],
    outputs: &["name", "url"],
    tier: Tier::Edge,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `route53.alias`.
#[derive(Debug)]
pub struct DnsAlias;

#[async_trait]
impl Driver for DnsAlias {
    fn delete_rank(&self) -> u8 {
        2 // before what it points at
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free // alias queries to AWS resources are not billed
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn needs_to_read(&self) -> &'static [&'static str] {
        &["zone", "name"]
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::dns_alias::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::dns_alias::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, _: &[String]) -> Result<()> {
        crate::aws::dns_alias::update(c, p, live).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::dns_alias::delete(c, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        crate::aws::dns_alias::ids(aws, names).await
    }
}
