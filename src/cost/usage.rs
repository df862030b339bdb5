//! Usage assumptions (`usage:` in fintech.yaml): what the bill depends on besides the resources.
//! Every key has a documented default, and the estimate prints the values it used.

use std::collections::BTreeMap;

use serde_json::Value;

/// (key, default, what it means).
pub const KEYS: &[(&str, f64, &str)] = &[
    (
        "api_requests_per_month",
        1_000_000.0,
        "requests to the API (Lambda invocations, API Gateway or ALB requests)",
    ),
    ("avg_duration_ms", 120.0, "average API request duration"),
    (
        "scheduled_job_duration_ms",
        20_000.0,
        "average run of a scheduled function (the daily ingestion)",
    ),
    ("data_out_gb", 20.0, "data CloudFront serves to viewers"),
    (
        "nat_gb_per_month",
        5.0,
        "data a dedicated network's private subnets send out through its NAT gateway (market data, image pulls)",
    ),
    (
        "cdn_requests_per_month",
        3_000_000.0,
        "requests CloudFront serves (pages, assets and API calls)",
    ),
    ("site_storage_gb", 0.1, "static site stored in S3"),
    (
        "artifact_storage_gb",
        0.0,
        "Lambda zips over 50 MB kept in the artifact bucket",
    ),
    (
        "s3_get_requests_per_month",
        100_000.0,
        "CloudFront cache misses fetched from the bucket",
    ),
    (
        "s3_put_requests_per_month",
        1_000.0,
        "uploads and listings by deploys",
    ),
    (
        "invalidation_paths_per_month",
        200.0,
        "CloudFront paths invalidated by deploys",
    ),
    (
        "log_gb_per_month",
        1.0,
        "CloudWatch Logs ingested by the functions or tasks",
    ),
    (
        "secret_api_calls_per_month",
        50_000.0,
        "Secrets Manager reads (cold starts, task starts)",
    ),
    ("image_storage_gb", 0.5, "container images kept in ECR"),
    (
        "alert_emails_per_month",
        100.0,
        "e-mails the alarms' topic sends (each alarm state change, to each address)",
    ),
    (
        "api_kb_per_request",
        10.0,
        "request and response bytes through the load balancer, per API request (KB)",
    ),
    (
        "requests_per_connection",
        10.0,
        "API requests per connection to the load balancer (CloudFront keeps them open)",
    ),
    (
        "connection_seconds",
        10.0,
        "how long a connection to the load balancer stays open",
    ),
    (
        "hours_per_month",
        730.0,
        "hours billed per month for always-on resources",
    ),
];

/// The assumptions in force: fintech.yaml's values over the defaults.
#[derive(Debug, Clone)]
pub struct Usage(BTreeMap<&'static str, f64>);

impl Usage {
    pub fn new(given: &BTreeMap<String, Value>) -> Usage {
        Usage(
            KEYS.iter()
                .map(|(k, d, _)| (*k, given.get(*k).and_then(Value::as_f64).unwrap_or(*d)))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> f64 {
        self.0
            .get(key)
            .copied()
            .unwrap_or_else(|| panic!("usage key {key} is declared in KEYS"))
    }

    pub fn all(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }
}
