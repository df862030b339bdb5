//! `logs.log_group`: a CloudWatch Logs group with a retention period.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "logs.log_group",
    driver: &LogGroup,
    doc: "A CloudWatch Logs group with a retention period",
    fields: &[
        f("retention_days", Ty::Enum(crate::aws::logs::RETENTION_DAYS), Default("\"14\""), InPlace, "days logs are kept"),
        f("keep_on_destroy", BOOL, Default("false"), Local, "destroy leaves the group (its events expire with their retention) instead of deleting it"),
    ],
    computed: &[],
    outputs: &["name", "arn"],
    tier: Tier::Operations,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `logs.log_group`.
#[derive(Debug)]
pub struct LogGroup;

#[async_trait]
impl Driver for LogGroup {
    fn delete_rank(&self) -> u8 {
        8
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free // ingestion and storage are priced with what writes the logs
    }
    fn physical(&self, names: &Names, id: &str) -> String {
        format!("/ecs/{}", fit(&names.base(id), 63))
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::logs::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        let days = crate::aws::logs::retention(p, "retention_days")?;
        crate::aws::logs::ensure(c, &c.name, days).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        let days = crate::aws::logs::retention(p, "retention_days")?;
        crate::aws::logs::keep_for(c, &c.name, days).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, _: &Live) -> Result<()> {
        let keep = p.get("keep_on_destroy").and_then(Value::as_bool) == Some(true);
        crate::aws::logs::delete_or_keep(c, &c.name, keep).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let groups =
            crate::aws::logs::group_names(aws, &format!("/ecs/{}", names.prefix())).await?;
        let stems = groups
            .into_iter()
            .filter_map(|g| g.strip_prefix("/ecs/").map(str::to_string));
        Ok(ids_by_prefix(names, stems))
    }
}
