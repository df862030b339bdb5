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
    computed: &[],
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
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
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
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::events::rule_names(aws, &names.prefix()).await?,
        ))
    }
}
