//! The HTTP API's `$default` stage: auto-deployed, throttled (so a flood costs bounded money) and
//! access-logged to a log group. HTTP APIs deliver logs through CloudWatch's vended-log delivery:
//! no role, but the deployer needs the logs:*LogDelivery and logs:PutResourcePolicy permissions.

use anyhow::Result;
use aws_sdk_apigatewayv2::operation::get_stage::GetStageOutput;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings};
use serde_json::{Value, json};

use super::{Attrs, Call, aws_error, code};

const STAGE: &str = "$default";

/// One JSON line per request (API Gateway requires `$context.requestId` in the format).
fn log_format() -> String {
    json!({
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationError": "$context.integrationErrorMessage"
    })
    .to_string()
}

/// The stage, `None` when it does not exist (any other error is one).
async fn get(c: &Call<'_>, api: &str) -> Result<Option<GetStageOutput>> {
    match c
        .aws
        .apigw
        .get_stage()
        .api_id(api)
        .stage_name(STAGE)
        .send()
        .await
    {
        Ok(s) => Ok(Some(s)),
        Err(e) if code(&e) == "NotFoundException" => Ok(None),
        Err(e) => Err(aws_error("apigatewayv2:GetStage", e)),
    }
}

/// What API Gateway applies when a stage sets no throttling: the account's limits. A stage whose
/// `DefaultRouteSettings` are sent without throttle values gets 0 and 0 instead (every request
/// answered 429: Terraform provider issue #14742, pulumi-aws#2363), so "no throttle" is sent as
/// these, and read back as none.
const ACCOUNT_RATE: f64 = 10000.0;
/// Why one throttle value alone is refused (at plan time, and here should it get through).
pub const ONE_THROTTLE: &str = "set both throttle_rate and throttle_burst, or neither: API Gateway takes a missing one as 0 and refuses every request";
const ACCOUNT_BURST: i32 = 5000;

/// The stage's attributes as the stack states them: auto_deploy, throttle_rate, throttle_burst,
/// access_log_group (null when unset).
fn attrs(stage: Option<&GetStageOutput>) -> Attrs {
    let mut a = Attrs::new();
    let route = stage.and_then(|s| s.default_route_settings());
    let account = route.is_some_and(|r| {
        r.throttling_rate_limit() == Some(ACCOUNT_RATE)
            && r.throttling_burst_limit() == Some(ACCOUNT_BURST)
    });
    let route = route.filter(|_| !account);
    let rate = route.and_then(|r| r.throttling_rate_limit());
    a.insert(
        "auto_deploy".into(),
        Value::from(stage.and_then(|s| s.auto_deploy()).unwrap_or(false)),
    );
    // A whole rate is compared as the integer the stack gives.
    let rate = rate.map(|r| {
        if r.fract() == 0.0 {
            Value::from(r as i64)
        } else {
            Value::from(r)
        }
    });
    a.insert("throttle_rate".into(), rate.unwrap_or(Value::Null));
    a.insert(
        "throttle_burst".into(),
        route
            .and_then(|r| r.throttling_burst_limit())
            .map_or(Value::Null, Value::from),
    );
    a.insert(
        "access_log_group".into(),
        stage
            .and_then(|s| s.access_log_settings())
            .and_then(|l| l.destination_arn())
            .map_or(Value::Null, Value::from),
    );
    a
}

/// The stage's live attributes.
pub async fn read(c: &Call<'_>, api: &str) -> Result<Attrs> {
    Ok(attrs(get(c, api).await?.as_ref()))
}

/// The stage's route settings: the stack's throttle, or the account's limits without one (never
/// settings without throttle values: see [`ACCOUNT_RATE`]).
fn route_settings(p: &Attrs) -> Result<RouteSettings> {
    let rate = p.get("throttle_rate").and_then(Value::as_f64);
    let burst = p.get("throttle_burst").and_then(Value::as_i64);
    let (rate, burst) = match (rate, burst) {
        (Some(r), Some(b)) => (r, i32::try_from(b).unwrap_or(i32::MAX)),
        (None, None) => (ACCOUNT_RATE, ACCOUNT_BURST),
        _ => anyhow::bail!(ONE_THROTTLE),
    };
    Ok(RouteSettings::builder()
        .detailed_metrics_enabled(false)
        .throttling_rate_limit(rate)
        .throttling_burst_limit(burst)
        .build())
}

fn access_logs(p: &Attrs) -> Option<AccessLogSettings> {
    let group = p.get("access_log_group").and_then(Value::as_str)?;
    Some(
        AccessLogSettings::builder()
            .destination_arn(group.trim_end_matches(":*"))
            .format(log_format())
            .build(),
    )
}

/// Creates the stage with `p`'s settings, or updates the ones that differ.
pub async fn converge(c: &Call<'_>, api: &str, p: &Attrs) -> Result<()> {
    let Some(stage) = get(c, api).await? else {
        c.aws.mutated();
        c.aws
            .apigw
            .create_stage()
            .api_id(api)
            .stage_name(STAGE)
            .auto_deploy(true)
            .default_route_settings(route_settings(p)?)
            .set_access_log_settings(access_logs(p))
            .set_tags(Some(c.tags().into_iter().collect()))
            .send()
            .await
            .map_err(|e| aws_error("apigatewayv2:CreateStage", e))?;
        return Ok(());
    };
    let have = attrs(Some(&stage));
    let differs = |k: &str| have.get(k) != Some(p.get(k).unwrap_or(&Value::Null));
    if ["auto_deploy", "throttle_rate", "throttle_burst"]
        .iter()
        .any(|k| differs(k))
        || (differs("access_log_group") && p.get("access_log_group").is_some())
    {
        c.aws.mutated();
        c.aws
            .apigw
            .update_stage()
            .api_id(api)
            .stage_name(STAGE)
            .auto_deploy(true)
            .default_route_settings(route_settings(p)?)
            .set_access_log_settings(access_logs(p))
            .send()
            .await
            .map_err(|e| aws_error("apigatewayv2:UpdateStage", e))?;
    }
    if differs("access_log_group") && p.get("access_log_group").is_none() {
        c.aws.mutated();
        c.aws
            .apigw
            .delete_access_log_settings()
            .api_id(api)
            .stage_name(STAGE)
            .send()
            .await
            .map_err(|e| aws_error("apigatewayv2:DeleteAccessLogSettings", e))?;
    }
    Ok(())
}
