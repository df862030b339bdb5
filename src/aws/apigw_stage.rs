//! The HTTP API's `$default` stage: auto-deployed, throttled (so a flood costs bounded money) and
//! access-logged to a log group. HTTP APIs deliver logs through CloudWatch's vended-log delivery:
//! no role, but the deployer needs the logs:*LogDelivery and logs:PutResourcePolicy permissions.

use anyhow::Result;
use aws_sdk_apigatewayv2::operation::get_stage::GetStageOutput;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings};
use serde_json::{Value, json};

use super::{Attrs, Call, aws_error};

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

async fn get(c: &Call<'_>, api: &str) -> Option<GetStageOutput> {
    c.aws
        .apigw
        .get_stage()
        .api_id(api)
        .stage_name(STAGE)
        .send()
        .await
        .ok()
}

/// The stage's attributes as the stack states them: auto_deploy, throttle_rate, throttle_burst,
/// access_log_group (null when unset).
fn attrs(stage: Option<&GetStageOutput>) -> Attrs {
    let mut a = Attrs::new();
    let route = stage.and_then(|s| s.default_route_settings());
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
pub async fn read(c: &Call<'_>, api: &str) -> Attrs {
    attrs(get(c, api).await.as_ref())
}

fn route_settings(p: &Attrs) -> RouteSettings {
    let mut r = RouteSettings::builder().detailed_metrics_enabled(false);
    if let Some(rate) = p.get("throttle_rate").and_then(Value::as_f64) {
        r = r.throttling_rate_limit(rate);
    }
    if let Some(burst) = p.get("throttle_burst").and_then(Value::as_i64) {
        r = r.throttling_burst_limit(i32::try_from(burst).unwrap_or(i32::MAX));
    }
    r.build()
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
    let Some(stage) = get(c, api).await else {
        c.aws.mutated();
        c.aws
            .apigw
            .create_stage()
            .api_id(api)
            .stage_name(STAGE)
            .auto_deploy(true)
            .default_route_settings(route_settings(p))
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
            .default_route_settings(route_settings(p))
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
