//! WAFv2 web ACLs for CloudFront: AWS's managed rule groups and a rate limit per client address.
//! CloudFront's ACLs live in us-east-1 whatever the stack's region (scope CLOUDFRONT). WAF guards
//! every change with a lock token: a change made with a stale one (someone changed the ACL since it
//! was read) is refused with WAFOptimisticLockException, and is read again and retried.

use anyhow::{Context, Result};
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, DefaultAction, ManagedRuleGroupStatement, NoneAction, OverrideAction,
    RateBasedStatement, RateBasedStatementAggregateKeyType, Rule, RuleAction, Scope, Statement,
    Tag, VisibilityConfig, WebAcl,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, wait};

/// The name of the rate-limiting rule (the managed groups' rules are named after the groups).
const RATE_RULE: &str = "rate-limit";

/// The account's ACLs in CloudFront's scope: (name, id), every page.
async fn listed(aws: &Aws) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = aws
            .wafv2
            .list_web_acls()
            .scope(Scope::Cloudfront)
            .limit(100)
            .set_next_marker(marker)
            .send()
            .await
            .map_err(|e| aws_error("wafv2:ListWebACLs", e))?;
        out.extend(
            page.web_acls()
                .iter()
                .filter_map(|a| Some((a.name()?.to_string(), a.id()?.to_string()))),
        );
        // WAF answers a marker on the last page too: an empty page ends the listing.
        marker = page.next_marker().map(str::to_string);
        if marker.is_none() || page.web_acls().is_empty() {
            return Ok(out);
        }
    }
}

/// The id of the ACL named `name`: WAF reads an ACL by name and id together.
async fn find_id(aws: &Aws, name: &str) -> Result<Option<String>> {
    Ok(listed(aws)
        .await?
        .into_iter()
        .find_map(|(n, id)| (n == name).then_some(id)))
}

/// The ACL with its lock token, if it exists.
async fn get(c: &Call<'_>) -> Result<Option<(WebAcl, String)>> {
    let Some(id) = find_id(c.aws, &c.name).await? else {
        return Ok(None);
    };
    match c
        .aws
        .wafv2
        .get_web_acl()
        .name(&c.name)
        .scope(Scope::Cloudfront)
        .id(&id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .web_acl()
            .cloned()
            .map(|acl| (acl, out.lock_token().unwrap_or_default().to_string()))),
        Err(e) if code(&e) == "WAFNonexistentItemException" => Ok(None),
        Err(e) => Err(aws_error("wafv2:GetWebACL", e)),
    }
}

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some((acl, _)) = get(c).await? else {
        return Ok(None);
    };
    let arn = acl.arn().to_string();
    let tags = c
        .aws
        .wafv2
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_error("wafv2:ListTagsForResource", e))?;
    c.names.check_owner(
        &format!("WAF web ACL {}", c.name),
        tags.tag_info_for_resource()
            .map(|t| t.tag_list())
            .unwrap_or_default()
            .iter()
            .map(|t| (t.key(), t.value())),
    )?;
    let mut rules: Vec<&Rule> = acl.rules().iter().collect();
    rules.sort_by_key(|r| r.priority());
    let managed: Vec<String> = rules
        .iter()
        .filter_map(|r| r.statement()?.managed_rule_group_statement())
        .map(|m| m.name().to_string())
        .collect();
    let limit = rules
        .iter()
        .find_map(|r| r.statement()?.rate_based_statement())
        .map_or(Value::Null, |r| Value::from(r.limit()));
    let mut a = Attrs::new();
    a.insert("managed_rules".into(), super::sorted(managed));
    a.insert("rate_limit".into(), limit);
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(arn));
    o.insert("id".into(), Value::from(acl.id()));
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

fn visibility(metric: &str) -> Result<VisibilityConfig> {
    // CloudWatch metric names allow letters, digits, `-` and `_` only.
    let metric: String = metric
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(metric)
        .build()?)
}

/// The ACL's rules as `p` declares them: each managed group (by name: the order a list of groups
/// is compared in; each group keeps its own actions), then the rate limit (block).
fn rules(c: &Call<'_>, p: &Attrs) -> Result<Vec<Rule>> {
    let mut out = Vec::new();
    for (i, group) in p.list("managed_rules")?.iter().enumerate() {
        let statement = Statement::builder()
            .managed_rule_group_statement(
                ManagedRuleGroupStatement::builder()
                    .vendor_name("AWS")
                    .name(group)
                    .build()?,
            )
            .build();
        out.push(
            Rule::builder()
                .name(group)
                .priority(i as i32)
                .statement(statement)
                .override_action(
                    OverrideAction::builder()
                        .none(NoneAction::builder().build())
                        .build(),
                )
                .visibility_config(visibility(&format!("{}-{group}", c.name))?)
                .build()?,
        );
    }
    let limit = p.i("rate_limit")?;
    let statement = Statement::builder()
        .rate_based_statement(
            RateBasedStatement::builder()
                .limit(limit)
                .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
                .evaluation_window_sec(300)
                .build()?,
        )
        .build();
    out.push(
        Rule::builder()
            .name(RATE_RULE)
            .priority(out.len() as i32)
            .statement(statement)
            .action(
                RuleAction::builder()
                    .block(BlockAction::builder().build())
                    .build(),
            )
            .visibility_config(visibility(&format!("{}-{RATE_RULE}", c.name))?)
            .build()?,
    );
    Ok(out)
}

fn allow() -> DefaultAction {
    DefaultAction::builder()
        .allow(AllowAction::builder().build())
        .build()
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let tags = c
        .tags()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()?;
    let request = c
        .aws
        .wafv2
        .create_web_acl()
        .name(&c.name)
        .scope(Scope::Cloudfront)
        .default_action(allow())
        .set_rules(Some(rules(c, p)?))
        .visibility_config(visibility(&c.name)?)
        .set_tags(Some(tags));
    c.aws.mutated();
    // One made by an earlier attempt whose answer was lost is refused (WAFDuplicateItemException):
    // the engine then reads it, checks it is ours, and updates it.
    wait::retry(
        wait::PROPAGATION,
        |e: &aws_sdk_wafv2::error::SdkError<_, _>| code(e) == UNAVAILABLE,
        || request.clone().send(),
    )
    .await
    .map_err(|e| aws_error("wafv2:CreateWebACL", e))?;
    Ok(())
}

/// WAF not ready for a call about something it has just made or changed: retried, as the
/// Terraform provider does on its web ACL's create, update and delete.
const UNAVAILABLE: &str = "WAFUnavailableEntityException";

pub async fn update(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let rules = rules(c, p)?;
    wait::retry(wait::PROPAGATION, is_stale_lock, || async {
        let (acl, lock) = get(c)
            .await
            .map_err(Stale::Other)?
            .with_context(|| format!("WAF web ACL {} disappeared", c.name))
            .map_err(Stale::Other)?;
        c.aws.mutated();
        c.aws
            .wafv2
            .update_web_acl()
            .name(&c.name)
            .scope(Scope::Cloudfront)
            .id(acl.id())
            .lock_token(lock)
            .default_action(allow())
            .set_rules(Some(rules.clone()))
            .visibility_config(visibility(&c.name).map_err(Stale::Other)?)
            .send()
            .await
            .map_err(|e| Stale::Coded(code(&e).to_string(), aws_error("wafv2:UpdateWebACL", e)))?;
        Ok(())
    })
    .await
    .map_err(Stale::into_error)
}

/// How long a deleted ACL may still be held by the distribution that used it.
const RELEASE: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes the ACL. CloudFront lets go of it only once the distribution that used it is deployed
/// without it (WAFAssociatedItemException meanwhile): waited for, as the Terraform provider does.
pub async fn delete(c: &Call<'_>) -> Result<()> {
    wait::retry(
        RELEASE,
        |e: &Stale| is_stale_lock(e) || e.is("WAFAssociatedItemException"),
        || async {
            let Some((acl, lock)) = get(c).await.map_err(Stale::Other)? else {
                return Ok(());
            };
            c.aws.mutated();
            match c
                .aws
                .wafv2
                .delete_web_acl()
                .name(&c.name)
                .scope(Scope::Cloudfront)
                .id(acl.id())
                .lock_token(lock)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if code(&e) == "WAFNonexistentItemException" => Ok(()),
                Err(e) => Err(Stale::Coded(
                    code(&e).to_string(),
                    aws_error("wafv2:DeleteWebACL", e),
                )),
            }
        },
    )
    .await
    .map_err(Stale::into_error)
}

/// A failed write: its error code (to decide on a retry), or an error that is not retried.
#[derive(Debug)]
enum Stale {
    Coded(String, anyhow::Error),
    Other(anyhow::Error),
}

impl Stale {
    fn is(&self, want: &str) -> bool {
        matches!(self, Stale::Coded(c, _) if c == want)
    }
    fn into_error(self) -> anyhow::Error {
        match self {
            Stale::Coded(_, e) | Stale::Other(e) => e,
        }
    }
}

fn is_stale_lock(e: &Stale) -> bool {
    e.is("WAFOptimisticLockException") || e.is(UNAVAILABLE)
}

/// Names of the account's CloudFront-scope ACLs starting with `prefix`.
pub async fn acl_names(aws: &Aws, prefix: &str) -> Result<Vec<String>> {
    Ok(listed(aws)
        .await?
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.starts_with(prefix))
        .collect())
}
