//! Application Load Balancer: the load balancer in the first `az_count` subnets, one IP target group
//! health-checked on the app's health path, and an HTTP listener (HTTPS with a certificate, HTTP then
//! redirecting to it).

use std::time::Duration;

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, IpAddressType, LoadBalancerSchemeEnum,
    LoadBalancerTypeEnum, ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum, Tag,
    TargetTypeEnum,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, sorted, wait};

/// Load balancer and target group names are at most 32 characters.
fn names(c: &Call<'_>) -> (String, String) {
    (
        super::fit(&c.name, 32),
        super::fit(&format!("{}-tg", c.name), 32),
    )
}

fn tags(c: &Call<'_>) -> Vec<Tag> {
    c.tags()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// What CloudWatch names a load balancer or target group by in its metrics' dimensions: the ARN's
/// resource part after `loadbalancer/` (`app/NAME/ID`), or from `targetgroup/` on.
fn arn_suffix(arn: &str) -> &str {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    resource.strip_prefix("loadbalancer/").unwrap_or(resource)
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let (lb_name, tg_name) = names(c);
    let lb = match c
        .aws
        .elbv2
        .describe_load_balancers()
        .names(&lb_name)
        .send()
        .await
    {
        Ok(out) => match out.load_balancers().first() {
            Some(lb) => lb.clone(),
            None => return Ok(None),
        },
        Err(e) if code(&e) == "LoadBalancerNotFound" => return Ok(None),
        Err(e) => return Err(aws_error("elbv2:DescribeLoadBalancers", e)),
    };
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    let tags = c
        .aws
        .elbv2
        .describe_tags()
        .resource_arns(&arn)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeTags", e))?;
    let tag_list = tags
        .tag_descriptions()
        .first()
        .map(|d| d.tags().to_vec())
        .unwrap_or_default();
    c.names.check_owner(
        &format!("load balancer {lb_name}"),
        tag_list
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let mut a = Attrs::new();
    let subnets: Vec<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_string))
        .collect();
    a.insert("az_count".into(), Value::from(subnets.len()));
    a.insert("subnets".into(), sorted(subnets));
    a.insert(
        "security_groups".into(),
        sorted(lb.security_groups().to_vec()),
    );
    let mut o = Attrs::new();
    let tg = match c
        .aws
        .elbv2
        .describe_target_groups()
        .names(&tg_name)
        .send()
        .await
    {
        Ok(out) => out.target_groups().first().cloned(),
        Err(e) if code(&e) == "TargetGroupNotFound" => None,
        Err(e) => return Err(aws_error("elbv2:DescribeTargetGroups", e)),
    };
    if let Some(tg) = &tg {
        if let Some(port) = tg.port() {
            a.insert("target_port".into(), Value::from(port));
        }
        if let Some(path) = tg.health_check_path() {
            a.insert("health_check_path".into(), Value::from(path));
        }
        let tg_arn = tg.target_group_arn().unwrap_or_default();
        o.insert("target_group_arn".into(), Value::from(tg_arn));
        o.insert(
            "target_group_arn_suffix".into(),
            Value::from(arn_suffix(tg_arn)),
        );
    }
    let listeners = c
        .aws
        .elbv2
        .describe_listeners()
        .load_balancer_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeListeners", e))?;
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.protocol() == Some(&ProtocolEnum::Https));
    let cert = https
        .and_then(|l| l.certificates().first())
        .and_then(|c| c.certificate_arn());
    a.insert(
        "certificate_arn".into(),
        cert.map_or(Value::Null, Value::from),
    );
    // A half-created balancer (no target group or listener yet) shows as drift and is finished.
    a.insert(
        "listening".into(),
        Value::from(tg.is_some() && !listeners.listeners().is_empty()),
    );
    a.insert(
        "origin_secret".into(),
        super::elbv2_guard::read_origin_check(c, p, listeners.listeners()).await?,
    );
    a.insert(
        "drops_invalid_headers".into(),
        Value::from(super::elbv2_guard::drops_invalid_headers(c, &arn).await?),
    );
    let dns = lb.dns_name().unwrap_or_default().to_string();
    // The name is the stack's (an alias record points it here), not the balancer's: it goes with
    // the stack's value, and is the domain CloudFront reaches once HTTPS is on.
    a.insert(
        "host_name".into(),
        p.opt("host_name").map_or(Value::Null, Value::from),
    );
    let domain = match (p.opt("host_name"), https.is_some()) {
        (Some(host), true) => host.to_string(),
        _ => dns.clone(),
    };
    o.insert("arn_suffix".into(), Value::from(arn_suffix(&arn)));
    o.insert("arn".into(), Value::from(arn));
    o.insert("domain".into(), Value::from(domain));
    o.insert("dns".into(), Value::from(dns));
    o.insert(
        "zone_id".into(),
        Value::from(lb.canonical_hosted_zone_id().unwrap_or_default()),
    );
    o.insert(
        "protocol".into(),
        Value::from(if https.is_some() { "https" } else { "http" }),
    );
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// The VPC of the balancer's subnets (the target group lives there).
async fn vpc_of(c: &Call<'_>, subnet: &str) -> Result<String> {
    let out = c
        .aws
        .ec2
        .describe_subnets()
        .subnet_ids(subnet)
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeSubnets", e))?;
    Ok(out
        .subnets()
        .first()
        .and_then(|s| s.vpc_id())
        .unwrap_or_default()
        .to_string())
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let (lb_name, _) = names(c);
    let subnets = p.list("subnets")?;
    let lb_arn = match c
        .aws
        .elbv2
        .describe_load_balancers()
        .names(&lb_name)
        .send()
        .await
        .ok()
        .and_then(|o| o.load_balancers().first().cloned())
    {
        Some(lb) => lb.load_balancer_arn().unwrap_or_default().to_string(),
        None => {
            c.aws.mutated();
            let out = c
                .aws
                .elbv2
                .create_load_balancer()
                .name(&lb_name)
                .set_subnets(Some(subnets.clone()))
                .set_security_groups(Some(p.list("security_groups")?))
                .scheme(LoadBalancerSchemeEnum::InternetFacing)
                .r#type(LoadBalancerTypeEnum::Application)
                .ip_address_type(IpAddressType::Ipv4)
                .set_tags(Some(tags(c)))
                .send()
                .await
                .map_err(|e| aws_error("elbv2:CreateLoadBalancer", e))?;
            let arn = out
                .load_balancers()
                .first()
                .and_then(|l| l.load_balancer_arn())
                .unwrap_or_default()
                .to_string();
            super::elbv2_guard::drop_invalid_headers(c, &arn).await?;
            arn
        }
    };
    let vpc = vpc_of(c, subnets.first().map(String::as_str).unwrap_or_default()).await?;
    let tg_arn = target_group(c, p, &vpc).await?;
    listeners(c, p, &lb_arn, &tg_arn).await
}

async fn target_group(c: &Call<'_>, p: &Attrs, vpc: &str) -> Result<String> {
    let (_, tg_name) = names(c);
    if let Some(tg) = c
        .aws
        .elbv2
        .describe_target_groups()
        .names(&tg_name)
        .send()
        .await
        .ok()
        .and_then(|o| o.target_groups().first().cloned())
    {
        return Ok(tg.target_group_arn().unwrap_or_default().to_string());
    }
    c.aws.mutated();
    let out = c
        .aws
        .elbv2
        .create_target_group()
        .name(&tg_name)
        .protocol(ProtocolEnum::Http)
        .port(p.i("target_port")? as i32)
        .vpc_id(vpc)
        .target_type(TargetTypeEnum::Ip)
        .health_check_path(p.s("health_check_path")?)
        .health_check_interval_seconds(15)
        .healthy_threshold_count(2)
        .set_tags(Some(tags(c)))
        .send()
        .await
        .map_err(|e| aws_error("elbv2:CreateTargetGroup", e))?;
    Ok(out
        .target_groups()
        .first()
        .and_then(|t| t.target_group_arn())
        .unwrap_or_default()
        .to_string())
}

/// Replaces the listeners with: HTTP forwarding to the target group, or, with a certificate, HTTPS
/// forwarding and HTTP redirecting to HTTPS.
async fn listeners(c: &Call<'_>, p: &Attrs, lb_arn: &str, tg_arn: &str) -> Result<()> {
    let existing = c
        .aws
        .elbv2
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeListeners", e))?;
    for l in existing.listeners() {
        c.aws.mutated();
        c.aws
            .elbv2
            .delete_listener()
            .listener_arn(l.listener_arn().unwrap_or_default())
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DeleteListener", e))?;
    }
    // With an origin check, the forwarding listener refuses from its first moment; the rule
    // admitting CloudFront's requests follows (set_origin_check).
    let forward = if p.opt("origin_secret").is_some() {
        super::elbv2_guard::refusal()
    } else {
        Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(tg_arn)
            .build()
    };
    let http_action = if let Some(cert) = p.opt("certificate_arn") {
        c.aws.mutated();
        c.aws
            .elbv2
            .create_listener()
            .load_balancer_arn(lb_arn)
            .protocol(ProtocolEnum::Https)
            .port(443)
            .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .default_actions(forward)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:CreateListener", e))?;
        Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .protocol("HTTPS")
                    .port("443")
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build(),
            )
            .build()
    } else {
        forward
    };
    c.aws.mutated();
    c.aws
        .elbv2
        .create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(http_action)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:CreateListener", e))?;
    super::elbv2_guard::set_origin_check(c, p, lb_arn, tg_arn).await
}

pub async fn update(c: &Call<'_>, p: &Attrs, live: &Live, changed: &[String]) -> Result<()> {
    let lb_arn = live.outputs.s("arn")?.to_string();
    for k in changed {
        match k.as_str() {
            "security_groups" => {
                c.aws.mutated();
                c.aws
                    .elbv2
                    .set_security_groups()
                    .load_balancer_arn(&lb_arn)
                    .set_security_groups(Some(p.list("security_groups")?))
                    .send()
                    .await
                    .map_err(|e| aws_error("elbv2:SetSecurityGroups", e))?;
            }
            "health_check_path" => {
                c.aws.mutated();
                c.aws
                    .elbv2
                    .modify_target_group()
                    .target_group_arn(live.outputs.s("target_group_arn")?)
                    .health_check_path(p.s("health_check_path")?)
                    .send()
                    .await
                    .map_err(|e| aws_error("elbv2:ModifyTargetGroup", e))?;
            }
            "drops_invalid_headers" => super::elbv2_guard::drop_invalid_headers(c, &lb_arn).await?,
            _ => {}
        }
    }
    let relisten = changed
        .iter()
        .any(|k| k == "certificate_arn" || k == "listening");
    if !relisten && changed.iter().any(|k| k == "origin_secret") {
        let tg = live.outputs.s("target_group_arn")?;
        super::elbv2_guard::set_origin_check(c, p, &lb_arn, tg).await?;
    }
    if relisten {
        let vpc = vpc_of(
            c,
            p.list("subnets")?
                .first()
                .map(String::as_str)
                .unwrap_or_default(),
        )
        .await?;
        let tg = target_group(c, p, &vpc).await?;
        listeners(c, p, &lb_arn, &tg).await?;
    }
    Ok(())
}

/// Deletes the load balancer, then its target group once nothing uses it.
pub async fn delete(c: &Call<'_>, live: &Live) -> Result<()> {
    if let Some(arn) = live.outputs.get("arn").and_then(Value::as_str) {
        c.aws.mutated();
        match c
            .aws
            .elbv2
            .delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if code(&e) == "LoadBalancerNotFound" => {}
            Err(e) => return Err(aws_error("elbv2:DeleteLoadBalancer", e)),
        }
    }
    if let Some(tg) = live.outputs.get("target_group_arn").and_then(Value::as_str) {
        c.aws.mutated();
        let r = wait::retry(
            Duration::from_secs(300),
            |e: &aws_sdk_elasticloadbalancingv2::error::SdkError<_, _>| code(e) == "ResourceInUse",
            || {
                c.aws
                    .elbv2
                    .delete_target_group()
                    .target_group_arn(tg)
                    .send()
            },
        )
        .await;
        match r {
            Ok(_) => {}
            Err(e) if code(&e) == "TargetGroupNotFound" => {}
            Err(e) => return Err(aws_error("elbv2:DeleteTargetGroup", e)),
        }
    }
    Ok(())
}

/// Every load balancer name in the region.
pub async fn balancer_names(aws: &Aws) -> Result<Vec<String>> {
    let page = super::pages!(
        "elbv2:DescribeLoadBalancers",
        aws.elbv2.describe_load_balancers()
    );
    Ok(page
        .iter()
        .flat_map(|p| p.load_balancers())
        .filter_map(|l| l.load_balancer_name().map(str::to_string))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::arn_suffix;

    #[test]
    fn metrics_name_balancers_and_target_groups_by_their_arn_suffix() {
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188"
            ),
            "app/my-lb/50dc6c495c0c9188"
        );
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-tg/73e2d6bc24d8a067"
            ),
            "targetgroup/my-tg/73e2d6bc24d8a067"
        );
    }
}
