//! EventBridge schedules: a rule, its one Lambda target, and the permission for EventBridge to invoke it.

use anyhow::Result;
use aws_sdk_eventbridge::types::{RuleState, Tag, Target};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};

const TARGET_ID: &str = "function";

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let rule = match c.aws.events.describe_rule().name(&c.name).send().await {
        Ok(r) => r,
        Err(e) if code(&e) == "ResourceNotFoundException" => return Ok(None),
        Err(e) => return Err(aws_error("events:DescribeRule", e)),
    };
    let arn = rule.arn().unwrap_or_default().to_string();
    let tags = c
        .aws
        .events
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_error("events:ListTagsForResource", e))?;
    c.names.check_owner(
        &format!("EventBridge rule {}", c.name),
        tags.tags().iter().map(|t| (t.key(), t.value())),
    )?;
    let targets = super::token_pages!(
        "events:ListTargetsByRule",
        c.aws.events.list_targets_by_rule().rule(&c.name)
    );
    let function = targets
        .iter()
        .flat_map(|p| p.targets())
        .find(|t| t.id() == TARGET_ID)
        .map(|t| t.arn().to_string());
    let mut a = Attrs::new();
    a.insert(
        "schedule".into(),
        Value::from(rule.schedule_expression().unwrap_or_default()),
    );
    a.insert(
        "enabled".into(),
        Value::from(rule.state() == Some(&RuleState::Enabled)),
    );
    a.insert("function".into(), Value::from(function.unwrap_or_default()));
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(arn));
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

async fn put_rule(c: &Call<'_>, p: &Attrs, tags: bool) -> Result<String> {
    let state = if p.b("enabled")? {
        RuleState::Enabled
    } else {
        RuleState::Disabled
    };
    let mut r = c
        .aws
        .events
        .put_rule()
        .name(&c.name)
        .schedule_expression(p.s("schedule")?)
        .state(state)
        .description(format!(
            "fintech {}/{}: {}",
            c.names.app, c.names.stage, c.id
        ));
    if tags {
        r = r.set_tags(Some(
            c.tags()
                .into_iter()
                .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
                .collect(),
        ));
    }
    c.aws.mutated();
    let out = r.send().await.map_err(|e| aws_error("events:PutRule", e))?;
    Ok(out.rule_arn().unwrap_or_default().to_string())
}

async fn put_target(c: &Call<'_>, p: &Attrs, rule_arn: &str) -> Result<()> {
    let function = p.s("function")?;
    super::lambda::permit(c.aws, function, &c.name, "events.amazonaws.com", rule_arn).await?;
    // PutTargets answers 200 with the targets it could not add listed: each is checked, and a
    // ConcurrentModificationException ("too many requests at the same time") is retried.
    let what = format!("EventBridge to accept the target of rule {}", c.name);
    super::wait::until(&what, super::wait::PROPAGATION, || async {
        c.aws.mutated();
        let out = c
            .aws
            .events
            .put_targets()
            .rule(&c.name)
            .targets(Target::builder().id(TARGET_ID).arn(function).build()?)
            .send()
            .await
            .map_err(|e| aws_error("events:PutTargets", e))?;
        let failed = out.failed_entries();
        if out.failed_entry_count() == 0 && failed.is_empty() {
            return Ok(true);
        }
        if failed
            .iter()
            .all(|f| f.error_code() == Some("ConcurrentModificationException"))
        {
            return Ok(false);
        }
        let why: Vec<String> = failed
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f.error_code().unwrap_or("?"),
                    f.error_message().unwrap_or_default()
                )
            })
            .collect();
        anyhow::bail!(
            "events:PutTargets: the target of rule {} was not added: {}",
            c.name,
            why.join("; ")
        )
    })
    .await
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let arn = put_rule(c, p, true).await?;
    put_target(c, p, &arn).await
}

pub async fn update(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let live = read(c).await?.unwrap_or_default();
    let arn = live.outputs.s("arn")?.to_string();
    let rule_changed = live.attrs.get("schedule") != p.get("schedule")
        || live.attrs.get("enabled") != p.get("enabled");
    let arn = if rule_changed {
        put_rule(c, p, false).await?
    } else {
        arn
    };
    if live.attrs.get("function") != p.get("function") {
        put_target(c, p, &arn).await?;
    }
    Ok(())
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .events
        .remove_targets()
        .rule(&c.name)
        .ids(TARGET_ID)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "ResourceNotFoundException" => return Ok(()),
        Err(e) => return Err(aws_error("events:RemoveTargets", e)),
    }
    c.aws.mutated();
    match c.aws.events.delete_rule().name(&c.name).send().await {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(()),
        Err(e) => Err(aws_error("events:DeleteRule", e)),
    }
}

/// Names of the rules starting with `prefix`.
pub async fn rule_names(aws: &Aws, prefix: &str) -> Result<Vec<String>> {
    let pages = super::token_pages!(
        "events:ListRules",
        aws.events.list_rules().name_prefix(prefix)
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.rules())
        .filter_map(|r| r.name().map(str::to_string))
        .collect())
}
