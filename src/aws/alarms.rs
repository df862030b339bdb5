//! CloudWatch metric alarms: one metric, a threshold, and the topics told when it is crossed and
//! when it is back. PutMetricAlarm writes the whole alarm, so an update is the same call as a create
//! (without tags: CloudWatch ignores them on an existing alarm).

use anyhow::{Result, bail};
use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, sorted};

/// The stack's comparison signs and CloudWatch's names for them.
const COMPARISONS: &[(&str, &str)] = &[
    (">", "GreaterThanThreshold"),
    (">=", "GreaterThanOrEqualToThreshold"),
    ("<", "LessThanThreshold"),
    ("<=", "LessThanOrEqualToThreshold"),
];

/// The alarms whose names start with `prefix`, listed once per epoch (see [`Aws::epoch`]) for
/// every alarm's read: DescribeAlarms answers whole alarms, 100 a page, so a stage's alarms cost one
/// call, not one each.
async fn listed(aws: &Aws, prefix: &str) -> Result<std::sync::Arc<Vec<MetricAlarm>>> {
    aws.alarms
        .get(prefix, aws.epoch(), || async {
            let pages = super::pages!(
                "cloudwatch:DescribeAlarms",
                aws.cloudwatch.describe_alarms().alarm_name_prefix(prefix)
            );
            Ok(pages
                .iter()
                .flat_map(|p| p.metric_alarms().to_vec())
                .collect())
        })
        .await
}

/// The alarm called `c.name`: from the stage's listing when it is there; else asked by name (the
/// listing may predate it, and a create's read-back must see it as soon as AWS does).
async fn describe(c: &Call<'_>) -> Result<Option<MetricAlarm>> {
    let prefix = c.names.prefix();
    if c.name.starts_with(&prefix)
        && let Some(alarm) = listed(c.aws, &prefix)
            .await?
            .iter()
            .find(|a| a.alarm_name() == Some(c.name.as_str()))
    {
        return Ok(Some(alarm.clone()));
    }
    let out = c
        .aws
        .cloudwatch
        .describe_alarms()
        .alarm_names(&c.name)
        .send()
        .await
        .map_err(|e| aws_error("cloudwatch:DescribeAlarms", e))?;
    Ok(out
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(c.name.as_str()))
        .cloned())
}

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(alarm) = describe(c).await? else {
        return Ok(None);
    };
    let arn = alarm.alarm_arn().unwrap_or_default().to_string();
    let tags = c
        .aws
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_error("cloudwatch:ListTagsForResource", e))?;
    c.names.check_owner(
        &format!("CloudWatch alarm {}", c.name),
        tags.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let mut a = Attrs::new();
    let mut put = |k: &str, v: Value| {
        a.insert(k.into(), v);
    };
    put(
        "namespace",
        Value::from(alarm.namespace().unwrap_or_default()),
    );
    put(
        "metric",
        Value::from(alarm.metric_name().unwrap_or_default()),
    );
    put(
        "dimensions",
        Value::Object(
            alarm
                .dimensions()
                .iter()
                .map(|d| {
                    (
                        d.name().unwrap_or_default().to_string(),
                        Value::from(d.value().unwrap_or_default()),
                    )
                })
                .collect(),
        ),
    );
    if let Some(s) = alarm.statistic() {
        put("statistic", Value::from(s.as_str()));
    }
    put("period_s", Value::from(alarm.period().unwrap_or_default()));
    put(
        "evaluation_periods",
        Value::from(alarm.evaluation_periods().unwrap_or_default()),
    );
    // Written as the stack writes it: a whole number without a fraction.
    let threshold = alarm.threshold().unwrap_or_default();
    put(
        "threshold",
        if threshold.fract() == 0.0 && threshold.abs() < 1e15 {
            Value::from(threshold as i64)
        } else {
            Value::from(threshold)
        },
    );
    if let Some(op) = alarm.comparison_operator() {
        let sign = COMPARISONS
            .iter()
            .find(|(_, name)| *name == op.as_str())
            .map_or(op.as_str(), |(sign, _)| sign);
        put("comparison", Value::from(sign));
    }
    if let Some(m) = alarm.treat_missing_data() {
        put("missing_data", Value::from(m));
    }
    // Both lists are written from `notify`: one changed apart from the other is drift, shown as
    // none so that the next deploy writes both again.
    let (fire, clear) = (
        sorted(alarm.alarm_actions().to_vec()),
        sorted(alarm.ok_actions().to_vec()),
    );
    put("notify", if fire == clear { fire } else { Value::Null });
    put(
        "description",
        alarm.alarm_description().map_or(Value::Null, Value::from),
    );
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(arn));
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// Writes the alarm as `p` declares it (`tagged` on creation).
pub async fn put(c: &Call<'_>, p: &Attrs, tagged: bool) -> Result<()> {
    let sign = p.s("comparison")?;
    let Some((_, op)) = COMPARISONS.iter().find(|(s, _)| *s == sign) else {
        bail!("comparison `{sign}` is not one of >, >=, <, <=");
    };
    let dimensions = p
        .get("dimensions")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            Dimension::builder()
                .name(k)
                .value(v.as_str().unwrap_or_default())
                .build()
        })
        .collect();
    let notify = p.list("notify")?;
    let tags = tagged.then(|| {
        c.tags()
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    });
    let threshold = p
        .get("threshold")
        .and_then(Value::as_f64)
        .ok_or_else(|| anyhow::anyhow!("attribute `threshold` is missing or not a number"))?;
    c.aws.mutated();
    c.aws
        .cloudwatch
        .put_metric_alarm()
        .alarm_name(&c.name)
        .set_alarm_description(p.opt("description").map(str::to_string))
        .namespace(p.s("namespace")?)
        .metric_name(p.s("metric")?)
        .set_dimensions(Some(dimensions))
        .statistic(Statistic::from(p.s("statistic")?))
        .period(p.i("period_s")? as i32)
        .evaluation_periods(p.i("evaluation_periods")? as i32)
        .threshold(threshold)
        .comparison_operator(ComparisonOperator::from(*op))
        .treat_missing_data(p.s("missing_data")?)
        .set_alarm_actions(Some(notify.clone()))
        .set_ok_actions(Some(notify))
        .set_tags(tags)
        .send()
        .await
        .map_err(|e| aws_error("cloudwatch:PutMetricAlarm", e))?;
    Ok(())
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .cloudwatch
        .delete_alarms()
        .alarm_names(&c.name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ResourceNotFound" => Ok(()),
        Err(e) => Err(aws_error("cloudwatch:DeleteAlarms", e)),
    }
}

/// Names of the metric alarms starting with `prefix`.
pub async fn alarm_names(aws: &Aws, prefix: &str) -> Result<Vec<String>> {
    Ok(listed(aws, prefix)
        .await?
        .iter()
        .filter_map(|a| a.alarm_name().map(str::to_string))
        .collect())
}
