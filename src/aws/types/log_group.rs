//! `logs.log_group`: a CloudWatch Logs group with a retention period.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "logs.log_group",
    driver: &LogGroup,
    doc: "A CloudWatch Logs group with a retention period",
    fields: &[f("retention_days", Ty::Enum(&["1", "3", "5", "7", "14", "30", "60", "90", "180", "365"]), Default("\"14\""), InPlace, "days logs are kept")],
    computed: &[],
    outputs: &["name", "arn"],
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
        crate::aws::logs::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::logs::update(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::logs::delete(c).await
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
