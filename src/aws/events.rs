//! EventBridge schedules: a rule, its one Lambda target, and the permission for EventBridge to invoke it.

use std::sync::Arc;

use anyhow::Result;
use aws_sdk_eventbridge::types::{Rule, RuleState, Tag, Target};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Names, Props, aws_error, code};

const TARGET_ID: &str = "function";

/// The rules whose names start with `prefix`, listed once per epoch (see [`Aws::epoch`]) for
/// every rule's read: one ListRules per 100 rules instead of a DescribeRule each (EventBridge
/// allows 50 calls a second for all of them).
async fn rules(aws: &Aws, prefix: &str) -> Result<Arc<Vec<Rule>>> {
    aws.rules
        .get(prefix, aws.epoch(), || async {
            let pages = super::token_pages!(
                "events:ListRules",
                aws.events.list_rules().name_prefix(prefix)
            );
            Ok(pages.iter().flat_map(|p| p.rules().to_vec()).collect())
        })
        .await
}

/// The rule called `c.name`: from the stage's listing when it is there; else asked by name (the
/// listing may predate it: a rule just created shows in a later listing only, and a create's
/// read-back must see it as soon as AWS does).
async fn find(c: &Call<'_>) -> Result<Option<Rule>> {
    let prefix = c.names.prefix();
    if c.name.starts_with(&prefix)
        && let Some(rule) = rules(c.aws, &prefix)
            .await?
            .iter()
            .find(|r| r.name() == Some(&c.name))
    {
        return Ok(Some(rule.clone()));
    }
    match c.aws.events.describe_rule().name(&c.name).send().await {
        Ok(r) => Ok(Some(
            Rule::builder()
                .set_name(r.name)
                .set_arn(r.arn)
                .set_description(r.description)
                .set_schedule_expression(r.schedule_expression)
                .set_state(r.state)
                .build(),
        )),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(None),
        Err(e) => Err(aws_error("events:DescribeRule", e)),
    }
}

/// What fintech writes in the description of resource `id`'s rule.
fn description(names: &Names, id: &str) -> String {
    format!("fintech {}/{}: {id}", names.app, names.stage)
}

/// Refuses a rule the stage does not own. The description fintech writes (with the rule, in the
/// same call as its tags) names the app, stage and resource: a rule that carries it is ours
/// without asking for its tags; any other is judged by its tags.
async fn check_owner(c: &Call<'_>, rule: &Rule) -> Result<()> {
    if rule.description() == Some(description(c.names, c.id).as_str()) {
        return Ok(());
    }
    let tags = c
        .aws
        .events
        .list_tags_for_resource()
        .resource_arn(rule.arn().unwrap_or_default())
        .send()
        .await
        .map_err(|e| aws_error("events:ListTagsForResource", e))?;
    c.names.check_owner(
        &format!("EventBridge rule {}", c.name),
        tags.tags().iter().map(|t| (t.key(), t.value())),
    )
}

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(rule) = find(c).await? else {
        return Ok(None);
    };
    let arn = rule.arn().unwrap_or_default().to_string();
    check_owner(c, &rule).await?;
    let targets = super::token_pages!(
        "events:ListTargetsByRule",
        c.aws.events.list_targets_by_rule().rule(&c.name)
    );
    let function = targets
        .iter()
        .flat_map(|p| p.targets())
        .find(|t| t.id() == TARGET_ID)
        .map(|t| t.arn().to_string());
    // Targets fintech did not put there (a rule made by hand, then adopted): the stack declares
    // one function, so they are a change, and the update removes them.
    let others: Vec<String> = targets
        .iter()
        .flat_map(|p| p.targets())
        .filter(|t| t.id() != TARGET_ID)
        .map(|t| format!("{} ({})", t.arn(), t.id()))
        .collect();
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
    a.insert("other_targets".into(), super::sorted(others));
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(arn));
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// The ownership tags, as EventBridge takes them.
fn tags(c: &Call<'_>) -> Vec<Tag> {
    c.tags()
        .into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

async fn put_rule(c: &Call<'_>, p: &Attrs, with_tags: bool) -> Result<String> {
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
        .description(description(c.names, c.id));
    if with_tags {
        r = r.set_tags(Some(tags(c)));
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
    // Listed again for their ids only where the read saw some.
    let foreign = live
        .attrs
        .get("other_targets")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty());
    if foreign {
        remove_targets(c, foreign_targets(c).await?).await?;
    }
    Ok(())
}

/// The ids of the rule's targets other than fintech's own.
async fn foreign_targets(c: &Call<'_>) -> Result<Vec<String>> {
    let pages = super::token_pages!(
        "events:ListTargetsByRule",
        c.aws.events.list_targets_by_rule().rule(&c.name)
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.targets())
        .map(|t| t.id().to_string())
        .filter(|id| id != TARGET_ID)
        .collect())
}

/// Removes targets `ids` from the rule; a rule already gone has none.
async fn remove_targets(c: &Call<'_>, ids: Vec<String>) -> Result<bool> {
    c.aws.mutated();
    match c
        .aws
        .events
        .remove_targets()
        .rule(&c.name)
        .set_ids(Some(ids))
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(false),
        Err(e) => Err(aws_error("events:RemoveTargets", e)),
    }
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    // AWS refuses to delete a rule that still has targets: every one goes first.
    let mut ids = vec![TARGET_ID.to_string()];
    ids.extend(foreign_targets(c).await.unwrap_or_default());
    if !remove_targets(c, ids).await? {
        return Ok(());
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
    Ok(rules(aws, prefix)
        .await?
        .iter()
        .filter_map(|r| r.name().map(str::to_string))
        .collect())
}

/// Tags rule `c.name`, made without fintech, as the stage's (`fintech adopt`).
pub async fn take_over(c: &Call<'_>) -> Result<()> {
    let rule = find(c)
        .await?
        .ok_or_else(|| anyhow::anyhow!("EventBridge rule {} is gone", c.name))?;
    c.aws.mutated();
    c.aws
        .events
        .tag_resource()
        .resource_arn(rule.arn().unwrap_or_default())
        .set_tags(Some(tags(c)))
        .send()
        .await
        .map_err(|e| aws_error("events:TagResource", e))?;
    Ok(())
}

/// The functions rule `name`'s targets invoke (by name), for `fintech adopt` to find the function a
/// hand-made schedule runs.
pub async fn target_functions(aws: &Aws, name: &str) -> Result<Vec<String>> {
    let pages = super::token_pages!(
        "events:ListTargetsByRule",
        aws.events.list_targets_by_rule().rule(name)
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.targets())
        .filter_map(|t| super::lambda::function_name(t.arn()))
        .collect())
}
