//! The estimate: line items per resource from the desired graph, usage and catalog, then the free
//! tier applied per price key (allowances are per account and month, shared by every resource).

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use super::Pricing;
use super::catalog::{Allowance, Catalog};
use super::free_tier::Choice;
use super::usage::Usage;
use crate::model::{Desired, Resource};
use crate::spec::expr;

/// Which free tier the account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum FreeTier {
    /// Accounts created before 2025-07-15, in their first 12 months: 12-month allowances plus the
    /// always-free ones.
    Legacy,
    /// Accounts created on or after 2025-07-15, on the free plan: credits instead of 12-month
    /// allowances, plus the always-free ones.
    Credits,
    /// Past either: the always-free offers only (every account has them).
    None,
}

/// One billed quantity.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub service: &'static str,
    pub resource: String,
    pub item: String,
    /// The catalog key the price comes from.
    pub key: String,
    pub quantity: f64,
    pub unit: &'static str,
    pub unit_price: f64,
    /// Where the price comes from, as the catalog says: its unit, source and date.
    pub price_unit: String,
    pub price_source: String,
    pub price_date: String,
    /// quantity × unit_price, before any free tier.
    pub list: f64,
    /// After the free tier of the first year (the 12-month tier for legacy accounts).
    pub first_year: f64,
    /// After the first year (always-free allowances only).
    pub after: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub app: String,
    pub stage: String,
    pub option: String,
    pub region: String,
    pub free_tier: FreeTier,
    /// Why that tier: the account's creation date and today's, or the command line.
    pub free_tier_why: String,
    pub usage: BTreeMap<&'static str, f64>,
    pub lines: Vec<Line>,
    pub total_list: f64,
    pub total_first_year: f64,
    pub total_after: f64,
    /// Credits plan: months the sign-up credits cover at the first-year rate (at most the plan's length).
    pub credit_months: Option<f64>,
    pub budget_usd: Option<f64>,
}

/// The services of several estimates in the order they list them (those of the first, then any
/// new in the next), each with every estimate's (first year, after): 0 where it has none.
pub fn services(all: &[&Estimate]) -> Vec<(&'static str, Vec<(f64, f64)>)> {
    let mut out: Vec<(&'static str, Vec<(f64, f64)>)> = Vec::new();
    for (k, e) in all.iter().enumerate() {
        for l in &e.lines {
            let i = match out.iter().position(|(s, _)| *s == l.service) {
                Some(i) => i,
                None => {
                    out.push((l.service, vec![(0.0, 0.0); all.len()]));
                    out.len() - 1
                }
            };
            out[i].1[k].0 += l.first_year;
            out[i].1[k].1 += l.after;
        }
    }
    out
}

/// Services in the order the estimate lists them: compute, data, edge, the rest.
const SERVICES: &[&str] = &[
    "Lambda",
    "API Gateway",
    "Fargate",
    "Load balancer",
    "ECR",
    "RDS",
    "RDS Proxy",
    "ElastiCache",
    "CloudFront",
    "WAF",
    "S3",
    "Public IPv4",
    "VPC endpoints",
    "NAT gateway",
    "NAT instance",
    "Secrets Manager",
    "CloudWatch Logs",
    "CloudWatch alarms",
    "SNS",
    "Budgets",
];

/// (free-tier key, the price keys it covers, line units per allowance unit).
const FREE: &[(&str, &[&str], f64)] = &[
    ("lambda.requests", &["lambda.requests"], 1e-6),
    (
        "lambda.gb_seconds",
        &["lambda.gb_second.x86_64", "lambda.gb_second.arm64"],
        1.0,
    ),
    ("cloudfront.data_out", &["cloudfront.data_out"], 1000.0),
    (
        "cloudfront.https_requests",
        &["cloudfront.https_requests"],
        1e-4,
    ),
    (
        "cloudfront.invalidation_paths",
        &["cloudfront.invalidation_path"],
        1.0,
    ),
    ("cloudwatch.logs", &["cloudwatch.logs_ingestion"], 1.0),
    (
        "rds.instance_hours.db.t3.micro",
        &["rds.postgres.db.t3.micro", "rds.postgres.db.t4g.micro"],
        1.0,
    ),
    ("rds.storage", &["rds.storage.gp2", "rds.storage.gp3"], 1.0),
    ("rds.backup_storage", &["rds.backup_storage"], 1.0),
    (
        "elasticache.node_hours.cache.t3.micro",
        &["elasticache.cache.t3.micro"],
        1.0,
    ),
    ("s3.storage.standard", &["s3.storage.standard"], 1.0),
    ("s3.get_requests", &["s3.get_requests"], 1e-3),
    ("s3.put_requests", &["s3.put_requests"], 1e-3),
    (
        "apigateway.http.requests",
        &["apigateway.http.requests"],
        1e-6,
    ),
    ("alb.hours", &["alb.hour"], 1.0),
    ("alb.lcu", &["alb.lcu_hour"], 1.0),
    ("ecr.storage", &["ecr.storage"], 1.0),
    ("cloudwatch.alarms", &["cloudwatch.alarm"], 1.0),
    ("sns.email", &["sns.email"], 1e-5),
    // The 12-month tier's 750 public IPv4 address-hours are EC2 instances' only: the addresses of
    // load balancers, NAT gateways and Fargate tasks are billed from the first hour. A NAT
    // instance's address is the one line priced as an instance's.
    ("ec2.public_ipv4", &["ec2.public_ipv4.instance"], 1.0),
    ("ec2.instance_hours.t3.micro", &["ec2.t3.micro"], 1.0),
    ("ebs.storage", &["ebs.gp3"], 1.0),
];

struct Builder<'a> {
    catalog: &'a Catalog,
    region: &'a str,
    lines: Vec<Line>,
}

impl Builder<'_> {
    fn add(
        &mut self,
        service: &'static str,
        r: &Resource,
        item: String,
        key: String,
        quantity: f64,
        unit: &'static str,
    ) -> Result<()> {
        self.add_for(service, &r.id, item, key, quantity, unit)
    }

    fn add_for(
        &mut self,
        service: &'static str,
        resource: &str,
        item: String,
        key: String,
        quantity: f64,
        unit: &'static str,
    ) -> Result<()> {
        let price = self.catalog.price(self.region, &key)?;
        let (unit_price, list) = (price.price, quantity * price.price);
        self.lines.push(Line {
            service,
            resource: resource.to_string(),
            item,
            key,
            quantity,
            unit,
            unit_price,
            price_unit: price.unit.clone(),
            price_source: price.source.clone(),
            price_date: price.date.clone(),
            list,
            first_year: list,
            after: list,
        });
        Ok(())
    }
}

fn num(r: &Resource, k: &str) -> f64 {
    r.props.get(k).and_then(Value::as_f64).unwrap_or_default()
}

fn text<'a>(r: &'a Resource, k: &str) -> &'a str {
    r.props.get(k).and_then(Value::as_str).unwrap_or_default()
}

/// Whether a service's tasks hold public addresses: its `assign_public_ip`, or, where that names a
/// network's `public_ip` (known once the network is read), what the network's mode makes it: the
/// default VPC's tasks need one to reach ECR, a dedicated network's go through its NAT.
fn public_ip(d: &Desired, r: &Resource) -> bool {
    match r.props.get("assign_public_ip") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s
            .strip_prefix("${")
            .and_then(|s| s.strip_suffix(".public_ip}"))
            .and_then(|id| d.resources.get(id))
            .is_some_and(|n| text(n, "mode") != "dedicated"),
        _ => false,
    }
}

/// The price of an RDS instance's storage: gp2's, or gp3's (io1/io2 are priced as gp3 here).
fn storage_type(r: &Resource) -> &'static str {
    if text(r, "storage_type") == "gp2" {
        "gp2"
    } else {
        "gp3"
    }
}

/// Ids of the resources referenced anywhere in `v`.
fn referenced(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => expr::refs(s).into_iter().map(|p| p[0].clone()).collect(),
        Value::Array(a) => a.iter().flat_map(referenced).collect(),
        Value::Object(m) => m.values().flat_map(referenced).collect(),
        _ => Vec::new(),
    }
}

/// Estimates the monthly bill of `d` (no AWS call).
pub fn estimate(
    d: &Desired,
    catalog: &Catalog,
    tier: Choice,
    budget_usd: Option<f64>,
) -> Result<Estimate> {
    let Choice { tier, why } = tier;
    let usage = Usage::new(&d.usage);
    let hours = usage.get("hours_per_month");
    let mut b = Builder {
        catalog,
        region: &d.region,
        lines: Vec::new(),
    };
    // Who invokes each function: the API's routes, or a schedule (with its runs per month).
    let mut api_fns = Vec::new();
    let mut site_buckets = Vec::new();
    let mut scheduled: BTreeMap<String, f64> = BTreeMap::new();
    for r in d.resources.values() {
        match r.schema.driver.pricing() {
            Pricing::HttpApi => {
                api_fns.extend(r.props.get("routes").map(referenced).unwrap_or_default())
            }
            Pricing::Cdn => {
                site_buckets.extend(r.props.get("bucket").map(referenced).unwrap_or_default())
            }
            Pricing::Schedule => {
                for f in r.props.get("function").map(referenced).unwrap_or_default() {
                    *scheduled.entry(f).or_default() += runs_per_month(text(r, "schedule"));
                }
            }
            Pricing::Free
            | Pricing::Database
            | Pricing::Cache
            | Pricing::Function
            | Pricing::Bucket
            | Pricing::Secret
            | Pricing::Budget
            | Pricing::Fargate
            | Pricing::LoadBalancer
            | Pricing::VpcEndpoint
            | Pricing::Registry
            | Pricing::Alarm
            | Pricing::Topic
            | Pricing::WebAcl
            | Pricing::Replica
            | Pricing::HostedZone
            | Pricing::Network
            | Pricing::Proxy => {}
        }
    }
    let mut logs = false;
    for r in d.order.iter().filter_map(|id| d.resources.get(id)) {
        match r.schema.driver.pricing() {
            Pricing::Database => {
                let class = text(r, "instance_class");
                let multi = r
                    .props
                    .get("multi_az")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let factor = if multi {
                    catalog.price(&d.region, "rds.multi_az_factor")?.price
                } else {
                    1.0
                };
                let az = if multi { "Multi-AZ" } else { "Single-AZ" };
                b.add(
                    "RDS",
                    r,
                    format!("{class} {az}"),
                    format!("rds.postgres.{class}"),
                    hours * factor,
                    "instance-hours",
                )?;
                let storage = num(r, "storage_gb");
                let st = storage_type(r);
                b.add(
                    "RDS",
                    r,
                    format!("{st} storage"),
                    format!("rds.storage.{st}"),
                    storage * if multi { 2.0 } else { 1.0 },
                    "GB-months",
                )?;
                b.add(
                    "Secrets Manager",
                    r,
                    "master password (managed by RDS)".into(),
                    "secretsmanager.secret".into(),
                    1.0,
                    "secrets",
                )?;
            }
            Pricing::Replica => {
                let class = text(r, "instance_class");
                b.add(
                    "RDS",
                    r,
                    format!("{class} read replica"),
                    format!("rds.postgres.{class}"),
                    hours,
                    "instance-hours",
                )?;
                // A replica's storage is its source's size and type.
                let source = r
                    .props
                    .get("source")
                    .map(referenced)
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|id| d.resources.get(&id));
                if let Some(src) = source {
                    let st = storage_type(src);
                    b.add(
                        "RDS",
                        r,
                        format!("{st} storage (as its source)"),
                        format!("rds.storage.{st}"),
                        num(src, "storage_gb"),
                        "GB-months",
                    )?;
                }
            }
            Pricing::Proxy => {
                // Billed by the vCPUs of the instance it fronts, 2 at the least.
                let target = r
                    .props
                    .get("target")
                    .map(referenced)
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|id| d.resources.get(&id));
                let class = target.map(|t| text(t, "instance_class"));
                let vcpus = class.map_or(2.0, instance_vcpus).max(2.0);
                b.add(
                    "RDS Proxy",
                    r,
                    format!("{vcpus} vCPUs (of {})", class.unwrap_or("its instance")),
                    "rds.proxy.vcpu_hour".into(),
                    vcpus * hours,
                    "vCPU-hours",
                )?;
            }
            Pricing::Cache => {
                let node = text(r, "node_type");
                b.add(
                    "ElastiCache",
                    r,
                    format!("{node} node"),
                    format!("elasticache.{node}"),
                    hours,
                    "node-hours",
                )?;
            }
            Pricing::Function => {
                logs = true;
                let (calls, ms, why) = if let Some(runs) = scheduled.get(&r.id) {
                    (
                        *runs,
                        usage.get("scheduled_job_duration_ms"),
                        "scheduled runs",
                    )
                } else if api_fns.contains(&r.id) {
                    (
                        usage.get("api_requests_per_month"),
                        usage.get("avg_duration_ms"),
                        "API requests",
                    )
                } else {
                    (0.0, 0.0, "not invoked by the stack")
                };
                let arch = text(r, "architecture");
                let gb = num(r, "memory_mb") / 1024.0;
                b.add(
                    "Lambda",
                    r,
                    format!("requests ({why})"),
                    "lambda.requests".into(),
                    calls / 1e6,
                    "M requests",
                )?;
                b.add(
                    "Lambda",
                    r,
                    format!("compute {} MB × {ms:.0} ms ({arch})", num(r, "memory_mb")),
                    format!("lambda.gb_second.{arch}"),
                    calls * gb * ms / 1000.0,
                    "GB-seconds",
                )?;
            }
            Pricing::HttpApi => {
                b.add(
                    "API Gateway",
                    r,
                    "HTTP API requests".into(),
                    "apigateway.http.requests".into(),
                    usage.get("api_requests_per_month") / 1e6,
                    "M requests",
                )?;
            }
            Pricing::Cdn => {
                b.add(
                    "CloudFront",
                    r,
                    "data out to viewers".into(),
                    "cloudfront.data_out".into(),
                    usage.get("data_out_gb"),
                    "GB",
                )?;
                b.add(
                    "CloudFront",
                    r,
                    "HTTPS requests".into(),
                    "cloudfront.https_requests".into(),
                    usage.get("cdn_requests_per_month") / 1e4,
                    "10k requests",
                )?;
                b.add(
                    "CloudFront",
                    r,
                    "invalidation paths".into(),
                    "cloudfront.invalidation_path".into(),
                    usage.get("invalidation_paths_per_month"),
                    "paths",
                )?;
            }
            Pricing::Bucket if !site_buckets.contains(&r.id) => {
                b.add(
                    "S3",
                    r,
                    "standard storage (artifacts)".into(),
                    "s3.storage.standard".into(),
                    usage.get("artifact_storage_gb"),
                    "GB-months",
                )?;
            }
            Pricing::Bucket => {
                b.add(
                    "S3",
                    r,
                    "standard storage".into(),
                    "s3.storage.standard".into(),
                    usage.get("site_storage_gb"),
                    "GB-months",
                )?;
                b.add(
                    "S3",
                    r,
                    "GET requests".into(),
                    "s3.get_requests".into(),
                    usage.get("s3_get_requests_per_month") / 1e3,
                    "1k requests",
                )?;
                b.add(
                    "S3",
                    r,
                    "PUT/LIST requests".into(),
                    "s3.put_requests".into(),
                    usage.get("s3_put_requests_per_month") / 1e3,
                    "1k requests",
                )?;
            }
            Pricing::Secret => {
                b.add(
                    "Secrets Manager",
                    r,
                    "secret".into(),
                    "secretsmanager.secret".into(),
                    1.0,
                    "secrets",
                )?;
            }
            Pricing::Budget => {
                b.add(
                    "Budgets",
                    r,
                    "budget without actions".into(),
                    "budgets.budget_day.no_actions".into(),
                    30.42,
                    "budget-days",
                )?;
            }
            Pricing::Fargate => {
                logs = true;
                let tasks = num(r, "desired_count");
                let vcpu = text(r, "cpu").parse::<f64>().unwrap_or(256.0) / 1024.0;
                let gb = num(r, "memory_mb") / 1024.0;
                let arch = if text(r, "architecture") == "arm64" {
                    ".arm64"
                } else {
                    ""
                };
                b.add(
                    "Fargate",
                    r,
                    format!("{tasks} task(s) × {vcpu} vCPU"),
                    format!("fargate.vcpu_hour{arch}"),
                    tasks * vcpu * hours,
                    "vCPU-hours",
                )?;
                b.add(
                    "Fargate",
                    r,
                    format!("{tasks} task(s) × {gb} GB"),
                    format!("fargate.gb_hour{arch}"),
                    tasks * gb * hours,
                    "GB-hours",
                )?;
                if public_ip(d, r) {
                    b.add(
                        "Public IPv4",
                        r,
                        format!("{tasks} task address(es)"),
                        "ec2.public_ipv4".into(),
                        tasks * hours,
                        "address-hours",
                    )?;
                }
            }
            Pricing::LoadBalancer => {
                let azs = num(r, "az_count");
                b.add(
                    "Load balancer",
                    r,
                    "ALB hours".into(),
                    "alb.hour".into(),
                    hours,
                    "ALB-hours",
                )?;
                let lcu = load_balancer_lcus(&usage);
                b.add(
                    "Load balancer",
                    r,
                    format!("{lcu:.3} LCU on average, from the usage"),
                    "alb.lcu_hour".into(),
                    lcu * hours,
                    "LCU-hours",
                )?;
                b.add(
                    "Public IPv4",
                    r,
                    format!("ALB address in each of {azs} AZs"),
                    "ec2.public_ipv4".into(),
                    azs * hours,
                    "address-hours",
                )?;
            }
            Pricing::VpcEndpoint => {
                let azs = num(r, "az_count");
                b.add(
                    "VPC endpoints",
                    r,
                    format!("{} interface in {azs} AZ(s)", text(r, "service")),
                    "vpc.interface_endpoint.hour".into(),
                    azs * hours,
                    "endpoint-hours",
                )?;
            }
            Pricing::Registry => {
                b.add(
                    "ECR",
                    r,
                    "image storage".into(),
                    "ecr.storage".into(),
                    usage.get("image_storage_gb"),
                    "GB-months",
                )?;
            }
            Pricing::Alarm => {
                b.add(
                    "CloudWatch alarms",
                    r,
                    "standard-resolution alarm".into(),
                    "cloudwatch.alarm".into(),
                    1.0,
                    "alarm-months",
                )?;
            }
            Pricing::Network => {
                // The default VPC and a dedicated one cost nothing; their way out does.
                if text(r, "mode") == "dedicated" && text(r, "nat") == "gateway" {
                    b.add(
                        "NAT gateway",
                        r,
                        "NAT gateway".into(),
                        "nat.hour".into(),
                        hours,
                        "gateway-hours",
                    )?;
                    b.add(
                        "NAT gateway",
                        r,
                        "data the private subnets send out".into(),
                        "nat.gb".into(),
                        usage.get("nat_gb_per_month"),
                        "GB",
                    )?;
                    b.add(
                        "Public IPv4",
                        r,
                        "the NAT gateway's address".into(),
                        "ec2.public_ipv4".into(),
                        hours,
                        "address-hours",
                    )?;
                }
                if text(r, "mode") == "dedicated" && text(r, "nat") == "instance" {
                    // No charge per GB through an instance (only the usual transfer out).
                    let kind = text(r, "nat_instance_type");
                    b.add(
                        "NAT instance",
                        r,
                        format!("{kind} instance"),
                        format!("ec2.{kind}"),
                        hours,
                        "instance-hours",
                    )?;
                    b.add(
                        "NAT instance",
                        r,
                        "root volume (Amazon Linux 2023's 8 GB, gp3)".into(),
                        "ebs.gp3".into(),
                        8.0,
                        "GB-months",
                    )?;
                    b.add(
                        "Public IPv4",
                        r,
                        "the NAT instance's address".into(),
                        "ec2.public_ipv4.instance".into(),
                        hours,
                        "address-hours",
                    )?;
                }
            }
            Pricing::HostedZone => {
                b.add(
                    "Route 53",
                    r,
                    "hosted zone (alias queries to CloudFront and the balancer are free)".into(),
                    "route53.hosted_zone".into(),
                    1.0,
                    "zone-months",
                )?;
            }
            Pricing::Topic => {
                b.add(
                    "SNS",
                    r,
                    "e-mail notifications".into(),
                    "sns.email".into(),
                    usage.get("alert_emails_per_month") / 1e5,
                    "100k e-mails",
                )?;
            }
            Pricing::WebAcl => {
                let rules = r
                    .props
                    .get("managed_rules")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len) as f64
                    + 1.0; // the rate limit
                b.add(
                    "WAF",
                    r,
                    "web ACL".into(),
                    "waf.web_acl".into(),
                    1.0,
                    "ACL-months",
                )?;
                b.add(
                    "WAF",
                    r,
                    format!("{rules} rules (managed groups and the rate limit)"),
                    "waf.rule".into(),
                    rules,
                    "rule-months",
                )?;
                b.add(
                    "WAF",
                    r,
                    "requests inspected".into(),
                    "waf.requests".into(),
                    usage.get("cdn_requests_per_month") / 1e6,
                    "M requests",
                )?;
            }
            Pricing::Free | Pricing::Schedule => {}
        }
    }
    if logs {
        let gb = usage.get("log_gb_per_month");
        b.add_for(
            "CloudWatch Logs",
            "(all)",
            "log ingestion".into(),
            "cloudwatch.logs_ingestion".into(),
            gb,
            "GB",
        )?;
        b.add_for(
            "CloudWatch Logs",
            "(all)",
            "log storage".into(),
            "cloudwatch.logs_storage".into(),
            gb,
            "GB-months",
        )?;
    }
    if b.lines.iter().any(|l| l.key == "secretsmanager.secret") {
        let calls = usage.get("secret_api_calls_per_month") / 1e4;
        b.add_for(
            "Secrets Manager",
            "(all)",
            "API calls".into(),
            "secretsmanager.api_calls".into(),
            calls,
            "10k calls",
        )?;
    }
    let mut lines = b.lines;
    lines.sort_by_key(|l| {
        SERVICES
            .iter()
            .position(|s| *s == l.service)
            .unwrap_or(SERVICES.len())
    });
    let free = &catalog.free_tier;
    match tier {
        FreeTier::Legacy => {
            apply(&mut lines, &free.always_free, |l| &mut l.first_year);
            apply(&mut lines, &free.legacy_12_month, |l| &mut l.first_year);
            apply(&mut lines, &free.always_free, |l| &mut l.after);
        }
        FreeTier::Credits | FreeTier::None => {
            apply(&mut lines, &free.always_free, |l| &mut l.first_year);
            apply(&mut lines, &free.always_free, |l| &mut l.after);
        }
    }
    let total = |f: fn(&Line) -> f64| lines.iter().map(f).sum::<f64>();
    let (total_list, total_first_year, total_after) = (
        total(|l| l.list),
        total(|l| l.first_year),
        total(|l| l.after),
    );
    let credit_months = (tier == FreeTier::Credits).then(|| {
        let credits = free.credits.amount_usd + free.credits.extra_usd;
        if total_first_year <= 0.0 {
            free.credits.months
        } else {
            (credits / total_first_year).min(free.credits.months)
        }
    });
    Ok(Estimate {
        app: d.app.clone(),
        stage: d.stage.clone(),
        option: d.option.clone(),
        region: d.region.clone(),
        free_tier: tier,
        free_tier_why: why,
        usage: usage.all().collect(),
        lines,
        total_list,
        total_first_year,
        total_after,
        credit_months,
        budget_usd,
    })
}

/// The vCPUs of an RDS instance class, from its size: up to `large` 2, `xlarge` 4, `Nxlarge` 4N
/// (the burstable and general-purpose classes alike).
fn instance_vcpus(class: &str) -> f64 {
    let size = class.rsplit('.').next().unwrap_or_default();
    match size.strip_suffix("xlarge") {
        Some("") => 4.0,
        Some(n) => n.parse::<f64>().map_or(2.0, |n| 4.0 * n),
        None => 2.0,
    }
}

/// Load balancer capacity units in use on average: an ALB bills, each hour, the highest of its
/// dimensions per LCU — 25 new connections/s, 3,000 active connections per minute, 1 GB processed
/// (EC2/IP targets), 1,000 rule evaluations/s beyond the first 10 rules of each request (the stack's
/// balancers have fewer, so that one is zero).
pub fn load_balancer_lcus(usage: &Usage) -> f64 {
    let per_second = usage.get("api_requests_per_month") / (usage.get("hours_per_month") * 3600.0);
    let new_connections = per_second / usage.get("requests_per_connection").max(1.0);
    let active = new_connections * usage.get("connection_seconds");
    let gb_per_hour = per_second * 3600.0 * usage.get("api_kb_per_request") / 1e6;
    [new_connections / 25.0, active / 3000.0, gb_per_hour / 1.0]
        .into_iter()
        .fold(0.0, f64::max)
}

/// Subtracts each allowance from the lines it covers (in line order), on the column `col` picks.
fn apply(
    lines: &mut [Line],
    allowances: &BTreeMap<String, Allowance>,
    col: fn(&mut Line) -> &mut f64,
) {
    for (free_key, keys, per_unit) in FREE {
        let Some(a) = allowances.get(*free_key) else {
            continue;
        };
        let mut left = a.quantity * per_unit; // the allowance in the lines' units
        for l in lines.iter_mut().filter(|l| keys.contains(&l.key.as_str())) {
            let billed = *col(l) / l.unit_price.max(f64::MIN_POSITIVE);
            let covered = billed.min(left);
            left -= covered;
            *col(l) = ((billed - covered) * l.unit_price).max(0.0);
        }
    }
}

/// Runs per month of an EventBridge schedule expression (validated already).
pub fn runs_per_month(expr: &str) -> f64 {
    const DAYS: f64 = 30.42;
    if let Some(body) = expr.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
        let mut it = body.split_whitespace();
        let n: f64 = it.next().and_then(|n| n.parse().ok()).unwrap_or(1.0);
        let per_day = match it.next().unwrap_or("day").trim_end_matches('s') {
            "minute" => 1440.0,
            "hour" => 24.0,
            _ => 1.0,
        };
        return DAYS * per_day / n;
    }
    let body = expr.trim_start_matches("cron(").trim_end_matches(')');
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() != 6 {
        return DAYS;
    }
    let count = |field: &str, all: f64| -> f64 {
        field
            .split(',')
            .map(|item| {
                let (range, step) = item
                    .split_once('/')
                    .map_or((item, 1.0), |(r, s)| (r, s.parse().unwrap_or(1.0)));
                let span = match range.split_once('-') {
                    _ if range == "*" || range == "?" => all,
                    Some((a, b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
                        (Ok(a), Ok(b)) => b - a + 1.0,
                        _ => all / 2.0,
                    },
                    None if step > 1.0 => all,
                    None => 1.0,
                };
                (span / step).ceil().max(1.0)
            })
            .sum()
    };
    let days = match (f[2], f[4]) {
        ("?" | "*", "?" | "*") => DAYS,
        ("?" | "*", dow) => count(dow, 7.0) * DAYS / 7.0,
        (dom, _) => count(dom, DAYS).min(DAYS),
    };
    count(f[0], 60.0) * count(f[1], 24.0) * days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_vcpus_follow_the_size() {
        for (class, vcpus) in [
            ("db.t3.micro", 2.0),
            ("db.t4g.large", 2.0),
            ("db.m6g.xlarge", 4.0),
            ("db.r6i.2xlarge", 8.0),
            ("db.r7g.16xlarge", 64.0),
        ] {
            assert_eq!(instance_vcpus(class), vcpus, "{class}");
        }
    }

    #[test]
    fn load_balancer_capacity_comes_from_the_busiest_dimension() {
        let at = |requests: f64, kb: f64, per_conn: f64| {
            let given = [
                ("api_requests_per_month", requests),
                ("api_kb_per_request", kb),
                ("requests_per_connection", per_conn),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::from(v)))
            .collect();
            load_balancer_lcus(&Usage::new(&given))
        };
        // 1M requests a month of 10 KB: 13.7 MB an hour, far below 1 GB: not the flat 1 LCU.
        let small = at(1e6, 10.0, 10.0);
        assert!((small - 1e6 * 10.0 / 1e6 / 730.0).abs() < 1e-9, "{small}");
        // 100 requests/s of 10 KB: 3.6 GB an hour, 3.6 LCU.
        let busy = at(100.0 * 3600.0 * 730.0, 10.0, 10.0);
        assert!((busy - 3.6).abs() < 1e-9, "{busy}");
        // Tiny requests, one per connection: 100 new connections/s weigh 4 LCU.
        let chatty = at(100.0 * 3600.0 * 730.0, 0.1, 1.0);
        assert!((chatty - 4.0).abs() < 1e-9, "{chatty}");
    }

    #[test]
    fn schedules_become_runs_per_month() {
        assert!((runs_per_month("cron(0 6 * * ? *)") - 30.42).abs() < 1e-9);
        assert!((runs_per_month("rate(1 hour)") - 730.08).abs() < 1e-6);
        assert!(
            (runs_per_month("cron(0/15 8-17 ? * 2-6 *)") - 4.0 * 10.0 * 30.42 * 5.0 / 7.0).abs()
                < 1e-6
        );
    }
}
