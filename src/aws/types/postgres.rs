//! `rds.postgres`: an RDS PostgreSQL instance; its master password is managed by RDS in Secrets Manager.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "rds.postgres",
    driver: &Postgres,
    doc: "An RDS PostgreSQL instance; its master password is managed by RDS in Secrets Manager",
    fields: &[
        f("engine_version", STR, Default("\"17.6\""), InPlace, "PostgreSQL version"),
        f("instance_class", Ty::OneOf(RDS_CLASSES, "an RDS instance class such as db.t3.micro or db.t4g.small"), Required, InPlace, "instance class"),
        f("storage_gb", Ty::Int { min: 20, max: 65536, }, Default("20"), Grow, "allocated storage; it can grow in place, not shrink"),
        f("storage_type", Ty::Enum(&["gp3", "gp2", "io1", "io2"]), Default("\"gp3\""), InPlace, "storage type"),
        f("db_name", STR, Default("\"app\""), Replace, "database created at launch"),
        f("username", STR, Default("\"app\""), Replace, "master user name (the password is managed by RDS)"),
        f("backup_retention_days", Ty::Int { min: 0, max: 35 }, Default("7"), InPlace, "automated backups kept"),
        f("multi_az", BOOL, Default("false"), InPlace, "standby in a second AZ"),
        f("publicly_accessible", BOOL, Default("false"), InPlace, "reachable from the internet (keep false)"),
        f("security_groups", STRS, Default("[]"), InPlace, "VPC security group ids"),
        f("subnets", STRS, Optional, Replace, "subnets of its own subnet group (a dedicated network's private ones); none: the default VPC's"),
        f("deletion_protection", BOOL, Default("false"), InPlace, "refuse deletion in AWS too"),
        f("final_snapshot", BOOL, Default("true"), Local, "take a final snapshot when destroyed"),
    ],
    computed: &[("password_managed", InPlace)],
    outputs: &["id", "endpoint", "port", "arn", "master_secret_arn", "url"],
    tier: Tier::Data,
    data_bearing: true,
    lookup: false,
    hidden: &[],
};

/// The driver of `rds.postgres`.
#[derive(Debug)]
pub struct Postgres;

#[async_trait]
impl Driver for Postgres {
    fn delete_rank(&self) -> u8 {
        13
    }
    fn pricing(&self) -> Pricing {
        Pricing::Database
    }
    /// The master password is RDS's to make and rotate, in Secrets Manager: an adopted instance's
    /// own password moves there.
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        p.insert("password_managed".into(), Value::Bool(true));
        Ok(())
    }
    fn output_follows(&self, output: &str, attr: &str) -> bool {
        output == "master_secret_arn" && attr == "password_managed"
    }
    /// The read looks at `engine_version` alone, a value, never a reference.
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::rds::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::rds::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, changed: &[String]) -> Result<()> {
        crate::aws::rds::update(c, p, changed).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
        crate::aws::rds::delete(c, p, live).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::rds::take_over(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::rds::identifiers(aws).await?,
        ))
    }
}
