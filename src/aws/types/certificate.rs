//! `acm.certificate`: a public ACM certificate for one name, validated through DNS records fintech writes into the stage's hosted zone; issued before anything uses it.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "acm.certificate",
    driver: &Certificate,
    doc: "A public ACM certificate for one name, validated through DNS records fintech writes into the stage's hosted zone; issued before anything uses it",
    fields: &[
        f("domain", STR, Required, Replace, "the name it certifies"),
        f("zone", STR, Required, Replace, "a `route53.zone`'s id: where the validation records go"),
        f("for_cloudfront", BOOL, Default("false"), Replace, "made in us-east-1, where CloudFront takes certificates from (else in the stack's region, for a load balancer)"),
    ],
    computed: &[("issued", InPlace)],
    outputs: &["arn", "domain"],
    tier: Tier::Edge,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `acm.certificate`.
#[derive(Debug)]
pub struct Certificate;

#[async_trait]
impl Driver for Certificate {
    fn delete_rank(&self) -> u8 {
        9 // after the distribution and load balancer that use it
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free // public ACM certificates cost nothing
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        p.insert("issued".into(), Value::Bool(true));
        Ok(())
    }
    fn create_before_delete(&self) -> bool {
        true // what uses it moves to the new one first
    }
    fn needs_to_read(&self) -> &'static [&'static str] {
        &["domain"]
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::acm::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::acm::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, _: &[String]) -> Result<()> {
        crate::aws::acm::update(c, p, live).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
        crate::aws::acm::delete(c, p, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        crate::aws::acm::ids(aws, names).await
    }
}
