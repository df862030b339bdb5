//! `ecs.autoscaling`: Application Auto Scaling of an ECS service's running count on its CPU.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ecs.autoscaling",
    driver: &Autoscaling,
    doc: "Application Auto Scaling of an ECS service: its running count between bounds, tracking a CPU target",
    fields: &[
        f("cluster", STR, Required, Replace, "the service's cluster name"),
        f("service", STR, Required, Replace, "the service's name (give it `autoscaled: true`)"),
        f("min_count", Ty::Int { min: 0, max: 100 }, Default("1"), InPlace, "fewest tasks running"),
        f("max_count", Ty::Int { min: 1, max: 100 }, Default("4"), InPlace, "most tasks running (bounds the bill)"),
        f("cpu_percent", Ty::Int { min: 10, max: 90 }, Default("60"), InPlace, "average CPU the service is scaled to keep"),
    ],
    computed: &[],
    outputs: &["arn"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `ecs.autoscaling`.
#[derive(Debug)]
pub struct Autoscaling;

#[async_trait]
impl Driver for Autoscaling {
    fn delete_rank(&self) -> u8 {
        1 // before the service it scales
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free // its cost is the tasks it runs (the service's line assumes desired_count)
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        let (min, max) = (
            p.get("min_count").and_then(Value::as_i64).unwrap_or(1),
            p.get("max_count").and_then(Value::as_i64).unwrap_or(4),
        );
        if min > max {
            bail!("min_count {min} is above max_count {max}");
        }
        Ok(())
    }
    fn needs_to_read(&self) -> &'static [&'static str] {
        &["cluster", "service"]
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::autoscaling::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::autoscaling::put(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::autoscaling::put(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, _: &Live) -> Result<()> {
        crate::aws::autoscaling::delete(c, p).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let prefix = names.prefix();
        Ok(crate::aws::autoscaling::policies(aws, &prefix)
            .await?
            .into_iter()
            .filter_map(|(name, attrs)| {
                let id = name.strip_prefix(&prefix)?.replace('-', "_");
                Some((id, attrs))
            })
            .collect())
    }
}
