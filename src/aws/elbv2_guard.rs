//! The load balancer's doors: its forwarding listener answers 403 unless the request carries the
//! origin header (one rule forwards those, accepting the secret's current and previous values),
//! and it drops header fields that are not valid HTTP (request smuggling).

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, HttpHeaderConditionConfig, Listener,
    LoadBalancerAttribute, ProtocolEnum, RuleCondition,
};
use serde_json::Value;

use super::{Attrs, Call, aws_error, code, origin};

/// The load-balancer attribute dropping invalid header fields.
const DROP_INVALID: &str = "routing.http.drop_invalid_header_fields.enabled";
/// Priority of the rule forwarding requests that carry the origin header.
const PRIORITY: i32 = 1;

/// The listener that forwards to the tasks (HTTPS when there is one, else HTTP) of the balancer
/// `lb_arn`: its ARN, and whether it refuses by default.
async fn forwarding_listener(c: &Call<'_>, lb_arn: &str) -> Result<Option<(String, bool)>> {
    let out = c
        .aws
        .elbv2
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeListeners", e))?;
    Ok(forwarding(out.listeners()))
}

/// [`forwarding_listener`] among listeners already read.
fn forwarding(ls: &[Listener]) -> Option<(String, bool)> {
    let l = ls
        .iter()
        .find(|l| l.protocol() == Some(&ProtocolEnum::Https))
        .or_else(|| {
            ls.iter()
                .find(|l| l.protocol() == Some(&ProtocolEnum::Http))
        })?;
    let refuses = l
        .default_actions()
        .iter()
        .any(|a| a.r#type() == Some(&ActionTypeEnum::FixedResponse));
    Some((l.listener_arn().unwrap_or_default().to_string(), refuses))
}

/// The rule with the origin-header condition on `listener`: its ARN and accepted values.
async fn origin_rule(c: &Call<'_>, listener: &str) -> Result<Option<(String, Vec<String>)>> {
    let out = c
        .aws
        .elbv2
        .describe_rules()
        .listener_arn(listener)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeRules", e))?;
    Ok(out.rules().iter().find_map(|r| {
        let values = r.conditions().iter().find_map(|cond| {
            cond.http_header_config()
                .filter(|h| {
                    h.http_header_name()
                        .is_some_and(|n| n.eq_ignore_ascii_case(origin::HEADER))
                })
                .map(|h| {
                    let mut v = h.values().to_vec();
                    v.sort();
                    v
                })
        })?;
        Some((r.rule_arn().unwrap_or_default().to_string(), values))
    }))
}

/// The live value of `origin_secret` (see [`origin::live_value`]), given the balancer's listeners:
/// the forwarding one refuses by default and one rule admits exactly the secret's current (and
/// previous) values.
pub async fn read_origin_check(c: &Call<'_>, p: &Attrs, listeners: &[Listener]) -> Result<Value> {
    let want = origin::wanted(c.aws, p, "origin_secret", true).await?;
    let have = match forwarding(listeners) {
        Some((listener, true)) => Some(
            origin_rule(c, &listener)
                .await?
                .map(|(_, v)| v)
                .unwrap_or_default(),
        ),
        _ => None,
    };
    Ok(origin::live_value(
        p,
        "origin_secret",
        have.as_deref(),
        &want,
    ))
}

/// Makes the forwarding listener of `lb_arn` refuse requests without the origin header (or, with
/// no secret in `p`, forward everything), keeping one rule with the secret's current values.
pub async fn set_origin_check(c: &Call<'_>, p: &Attrs, lb_arn: &str, tg_arn: &str) -> Result<()> {
    let Some((listener, refuses)) = forwarding_listener(c, lb_arn).await? else {
        return Ok(());
    };
    let values = origin::required(c.aws, p, "origin_secret", true).await?;
    let forward = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg_arn)
        .build();
    let rule = origin_rule(c, &listener).await?;
    if values.is_empty() {
        if refuses {
            default_action(c, &listener, forward).await?;
        }
        if let Some((arn, _)) = rule {
            c.aws.mutated();
            c.aws
                .elbv2
                .delete_rule()
                .rule_arn(arn)
                .send()
                .await
                .map_err(|e| aws_error("elbv2:DeleteRule", e))?;
        }
        return Ok(());
    }
    let condition = RuleCondition::builder()
        .field("http-header")
        .http_header_config(
            HttpHeaderConditionConfig::builder()
                .http_header_name(origin::HEADER)
                .set_values(Some(values.clone()))
                .build(),
        )
        .build();
    match rule {
        Some((_, have)) if have == values => {}
        Some((arn, _)) => {
            c.aws.mutated();
            c.aws
                .elbv2
                .modify_rule()
                .rule_arn(arn)
                .conditions(condition)
                .actions(forward)
                .send()
                .await
                .map_err(|e| aws_error("elbv2:ModifyRule", e))?;
        }
        None => {
            c.aws.mutated();
            let created = c
                .aws
                .elbv2
                .create_rule()
                .listener_arn(&listener)
                .priority(PRIORITY)
                .conditions(condition)
                .actions(forward)
                .send()
                .await;
            match created {
                Ok(_) => {}
                // CreateRule has no idempotency token: a retry after a lost answer finds the
                // priority taken by the rule the first attempt made. Ours, with our values: done.
                Err(e) if code(&e) == "PriorityInUse" => match origin_rule(c, &listener).await? {
                    Some((_, have)) if have == values => {}
                    _ => return Err(aws_error("elbv2:CreateRule", e)),
                },
                Err(e) => return Err(aws_error("elbv2:CreateRule", e)),
            }
        }
    }
    // The refusal goes in after the rule admitting CloudFront's requests, so they never see it.
    if !refuses {
        default_action(c, &listener, refusal()).await?;
    }
    Ok(())
}

/// The default action of a listener with an origin check: 403.
pub fn refusal() -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code("403")
                .content_type("application/json")
                .message_body(r#"{"detail":"forbidden"}"#)
                .build(),
        )
        .build()
}

async fn default_action(c: &Call<'_>, listener: &str, action: Action) -> Result<()> {
    c.aws.mutated();
    c.aws
        .elbv2
        .modify_listener()
        .listener_arn(listener)
        .default_actions(action)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:ModifyListener", e))?;
    Ok(())
}

/// Whether the balancer drops invalid header fields.
pub async fn drops_invalid_headers(c: &Call<'_>, lb_arn: &str) -> Result<bool> {
    let out = c
        .aws
        .elbv2
        .describe_load_balancer_attributes()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeLoadBalancerAttributes", e))?;
    Ok(out
        .attributes()
        .iter()
        .any(|a| a.key() == Some(DROP_INVALID) && a.value() == Some("true")))
}

/// Makes the balancer drop invalid header fields.
pub async fn drop_invalid_headers(c: &Call<'_>, lb_arn: &str) -> Result<()> {
    c.aws.mutated();
    c.aws
        .elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(lb_arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key(DROP_INVALID)
                .value("true")
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("elbv2:ModifyLoadBalancerAttributes", e))?;
    Ok(())
}
