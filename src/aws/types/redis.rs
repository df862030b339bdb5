//! `elasticache.redis`: an ElastiCache Redis cluster (one node, cluster mode off).

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "elasticache.redis",
    driver: &Redis,
    doc: "An ElastiCache Redis cluster (one node, cluster mode off)",
    fields: &[
        f("node_type", Ty::OneOf(CACHE_NODE_TYPES, "an ElastiCache node type such as cache.t3.micro"), Required, InPlace, "node type"),
        f("engine_version", STR, Default("\"7.1\""), InPlace, "Redis version"),
        f("port", Ty::Int { min: 1024, max: 65535, }, Default("6379"), Replace, "port"),
        f("security_groups", STRS, Default("[]"), InPlace, "VPC security group ids"),
        f("subnets", STRS, Optional, Replace, "subnets of its own subnet group (a dedicated network's private ones); none: the default VPC's"),
    ],
    computed: &[],
    outputs: &["endpoint", "port", "arn", "url", "node_id"],
    tier: Tier::Data,
    data_bearing: true,
    lookup: false,
    hidden: &[],
};

/// The driver of `elasticache.redis`.
#[derive(Debug)]
pub struct Redis;

#[async_trait]
impl Driver for Redis {
    fn delete_rank(&self) -> u8 {
        12
    }
    fn pricing(&self) -> Pricing {
        Pricing::Cache
    }
    fn physical(&self, names: &Names, id: &str) -> String {
        fit(&names.base(id), 40) // replication group ids are at most 40 characters
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    /// The read looks at `engine_version` alone, a value, never a reference.
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::elasticache::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::elasticache::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, changed: &[String]) -> Result<()> {
        crate::aws::elasticache::update(c, p, changed).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::elasticache::delete(c, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::elasticache::group_ids(aws).await?,
        ))
    }
}
