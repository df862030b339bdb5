//! AWS's published request rates, kept on our side: every attempt of every call waits for a token
//! of its service's bucket (reads and writes apart, or one bucket per action where AWS counts per
//! action), so however wide `--parallelism` opens, a deploy stays under the rates AWS throttles at.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// A token bucket: `burst` tokens at most, `per_second` added each second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

const fn rate(per_second: f64, burst: f64) -> Rate {
    Rate { per_second, burst }
}

/// The buckets a call of `action` (a write when `writes`) to `service` takes a token from, each
/// named and with its rate. AWS's published figures (all per account and region) where there are
/// some; where there are none, what the Terraform provider's users were throttled at, or less
/// (README, "Request rates", gives the sources).
pub fn buckets(service: &str, action: &str, writes: bool) -> Vec<(String, Rate)> {
    let one = |key: &str, r: Rate| vec![(key.to_string(), r)];
    let own = |r: Rate| vec![(action.to_string(), r)];
    match service {
        // "Request throttling for the Amazon EC2 API": a bucket per action, sized by its category.
        "ec2" if action == "CreateTags" => own(rate(10.0, 100.0)),
        "ec2" if writes => own(rate(5.0, 50.0)),
        "ec2" => own(rate(20.0, 100.0)),
        // "Lambda quotas": GetFunction 100 per s, GetPolicy 15, every other control-plane call
        // 15 per s together.
        "lambda" => match lambda_own_read(action) {
            Some((key, r)) => one(key, r),
            None => one("control-plane", rate(15.0, 15.0)),
        },
        // "Amazon API Gateway quotas": 10 management requests per s, burst 40.
        "apigatewayv2" => one("management", rate(10.0, 40.0)),
        // "Amazon EventBridge quotas": 50 per s for every API but PutEvents.
        "eventbridge" => one("control-plane", rate(50.0, 50.0)),
        // "AWS Secrets Manager quotas": 50 per s per write action, ListSecrets 100,
        // DescribeSecret and GetSecretValue 10 000.
        "secretsmanager" if writes => own(rate(50.0, 50.0)),
        "secretsmanager" if action == "ListSecrets" => own(rate(100.0, 100.0)),
        "secretsmanager" => one("describe-get", rate(1000.0, 1000.0)),
        // "CloudWatch Logs quotas": per action; 10 per s for the log-group calls, 5 for the rest
        // fintech makes (PutRetentionPolicy, tagging).
        "cloudwatchlogs" => match action {
            "DescribeLogGroups" | "CreateLogGroup" | "DeleteLogGroup" => own(rate(10.0, 10.0)),
            _ => own(rate(5.0, 5.0)),
        },
        // "CloudWatch service quotas": PutMetricAlarm and DeleteAlarms 3 per s, DescribeAlarms 9,
        // tagging 20 (per account and region).
        "cloudwatch" => match action {
            "PutMetricAlarm" | "DeleteAlarms" => own(rate(3.0, 3.0)),
            "DescribeAlarms" => own(rate(9.0, 9.0)),
            _ => own(rate(20.0, 20.0)),
        },
        // "Amazon SNS endpoints and quotas": Subscribe, Unsubscribe and GetTopicAttributes 100 per
        // s, the listings 30 (us-east-1's figures; other regions' are lower); the topic writes are
        // kept at 10.
        "sns" => match action {
            "Subscribe" | "Unsubscribe" | "GetTopicAttributes" => own(rate(100.0, 100.0)),
            "ListTopics" | "ListSubscriptionsByTopic" | "ListTagsForResource" => {
                own(rate(30.0, 30.0))
            }
            _ => own(rate(10.0, 10.0)),
        },
        // "AWS WAF quotas": each Create, Put or Update action 1 call per s, each Get or List action
        // 5 (per account, where no other quota is given).
        "wafv2" if writes => own(rate(1.0, 1.0)),
        "wafv2" => own(rate(5.0, 5.0)),
        // "Route 53 quotas": 5 requests per second per account, all APIs together.
        "route53" => one("account", rate(5.0, 5.0)),
        // "ACM quotas": RequestCertificate 5 per s, DescribeCertificate 10, ListCertificates 8,
        // the others (tags, delete) 10 or more.
        "acm" => match action {
            "RequestCertificate" => own(rate(5.0, 5.0)),
            "ListCertificates" => own(rate(8.0, 8.0)),
            _ => own(rate(10.0, 10.0)),
        },
        // Application Auto Scaling: unpublished; kept low, a handful of calls per deploy.
        "applicationautoscaling" if writes => one("modify", rate(5.0, 10.0)),
        "applicationautoscaling" => one("read", rate(10.0, 20.0)),
        // "Request throttling for the Amazon ECS API": a bucket per category.
        "ecs" => match action {
            "DescribeServices" | "ListServices" => one("service-read", rate(20.0, 100.0)),
            "CreateService" | "UpdateService" | "DeleteService" => {
                one("service-modify", rate(5.0, 50.0))
            }
            "RegisterTaskDefinition" | "DeregisterTaskDefinition" => {
                one("task-definition-modify", rate(1.0, 20.0))
            }
            "TagResource" | "UntagResource" => one("tag-modify", rate(10.0, 20.0)),
            _ if writes => one("cluster-modify", rate(1.0, 20.0)),
            _ => one("read", rate(20.0, 50.0)),
        },
        // "Request throttling for the ELB API": a bucket per category, and every call also from
        // one account-wide bucket.
        "elasticloadbalancingv2" => {
            let category = match action {
                "CreateLoadBalancer" | "SetSubnets" => ("load-balancer", rate(0.2, 10.0)),
                "RegisterTargets" | "DeregisterTargets" => ("targets", rate(4.0, 20.0)),
                _ if writes => ("modify", rate(3.0, 20.0)),
                _ => ("describe", rate(10.0, 40.0)),
            };
            vec![
                (category.0.to_string(), category.1),
                ("all".to_string(), rate(10.0, 40.0)),
            ]
        }
        // "Request throttling for the Amazon RDS API": 12 per s, burst 300, for the account.
        "rds" => one("all", rate(12.0, 300.0)),
        // "Amazon ECR service quotas": PutImage 10 per s, layer uploads 100 and more; repository
        // management unpublished.
        "ecr" if action == "PutImage" => own(rate(10.0, 10.0)),
        "ecr" if action.contains("Layer") => own(rate(100.0, 100.0)),
        "ecr" if writes => one("management", rate(5.0, 10.0)),
        "ecr" => own(rate(20.0, 50.0)),
        // CloudFront: unpublished; an AWS Support answer quoted UpdateDistribution throttled at a
        // few a minute, CreateInvalidation after a handful in a row.
        "cloudfront" if writes => one("modify", rate(1.0, 3.0)),
        "cloudfront" => one("read", rate(5.0, 10.0)),
        // S3: 3 500 writes and 5 500 reads per s per prefix of a bucket ("Best practices design
        // patterns: optimizing Amazon S3 performance"), nothing published per account; bucket
        // settings unpublished: each bucket kept far lower, buckets apart.
        "s3" => {
            let bucket = s3_bucket(action).unwrap_or("-");
            let (kind, r) = if writes {
                ("write", rate(50.0, 100.0))
            } else {
                ("read", rate(100.0, 200.0))
            };
            one(&format!("{kind} {bucket}"), r)
        }
        // IAM (per-API buckets of undisclosed size), ElastiCache, Budgets, STS: unpublished; below
        // what deployers were reported throttled at.
        _ if writes => one("write", rate(5.0, 10.0)),
        _ => one("read", rate(10.0, 20.0)),
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// One service's buckets, shared by every clone of its client.
#[derive(Debug)]
pub struct Limiter {
    service: &'static str,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub fn new(service: &'static str) -> Arc<Limiter> {
        Arc::new(Limiter {
            service,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Waits until every bucket of `action` (a write when `writes`) has a token, and takes them.
    pub async fn acquire(&self, action: &str, writes: bool) {
        self.acquire_from(&buckets(self.service, action, writes))
            .await
    }

    async fn acquire_from(&self, wanted: &[(String, Rate)]) {
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().expect("not poisoned");
                let now = Instant::now();
                let mut wait = Duration::ZERO;
                for (key, r) in wanted {
                    let b = buckets.entry(key.clone()).or_insert(Bucket {
                        tokens: r.burst,
                        at: now,
                    });
                    let elapsed = now.duration_since(b.at).as_secs_f64();
                    b.tokens = (b.tokens + elapsed * r.per_second).min(r.burst);
                    b.at = now;
                    if b.tokens < 1.0 {
                        wait = wait.max(Duration::from_secs_f64((1.0 - b.tokens) / r.per_second));
                    }
                }
                if wait.is_zero() {
                    for (key, _) in wanted {
                        buckets.get_mut(key).expect("made above").tokens -= 1.0;
                    }
                    return;
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// The action a request performs and whether it changes anything: an `X-Amz-Target` operation
/// (JSON protocols), an `Action=` parameter of a form-encoded body (query protocols) or the
/// operation of an RPC v2 CBOR path (`/service/<service>/operation/<name>`: CloudWatch) that does
/// not start with Describe/List/Get/Head/BatchGet; else (REST protocols) `METHOD /path`, a write
/// unless GET or HEAD. Only a query protocol's body is looked at: an uploaded object is not.
pub fn classify(req: &HttpRequest) -> (String, bool) {
    let path = req.uri().split('?').next().unwrap_or("");
    let rpc = path
        .split_once("/service/")
        .and_then(|(_, rest)| rest.split_once("/operation/"))
        .map(|(_, op)| op.to_string());
    let named = req
        .headers()
        .get("x-amz-target")
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
        .or(rpc)
        .or_else(|| {
            req.headers()
                .get("content-type")
                .filter(|t| t.starts_with("application/x-www-form-urlencoded"))?;
            let body = req.body().bytes()?;
            let body = std::str::from_utf8(body).ok()?;
            body.split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .map(str::to_string)
        });
    match named {
        Some(action) => {
            let reads = ["Describe", "List", "Get", "Head", "BatchGet"]
                .iter()
                .any(|p| action.starts_with(p));
            (action, !reads)
        }
        None => {
            let method = req.method().to_string();
            let uri = req.uri().split('?').next().unwrap_or("");
            let (host, path) = match uri.split_once("://") {
                Some((_, rest)) => rest.split_at(rest.find('/').unwrap_or(rest.len())),
                None => ("", uri),
            };
            let writes = !matches!(method.as_str(), "GET" | "HEAD");
            (format!("{method} {}", path_style(host, path)), writes)
        }
    }
}

/// The bucket of an S3 call (`METHOD /bucket/key`, as [`classify`] names it), if any.
fn s3_bucket(action: &str) -> Option<&str> {
    let path = action.split_once(' ')?.1;
    path.trim_start_matches('/')
        .split('/')
        .next()
        .filter(|b| !b.is_empty())
}

/// A virtual-hosted S3 address (`https://BUCKET.s3.REGION.amazonaws.com/key`) as the path-style
/// one (`/BUCKET/key`); any other path as it is.
fn path_style<'a>(host: &'a str, path: &'a str) -> std::borrow::Cow<'a, str> {
    let at = host.rfind(".s3.").or_else(|| host.rfind(".s3-"));
    match at {
        Some(i) if i > 0 => format!("/{}{path}", &host[..i]).into(),
        _ => path.into(),
    }
}

/// The Lambda read a REST call is, when it has a bucket of its own: GetFunction
/// (`GET /2015-03-31/functions/NAME`) or GetPolicy (`GET .../functions/NAME/policy`).
fn lambda_own_read(action: &str) -> Option<(&'static str, Rate)> {
    let path = action.strip_prefix("GET ")?;
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [_, "functions", _] => Some(("GetFunction", rate(100.0, 100.0))),
        [_, "functions", _, "policy"] => Some(("GetPolicy", rate(15.0, 15.0))),
        _ => None,
    }
}

/// An HTTP client that takes a token of its service's limiter before each request, and counts
/// each write request twice, as it starts and as it ends, in `writes` (shared by every service:
/// see [`super::Aws::epoch`]).
#[derive(Debug, Clone)]
pub struct Limited {
    inner: SharedHttpClient,
    limiter: Arc<Limiter>,
    writes: Arc<AtomicUsize>,
}

impl Limited {
    pub fn new(
        inner: SharedHttpClient,
        limiter: Arc<Limiter>,
        writes: Arc<AtomicUsize>,
    ) -> Limited {
        Limited {
            inner,
            limiter,
            writes,
        }
    }
}

impl HttpClient for Limited {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limiter: self.limiter.clone(),
            writes: self.writes.clone(),
        })
    }
}

#[derive(Debug)]
struct LimitedConnector {
    inner: SharedHttpConnector,
    limiter: Arc<Limiter>,
    writes: Arc<AtomicUsize>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, limiter, count) = (
            self.inner.clone(),
            self.limiter.clone(),
            self.writes.clone(),
        );
        HttpConnectorFuture::new(async move {
            let (action, writes) = classify(&request);
            limiter.acquire(&action, writes).await;
            if !writes {
                return inner.call(request).await;
            }
            count.fetch_add(1, Ordering::SeqCst);
            let answer = inner.call(request).await;
            count.fetch_add(1, Ordering::SeqCst);
            answer
        })
    }
}

/// The HTTPS client the SDK would pick by default (hyper 1 with rustls on aws-lc, proxy settings
/// from the environment), made here so that it can be wrapped.
pub fn default_client() -> SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut b = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(wanted: &[(&str, Rate)]) -> (Arc<Limiter>, Vec<(String, Rate)>) {
        let w = wanted.iter().map(|(k, r)| (k.to_string(), *r)).collect();
        (Limiter::new("test"), w)
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_passes_at_once_and_what_follows_goes_at_the_rate() {
        let (l, reads) = limiter(&[("read", rate(10.0, 5.0))]);
        let t = tokio::time::Instant::now();
        for _ in 0..5 {
            l.acquire_from(&reads).await;
        }
        assert!(t.elapsed() < Duration::from_millis(1), "the burst");
        for _ in 0..10 {
            l.acquire_from(&reads).await;
        }
        let took = t.elapsed().as_secs_f64();
        assert!((0.95..1.1).contains(&took), "10 more at 10 per s: {took}");
        // Another bucket is untouched by these.
        let (_, writes) = limiter(&[("write", rate(2.0, 2.0))]);
        let t = tokio::time::Instant::now();
        l.acquire_from(&writes).await;
        l.acquire_from(&writes).await;
        assert!(t.elapsed() < Duration::from_millis(1));
        l.acquire_from(&writes).await;
        assert!(t.elapsed() >= Duration::from_millis(490));
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_counted_in_two_buckets_waits_for_the_emptier() {
        let (l, both) = limiter(&[("category", rate(1.0, 1.0)), ("all", rate(100.0, 100.0))]);
        let t = tokio::time::Instant::now();
        l.acquire_from(&both).await;
        l.acquire_from(&both).await;
        assert!(t.elapsed() >= Duration::from_millis(990));
    }

    #[test]
    fn lambda_counts_its_control_plane_together_and_get_function_apart() {
        let lambda = |a: &str, w: bool| buckets("lambda", a, w)[0].clone();
        assert_eq!(
            lambda("POST /2015-03-31/functions", true).0,
            lambda("PUT /2015-03-31/functions/f-1/configuration", true).0
        );
        assert_eq!(
            lambda("GET /2015-03-31/functions/f-1/configuration", false).0,
            "control-plane"
        );
        assert_eq!(
            lambda("GET /2015-03-31/functions/f-1", false).0,
            "GetFunction"
        );
        assert_eq!(
            lambda("GET /2015-03-31/functions/f-1/policy", false).0,
            "GetPolicy"
        );
        assert_eq!(
            buckets("elasticloadbalancingv2", "CreateRule", true).len(),
            2
        );
    }

    #[test]
    fn s3_counts_each_bucket_apart_as_aws_does() {
        let s3 = |a: &str, w: bool| buckets("s3", a, w)[0].0.clone();
        assert_eq!(s3("GET /b1", false), s3("GET /b1/key", false));
        assert_ne!(s3("GET /b1", false), s3("GET /b2", false));
        assert_ne!(s3("PUT /b1/key", true), s3("GET /b1/key", false));
        assert_eq!(s3("GET /", false), "read -");
    }

    #[test]
    fn requests_are_told_apart_as_the_test_harness_tells_them() {
        use aws_smithy_types::body::SdkBody;
        let req = |method: &str, uri: &str, target: Option<&str>, body: &str| {
            let mut r = HttpRequest::new(SdkBody::from(body.to_string()));
            r.set_method(method).unwrap();
            r.set_uri(uri).unwrap();
            if let Some(t) = target {
                r.headers_mut().insert("X-Amz-Target", t.to_string());
            }
            if body.contains("Action=") {
                // As the SDK sends a query protocol's form.
                r.headers_mut().insert(
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8".to_string(),
                );
            }
            r
        };
        assert_eq!(
            classify(&req(
                "POST",
                "https://ec2/",
                None,
                "Action=DescribeVpcs&Version=1"
            )),
            ("DescribeVpcs".into(), false)
        );
        assert_eq!(
            classify(&req(
                "POST",
                "https://ec2/",
                None,
                "Version=1&Action=CreateSecurityGroup"
            )),
            ("CreateSecurityGroup".into(), true)
        );
        assert_eq!(
            classify(&req(
                "POST",
                "https://logs/",
                Some("Logs_20140328.CreateLogGroup"),
                "{}"
            )),
            ("CreateLogGroup".into(), true)
        );
        assert_eq!(
            classify(&req(
                "GET",
                "https://lambda/2015-03-31/functions/f1?x=1",
                None,
                ""
            )),
            ("GET /2015-03-31/functions/f1".into(), false)
        );
        // RPC v2 CBOR (CloudWatch): the operation is in the path, and a read is no write (a write
        // would make every listing of the run stale).
        assert_eq!(
            classify(&req(
                "POST",
                "https://monitoring/service/GraniteServiceVersion20100801/operation/DescribeAlarms",
                None,
                ""
            )),
            ("DescribeAlarms".into(), false)
        );
        assert!(classify(&req("PUT", "https://s3/bucket-1?policy", None, "{}")).1);
        assert_eq!(
            classify(&req(
                "GET",
                "https://my.site.s3.us-east-1.amazonaws.com/a/b.html",
                None,
                ""
            )),
            ("GET /my.site/a/b.html".into(), false)
        );
        // An uploaded object that happens to read like a query form is still an upload.
        let mut upload = HttpRequest::new(SdkBody::from("a=1&Action=ListThings"));
        upload.set_method("PUT").unwrap();
        upload.set_uri("https://s3/site/page.html").unwrap();
        upload
            .headers_mut()
            .insert("Content-Type", "text/html".to_string());
        assert_eq!(classify(&upload), ("PUT /site/page.html".into(), true));
    }
}
