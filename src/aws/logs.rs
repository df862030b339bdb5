//! CloudWatch Logs: a log group with its retention period, by name (a stack's own group, or the
//! `/aws/lambda/...` group a function writes to).

use anyhow::Result;
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};

/// The tag a group kept by a destroy carries instead of the owner's tags: `app/stage`. It is no
/// longer the stage's (a second destroy does not see it), and the stage's next deploy takes it back.
const KEPT: &str = "fintech:kept";

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[&str] = &[
    "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731",
    "1096", "1827", "2192", "2557", "2922", "3288", "3653",
];

/// A log group as CloudWatch Logs describes it.
pub struct Group {
    /// Its ARN, without the `:*` DescribeLogGroups appends.
    pub arn: String,
    /// `None`: never expire.
    pub retention_days: Option<i32>,
}

/// The group named `name`, if it exists.
pub async fn describe(aws: &Aws, name: &str) -> Result<Option<Group>> {
    let out = super::pages!(
        "logs:DescribeLogGroups",
        aws.logs.describe_log_groups().log_group_name_prefix(name)
    );
    Ok(out
        .iter()
        .flat_map(|p| p.log_groups())
        .find(|g| g.log_group_name() == Some(name))
        .map(|g| Group {
            arn: g
                .arn()
                .unwrap_or_default()
                .trim_end_matches(":*")
                .to_string(),
            retention_days: g.retention_in_days(),
        }))
}

/// The stack's own group `c.name`, checked to be the stage's.
pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(g) = describe(c.aws, &c.name).await? else {
        return Ok(None);
    };
    let tags = c
        .aws
        .logs
        .list_tags_for_resource()
        .resource_arn(&g.arn)
        .send()
        .await
        .map_err(|e| aws_error("logs:ListTagsForResource", e))?;
    let tags = tags.tags().cloned().unwrap_or_default();
    if tags.get(KEPT) == Some(&kept_by(c)) && !tags.contains_key("fintech:stage") {
        return Ok(None); // kept by this stage's destroy: created again (taken back) by its deploy
    }
    c.names.check_owner(
        &format!("log group {}", c.name),
        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let mut a = Attrs::new();
    if let Some(days) = g.retention_days {
        a.insert("retention_days".into(), Value::from(days.to_string()));
    }
    let mut o = Attrs::new();
    o.insert("name".into(), Value::from(c.name.clone()));
    o.insert("arn".into(), Value::from(g.arn));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

fn kept_by(c: &Call<'_>) -> String {
    format!("{}/{}", c.names.app, c.names.stage)
}

/// The retention in `p[key]`, in days.
pub fn retention(p: &Attrs, key: &str) -> Result<i32> {
    let days = p.s(key)?;
    days.parse()
        .map_err(|_| anyhow::anyhow!("{key} `{days}` is not a number of days"))
}

/// Makes the group `name` exist, tagged as `c`'s, keeping its events for `days`: created when
/// missing; one that exists already (a function's group Lambda made itself, or one kept by an earlier
/// destroy) is tagged and given the retention.
pub async fn ensure(c: &Call<'_>, name: &str, days: i32) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .logs
        .create_log_group()
        .log_group_name(name)
        .set_tags(Some(c.tags().into_iter().collect()))
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "ResourceAlreadyExistsException" => {
            if let Some(g) = describe(c.aws, name).await? {
                adoptable(c, name, &g.arn).await?;
                retag(c, &g.arn, c.tags(), vec![KEPT.to_string()]).await?;
            }
        }
        Err(e) => return Err(aws_error("logs:CreateLogGroup", e)),
    }
    keep_for(c, name, days).await
}

/// Refuses (a [`super::NotOwned`] error) to take over the existing group `name` unless no fintech
/// stage has it (Lambda made it for the function), or it is the stage's, or kept by its destroy.
async fn adoptable(c: &Call<'_>, name: &str, arn: &str) -> Result<()> {
    let tags = c
        .aws
        .logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("logs:ListTagsForResource", e))?;
    let tags = tags.tags().cloned().unwrap_or_default();
    if tags.get(KEPT) == Some(&kept_by(c)) || !tags.keys().any(|k| k.starts_with("fintech:")) {
        return Ok(());
    }
    c.names.check_owner(
        &format!("log group {name}"),
        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// Sets how long the group `name` keeps its events.
pub async fn keep_for(c: &Call<'_>, name: &str, days: i32) -> Result<()> {
    c.aws.mutated();
    c.aws
        .logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(days)
        .send()
        .await
        .map_err(|e| aws_error("logs:PutRetentionPolicy", e))?;
    Ok(())
}

/// Deletes the group `name`, or with `keep`, leaves it and its events (for their retention) but
/// no longer the stage's: its owner tags give way to [`KEPT`]. Already gone is fine.
pub async fn delete_or_keep(c: &Call<'_>, name: &str, keep: bool) -> Result<()> {
    if !keep {
        return delete(c, name).await;
    }
    let Some(g) = describe(c.aws, name).await? else {
        return Ok(());
    };
    let owner = c.tags().into_iter().map(|(k, _)| k).collect();
    retag(c, &g.arn, vec![(KEPT.to_string(), kept_by(c))], owner).await
}

/// Puts the tags `add` on the group `arn`, then takes the keys `remove` off it.
async fn retag(
    c: &Call<'_>,
    arn: &str,
    add: Vec<(String, String)>,
    remove: Vec<String>,
) -> Result<()> {
    c.aws.mutated();
    c.aws
        .logs
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(add.into_iter().collect()))
        .send()
        .await
        .map_err(|e| aws_error("logs:TagResource", e))?;
    c.aws.mutated();
    c.aws
        .logs
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(remove))
        .send()
        .await
        .map_err(|e| aws_error("logs:UntagResource", e))?;
    Ok(())
}

/// Deletes the group `name`; already gone is fine.
async fn delete(c: &Call<'_>, name: &str) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .logs
        .delete_log_group()
        .log_group_name(name)
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
