//! `rds.read_replica`: a read replica of an `rds.postgres` instance, for the reads of a busy app.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "rds.read_replica",
    driver: &ReadReplica,
    doc: "A read replica of an `rds.postgres` instance (same engine, storage and data, kept in step by RDS), for reads",
    fields: &[
        f("source", STR, Required, Replace, "the source instance's id (`${db.id}`); it must keep automated backups"),
        f("instance_class", Ty::OneOf(RDS_CLASSES, "an RDS instance class such as db.t3.micro or db.t4g.small"), Required, InPlace, "instance class"),
        f("publicly_accessible", BOOL, Default("false"), InPlace, "reachable from the internet (keep false)"),
        f("security_groups", STRS, Default("[]"), InPlace, "VPC security group ids"),
        f("subnets", STRS, Optional, Replace, "subnets of its own subnet group (the source's network's); none: the default VPC's"),
        f("deletion_protection", BOOL, Default("false"), InPlace, "refuse deletion in AWS too"),
    ],
    computed: &[],
    outputs: &["id", "endpoint", "port", "arn"],
    tier: Tier::Data,
    data_bearing: false, // a copy: the data is the source's
    lookup: false,
    hidden: &[],
};

/// The driver of `rds.read_replica`.
#[derive(Debug)]
pub struct ReadReplica;

#[async_trait]
impl Driver for ReadReplica {
    fn delete_rank(&self) -> u8 {
        12 // before its source
    }
    fn pricing(&self) -> Pricing {
        Pricing::Replica
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::rds_replica::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::rds_replica::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, changed: &[String]) -> Result<()> {
        crate::aws::rds::update(c, p, changed).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
        crate::aws::rds_replica::delete(c, p, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::rds::identifiers(aws).await?,
        ))
    }
}
