//! CloudWatch Logs: a log group with its retention period.

use anyhow::Result;
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let out = super::pages!(
        "logs:DescribeLogGroups",
        c.aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(&c.name)
    );
    let Some(g) = out
        .iter()
        .flat_map(|p| p.log_groups())
        .find(|g| g.log_group_name() == Some(c.name.as_str()))
    else {
        return Ok(None);
    };
    let arn = g
        .arn()
        .unwrap_or_default()
        .trim_end_matches(":*")
        .to_string();
    let tags = c
        .aws
        .logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_error("logs:ListTagsForResource", e))?;
    c.names.check_owner(
        &format!("log group {}", c.name),
        tags.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let mut a = Attrs::new();
    if let Some(days) = g.retention_in_days() {
        a.insert("retention_days".into(), Value::from(days.to_string()));
    }
    let mut o = Attrs::new();
    o.insert("name".into(), Value::from(c.name.clone()));
    o.insert("arn".into(), Value::from(arn));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .logs
        .create_log_group()
        .log_group_name(&c.name)
        .set_tags(Some(c.tags().into_iter().collect()))
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "ResourceAlreadyExistsException" => {}
        Err(e) => return Err(aws_error("logs:CreateLogGroup", e)),
    }
    update(c, p).await
}

pub async fn update(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    c.aws
        .logs
        .put_retention_policy()
        .log_group_name(&c.name)
        .retention_in_days(p.s("retention_days")?.parse().unwrap_or(14))
        .send()
        .await
        .map_err(|e| aws_error("logs:PutRetentionPolicy", e))?;
    Ok(())
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .logs
        .delete_log_group()
        .log_group_name(&c.name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(()),
        Err(e) => Err(aws_error("logs:DeleteLogGroup", e)),
    }
}

/// Names of the log groups starting with `prefix`.
pub async fn group_names(aws: &Aws, prefix: &str) -> Result<Vec<String>> {
    let page = super::pages!(
        "logs:DescribeLogGroups",
        aws.logs.describe_log_groups().log_group_name_prefix(prefix)
    );
    Ok(page
        .iter()
        .flat_map(|p| p.log_groups())
        .filter_map(|g| g.log_group_name().map(str::to_string))
        .collect())
}
