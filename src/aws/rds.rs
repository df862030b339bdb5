//! RDS PostgreSQL: the instance, its RDS-managed master password, waits, and a final snapshot on delete.

use std::time::Duration;

use anyhow::{Result, bail};
use aws_sdk_rds::types::{DbInstance, Tag};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, sorted, wait};

/// The ownership tags, as RDS takes them.
pub(super) fn tags(c: &Call<'_>) -> Vec<Tag> {
    c.tags()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// What any instance outputs: its id, endpoint, port and ARN.
pub(super) fn outputs(c: &Call<'_>, db: &DbInstance) -> Attrs {
    let endpoint = db.endpoint();
    let mut o = Attrs::new();
    o.insert("id".into(), Value::from(c.name.clone()));
    o.insert(
        "endpoint".into(),
        Value::from(endpoint.and_then(|e| e.address()).unwrap_or_default()),
    );
    o.insert(
        "port".into(),
        Value::from(endpoint.and_then(|e| e.port()).unwrap_or(5432)),
    );
    o.insert(
        "arn".into(),
        Value::from(db.db_instance_arn().unwrap_or_default()),
    );
    o
}

/// The instance's security groups, sorted.
pub(super) fn groups(db: &DbInstance) -> Value {
    sorted(
        db.vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
    )
}

async fn describe(c: &Call<'_>) -> Result<Option<DbInstance>> {
    match c
        .aws
        .rds
        .describe_db_instances()
        .db_instance_identifier(&c.name)
        .send()
        .await
    {
        Ok(out) => Ok(out.db_instances().first().cloned()),
        Err(e) if code(&e) == "DBInstanceNotFound" => Ok(None),
        Err(e) => Err(aws_error("rds:DescribeDBInstances", e)),
    }
}

/// The stage's instance `c.name` if it is a read replica (`replica`) or a database of its own
/// (not): each is the other type's business. One being deleted is waited for and absent.
pub(super) async fn owned(c: &Call<'_>, replica: bool) -> Result<Option<DbInstance>> {
    let Some(db) = describe(c).await? else {
        return Ok(None);
    };
    if db.db_instance_status() == Some("deleting") {
        wait_gone(c).await?;
        return Ok(None);
    }
    if db.read_replica_source_db_instance_identifier().is_some() != replica {
        return Ok(None);
    }
    let what = if replica {
        "RDS read replica"
    } else {
        "RDS instance"
    };
    c.names.check_owner(
        &format!("{what} {}", c.name),
        db.tag_list()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    Ok(Some(db))
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let Some(db) = owned(c, false).await? else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            a.insert(k.to_string(), v);
        }
    };
    let mut notes = Vec::new();
    if let Some(live) = db.engine_version() {
        // AWS upgrades minor versions itself unless told not to (the default is on).
        let auto = db.auto_minor_version_upgrade().unwrap_or(true);
        let (v, note) = super::version::reported(p.opt("engine_version"), live, auto);
        put("engine_version", Some(Value::from(v)));
        notes.extend(note);
    }
    put("instance_class", db.db_instance_class().map(Value::from));
    put("storage_gb", db.allocated_storage().map(Value::from));
    put("storage_type", db.storage_type().map(Value::from));
    put("db_name", db.db_name().map(Value::from));
    put("username", db.master_username().map(Value::from));
    put(
        "backup_retention_days",
        db.backup_retention_period().map(Value::from),
    );
    put("multi_az", db.multi_az().map(Value::from));
    put(
        "publicly_accessible",
        db.publicly_accessible().map(Value::from),
    );
    put(
        "deletion_protection",
        db.deletion_protection().map(Value::from),
    );
    put("security_groups", Some(groups(&db)));
    put("subnets", Some(subnets(c, &db)));
    put(
        "password_managed",
        Some(Value::from(db.master_user_secret().is_some())),
    );
    if db.storage_encrypted() == Some(false) {
        // Only an instance made without fintech (fintech encrypts what it makes).
        notes.push(format!(
            "{}'s storage is not encrypted: RDS cannot encrypt an instance in place (it takes a snapshot copied with encryption, restored as a new instance), so fintech leaves it as it is",
            c.name
        ));
    }
    let mut o = outputs(c, &db);
    let (host, port) = (o.s("endpoint")?.to_string(), o.i("port")?);
    o.insert(
        "master_secret_arn".into(),
        Value::from(
            db.master_user_secret()
                .and_then(|s| s.secret_arn())
                .unwrap_or_default(),
        ),
    );
    o.insert(
        "url".into(),
        Value::from(format!(
            // TLS with the server's certificate and host name checked (the app supplies the
            // RDS CA bundle: RDS's CAs are not in public trust stores).
            "postgresql://{}@{host}:{port}/{}?sslmode=verify-full",
            db.master_username().unwrap_or_default(),
            db.db_name().unwrap_or_default()
        )),
    );
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        notes,
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    let r = c
        .aws
        .rds
        .create_db_instance()
        .db_instance_identifier(&c.name)
        .engine("postgres")
        .engine_version(p.s("engine_version")?)
        .db_instance_class(p.s("instance_class")?)
        .allocated_storage(p.i("storage_gb")? as i32)
        .storage_type(p.s("storage_type")?)
        .storage_encrypted(true)
        .db_name(p.s("db_name")?)
        .master_username(p.s("username")?)
        .manage_master_user_password(true)
        .backup_retention_period(p.i("backup_retention_days")? as i32)
        .multi_az(p.b("multi_az")?)
        .publicly_accessible(p.b("publicly_accessible")?)
        .deletion_protection(p.b("deletion_protection")?)
        .copy_tags_to_snapshot(true)
        .set_vpc_security_group_ids(Some(p.list("security_groups")?))
        .set_db_subnet_group_name(subnet_group(c, p).await?)
        .set_tags(Some(tags(c)))
        .send()
        .await;
    match r {
        Ok(_) => {}
        // Created by a run that was killed before it could record it: adopt (ownership is checked on read).
        Err(e) if code(&e) == "DBInstanceAlreadyExists" => {}
        Err(e) => return Err(aws_error("rds:CreateDBInstance", e)),
    }
    wait_available(c).await
}

/// Applies `changed`. A major version upgrade goes in a call of its own, after the rest (AWS
/// documents no combination with other changes but the instance class's, and an upgrade it
/// refuses, as to a version that is no valid target of the live one, would take the rest down
/// with it): an adopted instance's password and security groups change even then.
pub async fn update(c: &Call<'_>, p: &Attrs, changed: &[String]) -> Result<()> {
    let (upgrade, rest): (Vec<String>, Vec<String>) =
        changed.iter().cloned().partition(|k| k == "engine_version");
    if upgrade.is_empty() || rest.is_empty() {
        return modify(c, p, changed).await;
    }
    modify(c, p, &rest).await?;
    modify(c, p, &upgrade).await
}

/// One ModifyDBInstance of the attributes `changed`, applied at once, waited for.
async fn modify(c: &Call<'_>, p: &Attrs, changed: &[String]) -> Result<()> {
    let mut m = c
        .aws
        .rds
        .modify_db_instance()
        .db_instance_identifier(&c.name)
        .apply_immediately(true);
    for k in changed {
        m = match k.as_str() {
            "engine_version" => m.engine_version(p.s(k)?).allow_major_version_upgrade(true),
            "instance_class" => m.db_instance_class(p.s(k)?),
            "storage_gb" => m.allocated_storage(p.i(k)? as i32),
            "storage_type" => m.storage_type(p.s(k)?),
            "backup_retention_days" => m.backup_retention_period(p.i(k)? as i32),
            "multi_az" => m.multi_az(p.b(k)?),
            "publicly_accessible" => m.publicly_accessible(p.b(k)?),
            "deletion_protection" => m.deletion_protection(p.b(k)?),
            "security_groups" => m.set_vpc_security_group_ids(Some(p.list(k)?)),
            // The password set by hand moves into a secret RDS makes (and rotates).
            "password_managed" if p.b(k)? => m.manage_master_user_password(true),
            _ => m,
        };
    }
    c.aws.mutated();
    m.send()
        .await
        .map_err(|e| aws_error("rds:ModifyDBInstance", e))?;
    wait_modified(c).await
}

/// After a Modify, RDS goes on answering `available` for a while, the change listed under
/// PendingModifiedValues, then `modifying`: the change is applied once the instance is available
/// with nothing pending (the first `available` proves nothing).
pub(super) async fn wait_modified(c: &Call<'_>) -> Result<()> {
    wait::until(
        &format!("RDS instance {} to apply the change", c.name),
        Duration::from_secs(3600),
        || async {
            Ok(describe(c).await?.is_some_and(|d| {
                d.db_instance_status() == Some("available")
                    && d.pending_modified_values().is_none_or(|p| {
                        p.db_instance_class().is_none()
                            && p.allocated_storage().is_none()
                            && p.backup_retention_period().is_none()
                            && p.engine_version().is_none()
                            && p.multi_az().is_none()
                            && p.storage_type().is_none()
                    })
            }))
        },
    )
    .await
}

pub async fn delete(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    if p.b("deletion_protection")? {
        bail!(
            "RDS instance {} has deletion protection (the stage is protected); turn `protect` off and deploy first",
            c.name
        );
    }
    let final_snapshot = p
        .get("final_snapshot")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    // With a final snapshot the data is kept there; without one, the automated backups are kept instead.
    let mut d = c
        .aws
        .rds
        .delete_db_instance()
        .db_instance_identifier(&c.name)
        .delete_automated_backups(final_snapshot);
    if final_snapshot {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        d = d
            .final_db_snapshot_identifier(format!("{}-final-{stamp}", c.name))
            .skip_final_snapshot(false);
    } else {
        d = d.skip_final_snapshot(true);
    }
    c.aws.mutated();
    match d.send().await {
        Ok(_) => {}
        Err(e) if code(&e) == "DBInstanceNotFound" => {}
        Err(e) => return Err(aws_error("rds:DeleteDBInstance", e)),
    }
    wait_gone(c).await?;
    // Its own subnet group (as it is in AWS: the stack may now want none, as when it is replaced
    // by one in the default VPC) goes with it.
    if live.attrs.get("subnets").is_some_and(Value::is_array) {
        delete_subnet_group(c).await?;
    }
    Ok(())
}

/// The instance's subnets when it is in its own subnet group (a dedicated network's private
/// subnets); none when it is in the default VPC's `default` group.
pub(super) fn subnets(c: &Call<'_>, db: &aws_sdk_rds::types::DbInstance) -> Value {
    match db.db_subnet_group() {
        Some(g) if g.db_subnet_group_name() == Some(c.name.as_str()) => super::sorted(
            g.subnets()
                .iter()
                .filter_map(|s| s.subnet_identifier().map(str::to_string))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// Makes (or sets the subnets of) the instance's subnet group, named as the instance, when it has
/// `subnets`; its name, or none (RDS then takes the default VPC's `default` group).
pub(super) async fn subnet_group(c: &Call<'_>, p: &Attrs) -> Result<Option<String>> {
    let Ok(subnets) = p.list("subnets") else {
        return Ok(None);
    };
    c.aws.mutated();
    let made = c
        .aws
        .rds
        .create_db_subnet_group()
        .db_subnet_group_name(&c.name)
        .db_subnet_group_description(format!("fintech {}/{}", c.names.app, c.names.stage))
        .set_subnet_ids(Some(subnets.clone()))
        .set_tags(Some(tags(c)))
        .send()
        .await;
    match made {
        Ok(_) => {}
        // Left by a run killed before its instance was made: given the subnets wanted now.
        Err(e) if code(&e) == "DBSubnetGroupAlreadyExists" => {
            c.aws.mutated();
            c.aws
                .rds
                .modify_db_subnet_group()
                .db_subnet_group_name(&c.name)
                .set_subnet_ids(Some(subnets))
                .send()
                .await
                .map_err(|e| aws_error("rds:ModifyDBSubnetGroup", e))?;
        }
        Err(e) => return Err(aws_error("rds:CreateDBSubnetGroup", e)),
    }
    Ok(Some(c.name.clone()))
}

/// Deletes the instance's subnet group, if it has one (once the instance is gone).
pub(super) async fn delete_subnet_group(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .rds
        .delete_db_subnet_group()
        .db_subnet_group_name(&c.name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "DBSubnetGroupNotFoundFault" => Ok(()),
        Err(e) => Err(aws_error("rds:DeleteDBSubnetGroup", e)),
    }
}

pub(super) async fn wait_available(c: &Call<'_>) -> Result<()> {
    wait::until(
        &format!("RDS instance {} to be available", c.name),
        Duration::from_secs(3600),
        || async {
            Ok(describe(c)
                .await?
                .and_then(|d| d.db_instance_status().map(str::to_string))
                .as_deref()
                == Some("available"))
        },
    )
    .await
}

async fn wait_gone(c: &Call<'_>) -> Result<()> {
    wait::until(
        &format!("RDS instance {} to be deleted", c.name),
        Duration::from_secs(3600),
        || async { Ok(describe(c).await?.is_none()) },
    )
    .await
}

/// Every DB instance identifier in the region.
pub async fn identifiers(aws: &Aws) -> Result<Vec<String>> {
    let pages = super::pages!("rds:DescribeDBInstances", aws.rds.describe_db_instances());
    Ok(pages
        .iter()
        .flat_map(|p| p.db_instances())
        .filter_map(|d| d.db_instance_identifier().map(str::to_string))
        .collect())
}

/// Tags instance `c.name`, made without fintech, as the stage's (`fintech adopt`).
pub async fn take_over(c: &Call<'_>) -> Result<()> {
    let db = describe(c)
        .await?
        .ok_or_else(|| anyhow::anyhow!("RDS instance {} is gone", c.name))?;
    c.aws.mutated();
    c.aws
        .rds
        .add_tags_to_resource()
        .resource_name(db.db_instance_arn().unwrap_or_default())
        .set_tags(Some(tags(c)))
        .send()
        .await
        .map_err(|e| aws_error("rds:AddTagsToResource", e))?;
    Ok(())
}

/// The PostgreSQL instances of the region (not read replicas) that no fintech stage has tagged:
/// what `fintech adopt` may take for a stack's database when none has the guide's name.
pub async fn untagged_postgres(aws: &Aws) -> Result<Vec<String>> {
    let pages = super::pages!("rds:DescribeDBInstances", aws.rds.describe_db_instances());
    Ok(pages
        .iter()
        .flat_map(|p| p.db_instances())
        .filter(|d| d.engine() == Some("postgres"))
        .filter(|d| d.read_replica_source_db_instance_identifier().is_none())
        .filter(|d| !d.tag_list().iter().any(|t| t.key() == Some("fintech:app")))
        .filter_map(|d| d.db_instance_identifier().map(str::to_string))
        .collect())
}
