//! Application Auto Scaling of an ECS service: its running count kept between a minimum and a
//! maximum, tracking a CPU target (the guide's "Scale" phase for containers). The scalable target
//! is the service's (`service/<cluster>/<service>`), registered again to change its bounds; the
//! policy is ours by name.

use anyhow::Result;
use aws_sdk_applicationautoscaling::error::ProvideErrorMetadata;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, wait};

/// The service's id in Application Auto Scaling's terms.
fn resource_id(p: &Attrs) -> Result<String> {
    Ok(format!("service/{}/{}", p.s("cluster")?, p.s("service")?))
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let rid = resource_id(p)?;
    let (targets, policies) = futures::join!(
        c.aws
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_ids(&rid)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send(),
        c.aws
            .autoscaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(&rid)
            .policy_names(&c.name)
            .send()
    );
    let targets =
        targets.map_err(|e| aws_error("application-autoscaling:DescribeScalableTargets", e))?;
    let policies =
        policies.map_err(|e| aws_error("application-autoscaling:DescribeScalingPolicies", e))?;
    let Some(policy) = policies
        .scaling_policies()
        .iter()
        .find(|x| x.policy_name() == c.name)
    else {
        return Ok(None); // not ours without our policy (a target alone is finished by create)
    };
    let (cluster, service) = rid
        .strip_prefix("service/")
        .and_then(|r| r.split_once('/'))
        .unwrap_or_default();
    // Application Auto Scaling keeps no owner's tags here: the policy is the stage's when the
    // service it scales is.
    let scaled = super::ecs::services_named(c.aws, cluster, service)
        .await?
        .unwrap_or_default();
    let Some(s) = scaled.iter().find(|s| s.status() == Some("ACTIVE")) else {
        return Ok(None);
    };
    c.names.check_owner(
        &format!(
            "the ECS service {service} that scaling policy {} scales",
            c.name
        ),
        s.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let mut a = Attrs::new();
    a.insert("cluster".into(), Value::from(cluster));
    a.insert("service".into(), Value::from(service));
    if let Some(t) = targets.scalable_targets().first() {
        a.insert("min_count".into(), Value::from(t.min_capacity()));
        a.insert("max_count".into(), Value::from(t.max_capacity()));
    }
    if let Some(cfg) = policy.target_tracking_scaling_policy_configuration() {
        a.insert("cpu_percent".into(), Value::from(cfg.target_value() as i64));
    }
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(policy.policy_arn()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// Registers the target with its bounds and puts the policy: both calls replace what is there, so
/// a create and an update are the same.
pub async fn put(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let rid = resource_id(p)?;
    let register = c
        .aws
        .autoscaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&rid)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(p.i("min_count")? as i32)
        .max_capacity(p.i("max_count")? as i32);
    c.aws.mutated();
    // The first use in an account creates Application Auto Scaling's service-linked role, which it
    // cannot assume at once; a service just created may not be found yet (the Terraform
    // provider's registerScalableTarget retries both).
    wait::retry(wait::PROPAGATION, not_ready, || register.clone().send())
        .await
        .map_err(|e| aws_error("application-autoscaling:RegisterScalableTarget", e))?;
    let tracking = TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(p.i("cpu_percent")? as f64)
        .predefined_metric_specification(
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::EcsServiceAverageCpuUtilization)
                .build()?,
        )
        .scale_in_cooldown(300)
        .scale_out_cooldown(60)
        .build()?;
    let policy = c
        .aws
        .autoscaling
        .put_scaling_policy()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&rid)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_name(&c.name)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(tracking);
    c.aws.mutated();
    // The target just registered may not be found yet, nor its role able to read the service
    // (the Terraform provider's policy create retries both).
    wait::retry(wait::PROPAGATION, not_ready, || policy.clone().send())
        .await
        .map_err(|e| aws_error("application-autoscaling:PutScalingPolicy", e))?;
    Ok(())
}

/// What Application Auto Scaling answers while what it was just given is not visible to it yet.
fn not_ready<E: ProvideErrorMetadata>(e: &E) -> bool {
    match e.code() {
        Some("ObjectNotFoundException" | "FailedResourceAccessException") => true,
        Some("ValidationException") => e.message().is_some_and(|m| {
            m.contains("Unable to assume IAM role") || m.contains("ECS service doesn't exist")
        }),
        _ => false,
    }
}

/// Deletes the policy and deregisters the target (the service keeps the count it has); already
/// gone is fine.
pub async fn delete(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let rid = resource_id(p)?;
    c.aws.mutated();
    match c
        .aws
        .autoscaling
        .delete_scaling_policy()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&rid)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_name(&c.name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "ObjectNotFoundException" => {}
        Err(e) => return Err(aws_error("application-autoscaling:DeleteScalingPolicy", e)),
    }
    c.aws.mutated();
    match c
        .aws
        .autoscaling
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(&rid)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ObjectNotFoundException" => Ok(()),
        Err(e) => Err(aws_error(
            "application-autoscaling:DeregisterScalableTarget",
            e,
        )),
    }
}

/// The stage's policies, by name, with the cluster and service their reads need.
pub async fn policies(aws: &Aws, prefix: &str) -> Result<Vec<(String, Attrs)>> {
    let pages = super::pages!(
        "application-autoscaling:DescribeScalingPolicies",
        aws.autoscaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
    );
    Ok(pages
        .iter()
        .flat_map(|page| page.scaling_policies())
        .filter(|x| x.policy_name().starts_with(prefix))
        .filter_map(|x| {
            let (cluster, service) = x.resource_id().strip_prefix("service/")?.split_once('/')?;
            let mut a = Attrs::new();
            a.insert("cluster".into(), Value::from(cluster));
            a.insert("service".into(), Value::from(service));
            Some((x.policy_name().to_string(), a))
        })
        .collect())
}
