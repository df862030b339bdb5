//! RDS read replicas: a second PostgreSQL instance RDS keeps in step with its source, for reads
//! (the guide's "Scale" phase). Its storage, engine and data follow the source; only its class,
//! groups and protection are its own. Deleted without a final snapshot (RDS takes none of a
//! replica: the data stays in the source).

use anyhow::Result;
use serde_json::Value;

use super::rds::{describe, groups, tags, wait_available, wait_gone};
use super::{Attrs, Call, Live, Props, aws_error, code};

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(db) = describe(c).await? else {
        return Ok(None);
    };
    if db.db_instance_status() == Some("deleting") {
        wait_gone(c).await?;
        return Ok(None);
    }
    if db.read_replica_source_db_instance_identifier().is_none() {
        return Ok(None); // a database of its own is an `rds.postgres`
    }
    c.names.check_owner(
        &format!("RDS read replica {}", c.name),
        db.tag_list()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
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
    let host = db
        .endpoint()
        .and_then(|e| e.address())
        .unwrap_or_default()
        .to_string();
    let port = db.endpoint().and_then(|e| e.port()).unwrap_or(5432);
    let mut o = Attrs::new();
    o.insert("id".into(), Value::from(c.name.clone()));
    o.insert("endpoint".into(), Value::from(host));
    o.insert("port".into(), Value::from(port));
    o.insert(
        "arn".into(),
        Value::from(db.db_instance_arn().unwrap_or_default()),
    );
    Ok(Some(Live {
        attrs: a,
        outputs: o,
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
pub async fn delete(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let mut p = p.clone();
    if p.get("deletion_protection").and_then(Value::as_bool) == Some(true) {
        p.insert("deletion_protection".into(), Value::Bool(false));
        super::rds::update(c, &p, &["deletion_protection".to_string()]).await?;
    }
    p.insert("final_snapshot".into(), Value::Bool(false));
    super::rds::delete(c, &p).await
}
