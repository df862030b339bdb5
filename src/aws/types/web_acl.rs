//! `wafv2.web_acl`: a WAF web ACL for CloudFront: AWS's managed rule groups and a rate limit.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "wafv2.web_acl",
    driver: &WebAcl,
    doc: "A WAF web ACL for CloudFront (in us-east-1): AWS's managed rule groups, then a rate limit per client address",
    fields: &[
        f("managed_rules", STRS, Default("[\"AWSManagedRulesCommonRuleSet\"]"), InPlace, "AWS managed rule groups applied (the common rule set: OWASP-style attacks)"),
        f("rate_limit", Ty::Int { min: 10, max: 2_000_000_000 }, Default("2000"), InPlace, "requests one client address may make in 5 minutes before it is blocked"),
    ],
    computed: &[],
    outputs: &["arn", "id", "name"],
    tier: Tier::Edge,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `wafv2.web_acl`.
#[derive(Debug)]
pub struct WebAcl;

#[async_trait]
impl Driver for WebAcl {
    fn delete_rank(&self) -> u8 {
        5 // after the distribution that uses it
    }
    fn pricing(&self) -> Pricing {
        Pricing::WebAcl
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::waf::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::waf::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::waf::update(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::waf::delete(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let acls = crate::aws::waf::acl_names(aws, &names.prefix()).await?;
        Ok(ids_by_prefix(names, acls))
    }
}
