//! `events.schedule`: an EventBridge schedule invoking a Lambda function.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "events.schedule",
    driver: &Schedule,
    doc: "An EventBridge schedule invoking a Lambda function",
    fields: &[
        f("schedule", Ty::Cron, Required, InPlace, "cron(...) or rate(...) expression, UTC"),
        f("function", STR, Required, InPlace, "function ARN"),
        f("enabled", BOOL, Default("true"), InPlace, "whether the rule fires"),
    ],
    computed: &[("other_targets", InPlace)],
    outputs: &["arn", "name"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `events.schedule`.
#[derive(Debug)]
pub struct Schedule;

#[async_trait]
impl Driver for Schedule {
    fn delete_rank(&self) -> u8 {
        0
    }
    fn pricing(&self) -> Pricing {
        Pricing::Schedule
    }
    /// The rule invokes the declared function and nothing else.
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        p.insert("other_targets".into(), Value::Array(Vec::new()));
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::events::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::events::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::events::update(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::events::delete(c).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::events::take_over(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::events::rule_names(aws, &names.prefix()).await?,
        ))
    }
}
