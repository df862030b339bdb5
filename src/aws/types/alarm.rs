//! `cloudwatch.alarm`: a CloudWatch alarm on one metric, telling topics when it fires and clears.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "cloudwatch.alarm",
    driver: &Alarm,
    doc: "A CloudWatch alarm on one metric, telling SNS topics when it fires and when it clears",
    fields: &[
        f("namespace", STR, Required, InPlace, "the metric's namespace (AWS/RDS, AWS/Lambda...)"),
        f("metric", STR, Required, InPlace, "the metric's name (CPUUtilization...)"),
        f("dimensions", Ty::Map(&Ty::Str), Default("{}"), InPlace, "which resource's metric (DBInstanceIdentifier: ...)"),
        f("statistic", Ty::Enum(&["Average", "Sum", "Minimum", "Maximum", "SampleCount"]), Default("\"Average\""), InPlace, "how a period's data points are combined"),
        f("period_s", Ty::Int { min: 60, max: 86400 }, Default("300"), InPlace, "seconds per evaluated period (a multiple of 60)"),
        f("evaluation_periods", Ty::Int { min: 1, max: 100 }, Default("1"), InPlace, "consecutive periods over the threshold before it fires"),
        f("threshold", Ty::Num, Required, InPlace, "the value compared with"),
        f("comparison", Ty::Enum(&[">", ">=", "<", "<="]), Default("\">=\""), InPlace, "fires when the statistic is ... the threshold"),
        f("missing_data", Ty::Enum(&["notBreaching", "breaching", "missing", "ignore"]), Default("\"notBreaching\""), InPlace, "what a period without data counts as (no traffic is not an outage)"),
        f("notify", STRS, Default("[]"), InPlace, "SNS topic ARNs told when it fires and when it clears"),
        f("description", STR, Optional, InPlace, "what it means and what to do"),
    ],
    computed: &[],
    outputs: &["arn", "name"],
    tier: Tier::Operations,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `cloudwatch.alarm`.
#[derive(Debug)]
pub struct Alarm;

#[async_trait]
impl Driver for Alarm {
    fn delete_rank(&self) -> u8 {
        1 // before what it watches and the topics it tells
    }
    fn pricing(&self) -> Pricing {
        Pricing::Alarm
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        let period = p.get("period_s").and_then(Value::as_i64).unwrap_or(300);
        if period % 60 != 0 {
            bail!("period_s {period} is not a multiple of 60 (CloudWatch's standard resolution)");
        }
        Ok(())
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::alarms::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::alarms::put(c, p, true).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::alarms::put(c, p, false).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::alarms::delete(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let alarms = crate::aws::alarms::alarm_names(aws, &names.prefix()).await?;
        Ok(ids_by_prefix(names, alarms))
    }
}
