//! `cloudfront.distribution`: a CloudFront distribution: the site bucket through origin access control, the API under one path.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "cloudfront.distribution",
    driver: &Distribution,
    doc: "A CloudFront distribution: the site bucket through origin access control, the API under one path",
    fields: &[
        f("bucket", STR, Required, InPlace, "site bucket name"),
        f("api_domain", STR, Optional, InPlace, "API host name, routed under api_path"),
        f("api_protocol", Ty::Enum(&["https", "http"]), Default("\"https\""), InPlace, "how CloudFront reaches the API (http for a load balancer without a certificate)"),
        f("api_origin_secret", STR, Optional, InPlace, "a `secretsmanager.generated` secret's ARN: CloudFront sends its value to the API in the X-Origin-Verify header, and the API refuses requests without it"),
        f("api_path", STR, Default("\"/api/*\""), InPlace, "path pattern sent to the API"),
        f("default_root_object", STR, Default("\"index.html\""), InPlace, "object served for /"),
        f("price_class", Ty::Enum(&["PriceClass_100", "PriceClass_200", "PriceClass_All"]), Default("\"PriceClass_100\""), InPlace, "edge locations used"),
        f("web_acl", STR, Optional, InPlace, "a `wafv2.web_acl`'s ARN: WAF inspects every request before CloudFront serves it"),
        f("alias", STR, Optional, InPlace, "the stage's own domain name, served beside CloudFront's (needs `certificate`)"),
        f("certificate", STR, Optional, InPlace, "an issued `acm.certificate` (for_cloudfront) for `alias`"),
    ],
    computed: &[],
    outputs: &["id", "domain", "url", "arn", "zone_id"],
    tier: Tier::Edge,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `cloudfront.distribution`.
#[derive(Debug)]
pub struct Distribution;

#[async_trait]
impl Driver for Distribution {
    fn delete_rank(&self) -> u8 {
        4
    }
    fn pricing(&self) -> Pricing {
        Pricing::Cdn
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        p.insert("bucket_policy".into(), Value::Bool(true));
        Ok(())
    }
    fn output_follows(&self, output: &str, attr: &str) -> bool {
        (output, attr) == ("url", "alias")
    }
    async fn settle(&self, c: &Call<'_>, outputs: &Attrs) -> Result<()> {
        crate::aws::cloudfront::deployed(c, outputs).await
    }
    async fn prefetch(&self, aws: &Aws, _: &Names, _: &Attrs) -> Result<()> {
        crate::aws::cloudfront::list(aws).await.map(drop)
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::cloudfront::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::cloudfront::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, _: &[String]) -> Result<()> {
        crate::aws::cloudfront::update(c, p, live).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::cloudfront::delete(c, live).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::cloudfront::take_over(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        // Distributions have no name: ours carry it as their comment.
        Ok(ids_by_prefix(
            names,
            crate::aws::cloudfront::comments(aws).await?,
        ))
    }
}
