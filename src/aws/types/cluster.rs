//! `ecs.cluster`: an ECS cluster for Fargate tasks.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ecs.cluster",
    driver: &Cluster,
    doc: "An ECS cluster for Fargate tasks",
    fields: &[f("container_insights", BOOL, Default("false"), InPlace, "CloudWatch Container Insights (billed)")],
    computed: &[],
    outputs: &["arn", "name"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `ecs.cluster`.
#[derive(Debug)]
pub struct Cluster;

#[async_trait]
impl Driver for Cluster {
    fn delete_rank(&self) -> u8 {
        6
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free // its services are billed
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::ecs::read_cluster(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::ecs::create_cluster(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::ecs::update_cluster(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::ecs::delete_cluster(c).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::ecs::take_over_cluster(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let clusters = crate::aws::ecs::clusters(aws, &names.prefix()).await?;
        Ok(ids_by_prefix(
            names,
            clusters.into_iter().map(|(name, _)| name),
        ))
    }
}
