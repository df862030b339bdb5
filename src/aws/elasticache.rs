//! ElastiCache Redis as a one-node replication group: a stable primary endpoint, encrypted at rest.

use std::time::Duration;

use anyhow::Result;
use aws_sdk_elasticache::types::{ReplicationGroup, Tag};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, wait};

async fn describe(c: &Call<'_>) -> Result<Option<ReplicationGroup>> {
    match c
        .aws
        .elasticache
        .describe_replication_groups()
        .replication_group_id(&c.name)
        .send()
        .await
    {
        Ok(out) => Ok(out.replication_groups().first().cloned()),
        Err(e) if code(&e) == "ReplicationGroupNotFoundFault" => Ok(None),
        Err(e) => Err(aws_error("elasticache:DescribeReplicationGroups", e)),
    }
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let Some(g) = describe(c).await? else {
        return Ok(None);
    };
    if g.status() == Some("deleting") {
        // A group of this name is going away (a destroy just before): it is absent once gone.
        wait_status(c, None).await?;
        return Ok(None);
    }
    let arn = g.arn().unwrap_or_default().to_string();
    // Its tags and its member cluster (where engine_version and security groups live), at once;
    // the cluster's answer counts only once the group is known to be ours.
    let member = async {
        match g.member_clusters().first() {
            Some(m) => c
                .aws
                .elasticache
                .describe_cache_clusters()
                .cache_cluster_id(m)
                .send()
                .await
                .ok(),
            None => None,
        }
    };
    let (tags, member) = futures::join!(tags(c, &arn), member);
    let tags = tags?;
    c.names.check_owner(
        &format!("ElastiCache replication group {}", c.name),
        tags.iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let mut a = Attrs::new();
    if let Some(t) = g.cache_node_type() {
        a.insert("node_type".into(), Value::from(t));
    }
    let primary = g.node_groups().first().and_then(|n| n.primary_endpoint());
    let host = primary
        .and_then(|e| e.address())
        .unwrap_or_default()
        .to_string();
    let port = primary.and_then(|e| e.port()).unwrap_or(6379);
    a.insert("port".into(), Value::from(port));
    let mut notes = Vec::new();
    if let Some(out) = &member
        && let Some(cc) = out.cache_clusters().first()
    {
        // moto quirk: the engine version is empty unless given; empty means unknown, not drift.
        if let Some(live) = cc.engine_version().filter(|v| !v.is_empty()) {
            let auto = cc.auto_minor_version_upgrade().unwrap_or(true);
            let (v, note) = super::version::reported(p.opt("engine_version"), live, auto);
            a.insert("engine_version".into(), Value::from(v));
            notes.extend(note);
        }
        let sgs: Vec<String> = cc
            .security_groups()
            .iter()
            .filter_map(|s| s.security_group_id().map(str::to_string))
            .collect();
        // moto quirk: member clusters of a replication group come back without their security groups.
        if !sgs.is_empty() {
            a.insert("security_groups".into(), super::sorted(sgs));
        }
        // Its own subnet group (a dedicated network's), or the default VPC's `default`.
        match cc.cache_subnet_group_name() {
            Some(g) if g == c.name => {
                a.insert("subnets".into(), subnet_group_subnets(c).await?);
            }
            Some(_) => {
                a.insert("subnets".into(), Value::Null);
            }
            None => {}
        }
    }
    let mut o = Attrs::new();
    o.insert("endpoint".into(), Value::from(host.clone()));
    o.insert("port".into(), Value::from(port));
    o.insert("arn".into(), Value::from(arn));
    o.insert("url".into(), Value::from(format!("rediss://{host}:{port}")));
    // Its node's cluster: what ElastiCache's metrics (memory, CPU) are reported by.
    if let Some(member) = g.member_clusters().first() {
        o.insert("node_id".into(), Value::from(member.as_str()));
    }
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        notes,
        ..Default::default()
    }))
}

/// The group's tags. AWS refuses to list them while the group is being created or modified
/// (InvalidReplicationGroupState, "not in available state to perform tagging operations"), so a
/// group caught in that state is waited for first.
async fn tags(c: &Call<'_>, arn: &str) -> Result<Vec<Tag>> {
    let list = || {
        c.aws
            .elasticache
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
    };
    match list().await {
        Ok(out) => return Ok(out.tag_list().to_vec()),
        Err(e) if code(&e) == "InvalidReplicationGroupState" => {}
        Err(e) => return Err(aws_error("elasticache:ListTagsForResource", e)),
    }
    wait_status(c, Some("available")).await?;
    list()
        .await
        .map(|out| out.tag_list().to_vec())
        .map_err(|e| aws_error("elasticache:ListTagsForResource", e))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    let r = c
        .aws
        .elasticache
        .create_replication_group()
        .replication_group_id(&c.name)
        .replication_group_description(format!("{} cache", c.name))
        .engine("redis")
        .engine_version(p.s("engine_version")?)
        .cache_node_type(p.s("node_type")?)
        .num_cache_clusters(1)
        .port(p.i("port")? as i32)
        .at_rest_encryption_enabled(true)
        .transit_encryption_enabled(true)
        .set_security_group_ids(Some(p.list("security_groups")?))
        .set_cache_subnet_group_name(subnet_group(c, p).await?)
        .set_tags(Some(
            c.tags()
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await;
    match r {
        Ok(_) => {}
        // The wire code (the SDK's shape is `ReplicationGroupAlreadyExistsFault`): our own group,
        // created by a run that was interrupted; read proves whose it is.
        Err(e) if code(&e) == "ReplicationGroupAlreadyExists" => {}
        Err(e) => return Err(aws_error("elasticache:CreateReplicationGroup", e)),
    }
    wait_status(c, Some("available")).await
}

pub async fn update(c: &Call<'_>, p: &Attrs, changed: &[String]) -> Result<()> {
    let mut m = c
        .aws
        .elasticache
        .modify_replication_group()
        .replication_group_id(&c.name)
        .apply_immediately(true);
    for k in changed {
        m = match k.as_str() {
            "node_type" => m.cache_node_type(p.s(k)?),
            "engine_version" => m.engine_version(p.s(k)?),
            "security_groups" => m.set_security_group_ids(Some(p.list(k)?)),
            _ => m,
        };
    }
    c.aws.mutated();
    m.send()
        .await
        .map_err(|e| aws_error("elasticache:ModifyReplicationGroup", e))?;
    wait_status(c, Some("available")).await
}

/// The subnets of the group's own subnet group.
async fn subnet_group_subnets(c: &Call<'_>) -> Result<Value> {
    let out = c
        .aws
        .elasticache
        .describe_cache_subnet_groups()
        .cache_subnet_group_name(&c.name)
        .send()
        .await
        .map_err(|e| aws_error("elasticache:DescribeCacheSubnetGroups", e))?;
    Ok(super::sorted(
        out.cache_subnet_groups()
            .iter()
            .flat_map(|g| g.subnets())
            .filter_map(|s| s.subnet_identifier().map(str::to_string))
            .collect(),
    ))
}

/// Makes (or sets the subnets of) the group's subnet group, named as the group, when it has
/// `subnets`; its name, or none (ElastiCache then takes the default VPC's).
async fn subnet_group(c: &Call<'_>, p: &Attrs) -> Result<Option<String>> {
    let Ok(subnets) = p.list("subnets") else {
        return Ok(None);
    };
    c.aws.mutated();
    let made = c
        .aws
        .elasticache
        .create_cache_subnet_group()
        .cache_subnet_group_name(&c.name)
        .cache_subnet_group_description(format!("fintech {}/{}", c.names.app, c.names.stage))
        .set_subnet_ids(Some(subnets.clone()))
        .send()
        .await;
    match made {
        Ok(_) => {}
        // Left by a run killed before its group was made: given the subnets wanted now.
        Err(e) if code(&e) == "CacheSubnetGroupAlreadyExists" => {
            c.aws.mutated();
            c.aws
                .elasticache
                .modify_cache_subnet_group()
                .cache_subnet_group_name(&c.name)
                .set_subnet_ids(Some(subnets))
                .send()
                .await
                .map_err(|e| aws_error("elasticache:ModifyCacheSubnetGroup", e))?;
        }
        Err(e) => return Err(aws_error("elasticache:CreateCacheSubnetGroup", e)),
    }
    Ok(Some(c.name.clone()))
}

pub async fn delete(c: &Call<'_>, live: &Live) -> Result<()> {
    delete_group(c).await?;
    // Its own subnet group, as it is in AWS (the stack may now want none).
    if !live.attrs.get("subnets").is_some_and(Value::is_array) {
        return Ok(());
    }
    c.aws.mutated();
    match c
        .aws
        .elasticache
        .delete_cache_subnet_group()
        .cache_subnet_group_name(&c.name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "CacheSubnetGroupNotFoundFault" => Ok(()),
        Err(e) => Err(aws_error("elasticache:DeleteCacheSubnetGroup", e)),
    }
}

async fn delete_group(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .elasticache
        .delete_replication_group()
        .replication_group_id(&c.name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "ReplicationGroupNotFoundFault" => return Ok(()),
        Err(e) if code(&e) == "InvalidReplicationGroupState" => {}
        Err(e) => return Err(aws_error("elasticache:DeleteReplicationGroup", e)),
    }
    wait_status(c, None).await
}

/// Waits for the group to reach `status`, or (None) to be gone: a group still `deleting` keeps its
/// name, so `destroy` then `deploy` would meet it (AWS takes minutes; the Terraform provider waits
/// up to 40).
async fn wait_status(c: &Call<'_>, status: Option<&str>) -> Result<()> {
    let what = format!(
        "ElastiCache {} to be {}",
        c.name,
        status.unwrap_or("deleted")
    );
    wait::until(&what, Duration::from_secs(3600), || async {
        let g = describe(c).await?;
        Ok(match (status, g.as_ref().and_then(|g| g.status())) {
            (Some(want), Some(s)) => s == want,
            (None, _) => g.is_none(),
            (Some(_), None) => false,
        })
    })
    .await
}

/// Every replication group id in the region.
pub async fn group_ids(aws: &Aws) -> Result<Vec<String>> {
    let pages = super::pages!(
        "elasticache:DescribeReplicationGroups",
        aws.elasticache.describe_replication_groups()
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.replication_groups())
        .filter_map(|g| g.replication_group_id().map(str::to_string))
        .collect())
}

/// Whether cache cluster `id` exists on its own (not as a member of a replication group).
pub async fn lone_cluster(aws: &Aws, id: &str) -> Result<bool> {
    match aws
        .elasticache
        .describe_cache_clusters()
        .cache_cluster_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .cache_clusters()
            .iter()
            .any(|c| c.replication_group_id().is_none())),
        Err(e) if code(&e) == "CacheClusterNotFound" => Ok(false),
        Err(e) => Err(aws_error("elasticache:DescribeCacheClusters", e)),
    }
}
