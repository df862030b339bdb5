//! `apigateway.http_api`: an API Gateway HTTP API (v2) whose routes proxy to Lambda functions, auto-deployed.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "apigateway.http_api",
    driver: &HttpApi,
    doc: "An API Gateway HTTP API (v2) whose routes proxy to Lambda functions, auto-deployed",
    fields: &[
        f("routes", Ty::Map(&Ty::Str), Required, InPlace, "route key (e.g. `ANY /api/{proxy+}`) to function ARN"),
        f("cors_origins", STRS, Default("[]"), InPlace, "origins allowed by CORS"),
        f("cors_headers", STRS, Default("[\"content-type\"]"), InPlace, "request headers those origins may send (with `cors_origins`)"),
        f("throttle_rate", Ty::Int { min: 1, max: 10000 }, Optional, InPlace, "requests per second the stage lets through on average (the rest get 429): bounds what a flood costs"),
        f("throttle_burst", Ty::Int { min: 1, max: 5000 }, Optional, InPlace, "requests the stage lets through at once"),
        f("access_log_group", STR, Optional, InPlace, "log group ARN receiving one JSON line per request"),
    ],
    computed: &[("auto_deploy", InPlace)],
    outputs: &["id", "endpoint", "domain", "protocol"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `apigateway.http_api`.
#[derive(Debug)]
pub struct HttpApi;

#[async_trait]
impl Driver for HttpApi {
    fn delete_rank(&self) -> u8 {
        1
    }
    fn pricing(&self) -> Pricing {
        Pricing::HttpApi
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        if p.contains_key("throttle_rate") != p.contains_key("throttle_burst") {
            bail!(crate::aws::apigw_stage::ONE_THROTTLE);
        }
        p.insert("auto_deploy".into(), Value::Bool(true));
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::apigw::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::apigw::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, _: &[String]) -> Result<()> {
        crate::aws::apigw::update(c, p, live).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::apigw::delete(c, live).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::apigw::take_over(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::apigw::api_names(aws).await?,
        ))
    }
}
