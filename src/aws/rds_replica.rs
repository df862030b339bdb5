//! RDS read replicas: a second PostgreSQL instance RDS keeps in step with its source, for reads
//! (the guide's "Scale" phase). Its storage, engine and data follow the source; only its class,
//! groups and protection are its own. Deleted without a final snapshot (RDS takes none of a
//! replica: the data stays in the source).

use anyhow::Result;
use serde_json::Value;

use super::rds::{groups, tags, wait_available};
use super::{Attrs, Call, Live, Props, aws_error, code};

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(db) = super::rds::owned(c, true).await? else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    a.insert(
        "source".into(),
        db.read_replica_source_db_instance_identifier()
            .map_or(Value::Null, Value::from),
    );
    a.insert(
        "instance_class".into(),
        Value::from(db.db_instance_class().unwrap_or_default()),
    );
    a.insert(
        "publicly_accessible".into(),
        Value::from(db.publicly_accessible().unwrap_or_default()),
    );
    a.insert(
        "deletion_protection".into(),
        Value::from(db.deletion_protection().unwrap_or_default()),
    );
    a.insert("security_groups".into(), groups(&db));
    a.insert("subnets".into(), super::rds::subnets(c, &db));
    Ok(Some(Live {
        attrs: a,
        outputs: super::rds::outputs(c, &db),
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    let r = c
        .aws
        .rds
        .create_db_instance_read_replica()
        .db_instance_identifier(&c.name)
        .source_db_instance_identifier(p.s("source")?)
        .db_instance_class(p.s("instance_class")?)
        .publicly_accessible(p.b("publicly_accessible")?)
        .deletion_protection(p.b("deletion_protection")?)
        .copy_tags_to_snapshot(true)
        .set_vpc_security_group_ids(Some(p.list("security_groups")?))
        .set_db_subnet_group_name(super::rds::subnet_group(c, p).await?)
        .set_tags(Some(tags(c)))
        .send()
        .await;
    match r {
        Ok(_) => {}
        // Created by a run that was killed before it could record it: adopt (ownership is checked on read).
        Err(e) if code(&e) == "DBInstanceAlreadyExists" => {}
        Err(e) if code(&e) == "InvalidDBInstanceState" => {
            return Err(aws_error("rds:CreateDBInstanceReadReplica", e).context(
                "RDS makes a replica only of an available instance that keeps automated backups (backup_retention_days above 0)",
            ));
        }
        Err(e) => return Err(aws_error("rds:CreateDBInstanceReadReplica", e)),
    }
    wait_available(c).await
}

/// Deletes the replica. Its deletion protection (a protected stage's) is lifted first: it holds no
/// data of its own, and turning the replica off in that stage must not take unprotecting the
/// database too. RDS takes no final snapshot of a replica.
pub async fn delete(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let mut p = p.clone();
    if p.get("deletion_protection").and_then(Value::as_bool) == Some(true) {
        p.insert("deletion_protection".into(), Value::Bool(false));
        super::rds::update(c, &p, &["deletion_protection".to_string()]).await?;
    }
    p.insert("final_snapshot".into(), Value::Bool(false));
    super::rds::delete(c, &p, live).await
}
