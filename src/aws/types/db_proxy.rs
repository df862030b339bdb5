//! `rds.proxy`: an RDS Proxy in front of an `rds.postgres` instance, pooling the connections of many short-lived clients (Lambda's).

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "rds.proxy",
    driver: &DbProxy,
    doc: "An RDS Proxy in front of an `rds.postgres` instance: it pools the connections of many short-lived clients (Lambda's) and keeps them through a failover",
    fields: &[
        f("target", STR, Required, Replace, "the instance it fronts (`${db.id}`)"),
        f("secret", STR, Required, Replace, "the ARN of the secret holding the database's user name and password (`${db.master_secret_arn}`)"),
        f("role", STR, Required, Replace, "the ARN of the role the proxy reads that secret with"),
        f("subnets", STRS, Required, Replace, "its subnets, in two availability zones at least"),
        f("security_groups", STRS, Default("[]"), Replace, "VPC security group ids: its clients reach it through them, and it the database"),
        f("require_tls", BOOL, Default("true"), Replace, "refuse clients that do not use TLS"),
        f("idle_client_timeout_s", Ty::Int { min: 1, max: 28_800 }, Default("1800"), Replace, "seconds an idle client connection is kept"),
        f("max_connections_percent", Ty::Int { min: 1, max: 100 }, Default("100"), InPlace, "the share of the database's max_connections the pool may use"),
    ],
    computed: &[],
    outputs: &["endpoint", "arn", "url"],
    tier: Tier::Data,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `rds.proxy`.
#[derive(Debug)]
pub struct DbProxy;

#[async_trait]
impl Driver for DbProxy {
    fn delete_rank(&self) -> u8 {
        9 // before the role it reads its secret with, and the instance it fronts
    }
    fn pricing(&self) -> Pricing {
        Pricing::Proxy
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::rds_proxy::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::rds_proxy::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::rds_proxy::pool(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::rds_proxy::delete(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::rds_proxy::names(aws).await?,
        ))
    }
}
