//! `fintech cost`: the monthly bill estimated from the desired graph alone (no AWS call), per service,
//! for the first year and after it, from a price catalog shipped with the product.

pub mod catalog;
pub mod delta;
pub mod estimate;
pub mod free_tier;
pub mod render;
pub mod usage;

pub use catalog::Catalog;

/// How a resource type is billed: each driver names its model, and the estimator prices each model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pricing {
    /// No charge of its own (or billed through another resource).
    Free,
    /// RDS instance-hours and storage.
    Database,
    /// ElastiCache node-hours.
    Cache,
    /// Lambda requests and GB-seconds, by who invokes it.
    Function,
    /// API Gateway HTTP API requests (and its routes say which functions serve the API).
    HttpApi,
    /// CloudFront data out, requests and invalidations (and its bucket serves a site).
    Cdn,
    /// S3 storage and requests.
    Bucket,
    /// Free itself; says how often its function runs.
    Schedule,
    /// One secret a month.
    Secret,
    /// Budget-days.
    Budget,
    /// Fargate vCPU- and GB-hours, and task addresses.
    Fargate,
    /// ALB hours, LCUs and addresses.
    LoadBalancer,
    /// Interface endpoint hours.
    VpcEndpoint,
    /// ECR storage.
    Registry,
    /// CloudWatch alarm-months.
    Alarm,
    /// SNS e-mail notifications.
    Topic,
    /// WAF web ACL-months, rules and requests.
    WebAcl,
    /// RDS instance-hours, and storage as large as its source's.
    Replica,
    /// Route 53 hosted zone-months.
    HostedZone,
    /// A dedicated network's way out: a NAT gateway's hours, data and address, or a NAT
    /// instance's hours, volume and address.
    Network,
    /// RDS Proxy vCPU-hours, by the vCPUs of the instance it fronts.
    Proxy,
}
pub use estimate::{FreeTier, estimate};
