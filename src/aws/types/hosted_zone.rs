//! `route53.zone`: the public hosted zone a stage's domain is served from: the account's own (the deepest one above the domain, used, never changed), or, where there is none, one made for the domain.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "route53.zone",
    driver: &HostedZone,
    doc: "The public hosted zone a stage's domain is served from: the account's own (the deepest one above the domain, used, never changed), or, where there is none, one made for the domain",
    fields: &[f("domain", STR, Required, Replace, "the name the stage answers on (tracker.example.com)")],
    computed: &[],
    outputs: &["id", "name", "managed"],
    tier: Tier::Edge,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `route53.zone`.
#[derive(Debug)]
pub struct HostedZone;

#[async_trait]
impl Driver for HostedZone {
    fn delete_rank(&self) -> u8 {
        10 // after the records and certificates in it
    }
    fn pricing(&self) -> Pricing {
        Pricing::HostedZone
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::dns_zone::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::route53::create_zone(c, crate::aws::Props::s(p, "domain")?)
            .await
            .map(drop)
    }
    async fn update(&self, c: &Call<'_>, _: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        bail!("{}: a hosted zone has nothing to update in place", c.id)
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::dns_zone::delete(c, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        crate::aws::dns_zone::ids(aws, names).await
    }
}
