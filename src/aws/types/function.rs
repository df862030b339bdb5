//! `lambda.function`: a Lambda function packaged from a source directory.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "lambda.function",
    driver: &Function,
    doc: "A Lambda function packaged from a source directory",
    fields: &[
        f("code", STR, Required, Local, "source directory, packaged into a reproducible zip"),
        f("handler", STR, Required, InPlace, "module.function"),
        f("runtime", Ty::Enum(&["python3.12", "python3.13", "python3.11"]), Default("\"python3.12\""), InPlace, "runtime"),
        f("memory_mb", Ty::Int { min: 128, max: 10240, }, Default("512"), InPlace, "memory"),
        f("timeout_s", Ty::Int { min: 1, max: 900 }, Default("30"), InPlace, "timeout"),
        f("architecture", Ty::Enum(&["x86_64", "arm64"]), Default("\"x86_64\""), InPlace, "CPU architecture"),
        f("role", STR, Required, InPlace, "execution role ARN"),
        f("env", Ty::Map(&Ty::Str), Default("{}"), InPlace, "environment variables (secrets go by ARN: ${secrets.NAME})"),
        f("subnets", STRS, Default("[]"), InPlace, "VPC subnets (to reach the database and cache)"),
        f("security_groups", STRS, Default("[]"), InPlace, "VPC security groups"),
        f("reserved_concurrency", Ty::Int { min: 1, max: 10000 }, Optional, InPlace, "most instances running at once (requests beyond are throttled): bounds what a flood costs"),
        f("log_retention_days", Ty::Enum(crate::aws::logs::RETENTION_DAYS), Default("\"14\""), InPlace, "days its log group (/aws/lambda/<name>, made before the function) keeps events"),
        f("keep_logs", BOOL, Default("false"), Local, "destroy leaves its log group (events expire with their retention) instead of deleting it"),
        f("artifact_bucket", STR, Optional, Local, "bucket for zips over Lambda's 50 MB direct-upload limit"),
    ],
    computed: &[("code_sha256", InPlace), ("state", Replace)],
    outputs: &["arn", "name"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `lambda.function`.
#[derive(Debug)]
pub struct Function;

#[async_trait]
impl Driver for Function {
    fn delete_rank(&self) -> u8 {
        5
    }
    fn pricing(&self) -> Pricing {
        Pricing::Function
    }
    fn prepare(&self, p: &Prep<'_>, props: &mut Attrs) -> Result<()> {
        props.insert("state".into(), Value::from("Active"));
        crate::package::lambda_zip(p, props)
    }
    async fn complete(&self, aws: &Aws, p: &mut Attrs, _: &mut Attrs) -> Result<()> {
        crate::aws::ec2::offered_subnets(aws, p, "lambda").await
    }
    async fn complete_for_apply(&self, aws: &Aws, _: &str, p: &mut Attrs) -> Result<()> {
        crate::aws::ec2::offered_subnets(aws, p, "lambda").await
    }
    fn packages(&self) -> bool {
        true
    }
    fn artifact(&self, p: &Attrs) -> Option<String> {
        let mb = p.get("code_size").and_then(Value::as_f64).unwrap_or(0.0) / 1e6;
        Some(format!(
            "{} ({mb:.1} MB, sha256 {})",
            p.get("code_zip")?.as_str()?,
            p.get("code_sha256")?.as_str()?
        ))
    }
    async fn prefetch(&self, aws: &Aws, _: &Names, declared: &Attrs) -> Result<()> {
        if declared.contains_key("subnets") {
            crate::aws::ec2::prefetch_zones(aws, "lambda").await?;
        }
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::lambda::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::lambda::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, changed: &[String]) -> Result<()> {
        crate::aws::lambda::update(c, p, changed).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
        crate::aws::lambda::delete(c, p, live).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::lambda::take_over(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::lambda::function_names(aws).await?,
        ))
    }
}
