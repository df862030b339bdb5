//! The only module that talks to AWS: clients, naming, ownership tags, and one driver file per service.

mod acm;
pub mod adopt;
mod alarms;
mod apigw;
mod apigw_stage;
mod autoscaling;
mod bucket_guard;
mod budgets;
mod cloudfront;
mod dns_alias;
mod dns_zone;
pub mod driver;
mod ec2;
mod ecr;
mod ecs;
mod egress;
mod elasticache;
mod elbv2;
mod elbv2_guard;
pub mod error;
mod events;
mod iam;
mod identity;
mod lambda;
mod lambda_concurrency;
mod lambda_logs;
mod listing;
pub mod lock;
mod logs;
mod origin;
pub mod owned;
pub(crate) mod push;
mod rate;
mod rds;
mod rds_proxy;
mod rds_replica;
pub mod registry;
pub(crate) mod route53;
mod s3;
pub mod secrets;
mod site;
mod sns;
pub mod trace;
pub mod types;
mod version;
mod vpc;
mod waf;
pub mod wait;
#[cfg(test)]
mod wire_codes;

pub use error::{aws_error, code};
pub use secrets::env_value as secret_value;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Result, anyhow};
use serde_json::Value;

use crate::model::schema::TypeSchema;

pub type Attrs = BTreeMap<String, Value>;

/// What AWS has for one resource, normalised to the shape of its fields.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Comparable attributes. A field the service did not return is absent: unknown, not drift.
    pub attrs: Attrs,
    pub outputs: Attrs,
    /// Earlier generations of the same resource still live: a replacement was created beside them
    /// (see [`driver::Driver::create_before_delete`]) and the run ended before they were deleted.
    /// They are planned as deletes and go after the declared work.
    pub superseded: Vec<Live>,
    /// What the plan should tell the user about it that is not a change (a newer minor version).
    pub notes: Vec<String>,
    /// The account's own, which the stage uses and never changes or deletes (a hosted zone it did
    /// not make): destroy leaves it.
    pub borrowed: bool,
}

/// Connection settings from the command line (the rest comes from the AWS config chain).
#[derive(Debug, Clone, Default)]
pub struct Connect {
    pub region: String,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Clients for every service the product uses, built once from the AWS config chain.
pub struct Aws {
    pub account: String,
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub elasticache: aws_sdk_elasticache::Client,
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub apigw: aws_sdk_apigatewayv2::Client,
    pub s3: aws_sdk_s3::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub budgets: aws_sdk_budgets::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sns: aws_sdk_sns::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    /// WAF for CloudFront: in us-east-1, whatever the stack's region.
    pub wafv2: aws_sdk_wafv2::Client,
    /// Route 53 (one global endpoint).
    pub route53: aws_sdk_route53::Client,
    /// ACM in the stack's region (certificates for load balancers), and in us-east-1 (CloudFront's).
    pub acm: aws_sdk_acm::Client,
    pub acm_global: aws_sdk_acm::Client,
    /// Mutating calls made by this process (create/update/delete/put/tag...), for the run summary.
    pub mutations: AtomicUsize,
    /// What a run asks more than once and that does not change meanwhile: the zones each endpoint
    /// service is offered in, and each subnet's zone (see [`ec2::offered_subnets`]).
    pub zones: tokio::sync::Mutex<Zones>,
    /// Write requests started and ended so far (each counts twice): see [`Aws::epoch`].
    writes: Arc<AtomicUsize>,
    /// The stage's EventBridge rules, by name prefix.
    rules: listing::Listings<Vec<aws_sdk_eventbridge::types::Rule>>,
    /// The account's buckets, by name prefix.
    buckets: listing::Listings<Vec<String>>,
    /// The account's CloudFront distributions.
    distributions: listing::Listings<Vec<cloudfront::Found>>,
    /// The stage's security groups, by app and stage.
    groups: listing::Listings<Vec<aws_sdk_ec2::types::SecurityGroup>>,
    /// The stage's CloudWatch alarms, by name prefix.
    alarms: listing::Listings<Vec<aws_sdk_cloudwatch::types::MetricAlarm>>,
    /// The account's hosted zones.
    hosted_zones: listing::Listings<Vec<route53::Zone>>,
}

/// Zones read once per run: by endpoint service name, and by subnet id.
#[derive(Default)]
pub struct Zones {
    pub offered: BTreeMap<String, Vec<String>>,
    pub of_subnet: BTreeMap<String, String>,
}

impl Aws {
    /// Loads the AWS config chain (env, profiles, `--profile`, `--region`, `AWS_ENDPOINT_URL`) and
    /// asks STS who we are: the account id goes into globally unique names.
    pub async fn connect(c: &Connect) -> Result<Arc<Aws>> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(c.region.clone()));
        if let Some(p) = &c.profile {
            loader = loader.profile_name(p);
        }
        if let Some(e) = &c.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        if let Some(r) = retry_config() {
            loader = loader.retry_config(r);
        }
        loader = loader.timeout_config(timeout_config());
        let sdk = loader.load().await;
        let account = identity::account(
            &sdk,
            &identity::Context {
                profile: c.profile.as_deref(),
                endpoint_url: c.endpoint_url.as_deref(),
                region: &c.region,
            },
        )
        .await?;
        Ok(Aws::from_sdk(&sdk, &account, &c.region))
    }

    /// Clients for `sdk`, for `account` in `region`.
    fn from_sdk(sdk: &aws_types::SdkConfig, account: &str, region: &str) -> Arc<Aws> {
        // Every service's calls go through its own limiter of AWS's request rates (rate.rs).
        let base = sdk.http_client().unwrap_or_else(rate::default_client);
        let writes = Arc::new(AtomicUsize::new(0));
        macro_rules! client {
            ($krate:ident, $service:literal) => {
                client!($krate, $service, $krate::config::Builder::from(sdk))
            };
            ($krate:ident, $service:literal, $builder:expr) => {
                $krate::Client::from_conf(
                    $builder
                        .interceptor(trace::Trace)
                        .http_client(rate::Limited::new(
                            base.clone(),
                            rate::Limiter::new($service),
                            writes.clone(),
                        ))
                        .build(),
                )
            };
        }
        Arc::new(Aws {
            account: account.to_string(),
            region: region.to_string(),
            ec2: client!(aws_sdk_ec2, "ec2"),
            rds: client!(aws_sdk_rds, "rds"),
            elasticache: client!(aws_sdk_elasticache, "elasticache"),
            iam: client!(aws_sdk_iam, "iam"),
            lambda: client!(aws_sdk_lambda, "lambda"),
            apigw: client!(aws_sdk_apigatewayv2, "apigatewayv2"),
            s3: client!(
                aws_sdk_s3,
                "s3",
                aws_sdk_s3::config::Builder::from(sdk)
                    .force_path_style(sdk.endpoint_url().is_some())
            ),
            cloudfront: client!(aws_sdk_cloudfront, "cloudfront"),
            events: client!(aws_sdk_eventbridge, "eventbridge"),
            budgets: client!(aws_sdk_budgets, "budgets"),
            secrets: client!(aws_sdk_secretsmanager, "secretsmanager"),
            ecs: client!(aws_sdk_ecs, "ecs"),
            elbv2: client!(aws_sdk_elasticloadbalancingv2, "elasticloadbalancingv2"),
            ecr: client!(aws_sdk_ecr, "ecr"),
            logs: client!(aws_sdk_cloudwatchlogs, "cloudwatchlogs"),
            cloudwatch: client!(aws_sdk_cloudwatch, "cloudwatch"),
            sns: client!(aws_sdk_sns, "sns"),
            autoscaling: client!(aws_sdk_applicationautoscaling, "applicationautoscaling"),
            wafv2: client!(
                aws_sdk_wafv2,
                "wafv2",
                aws_sdk_wafv2::config::Builder::from(sdk)
                    .region(aws_types::region::Region::from_static("us-east-1"))
            ),
            route53: client!(aws_sdk_route53, "route53"),
            acm: client!(aws_sdk_acm, "acm"),
            acm_global: client!(
                aws_sdk_acm,
                "acm",
                aws_sdk_acm::config::Builder::from(sdk)
                    .region(aws_types::region::Region::from_static("us-east-1"))
            ),
            mutations: AtomicUsize::new(0),
            zones: tokio::sync::Mutex::new(Zones::default()),
            writes,
            rules: Default::default(),
            buckets: Default::default(),
            distributions: Default::default(),
            groups: Default::default(),
            alarms: Default::default(),
            hosted_zones: Default::default(),
        })
    }

    /// Clients that have never asked AWS anything (no credentials, no endpoint), for the engine's
    /// unit tests with fake drivers.
    #[cfg(test)]
    pub fn unconnected(account: &str) -> Arc<Aws> {
        let sdk = aws_types::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        Aws::from_sdk(&sdk, account, "us-east-1")
    }

    /// Counts one mutating call.
    pub fn mutated(&self) {
        self.mutations.fetch_add(1, Ordering::Relaxed);
    }

    /// How many write requests have started or ended so far (each counts twice): a listing made
    /// at one epoch serves the reads of that epoch only, so a read never misses a change that
    /// ended before it began.
    fn epoch(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }
}

/// How every client retries, unless the user set `AWS_MAX_ATTEMPTS` or `AWS_RETRY_MODE`: AWS
/// throttles bursts (each service in its own words) and answers some errors that go away; the
/// SDK's default of 3 attempts gives up on a burst a real account meets (the Terraform provider
/// retries up to 25 times). Standard mode, not adaptive: adaptive's client-side rate limiter,
/// once throttled, holds every later call of that client back at a fraction of the rate it
/// measured — for a deployer's few calls a second that is seconds per call (one deploy-twice test
/// under the real-aws profile: 38 s standard, 444 s adaptive); `AWS_RETRY_MODE=adaptive` turns it on.
fn retry_config() -> Option<aws_config::retry::RetryConfig> {
    let own = ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    (!own).then(|| aws_config::retry::RetryConfig::standard().with_max_attempts(10))
}

/// Time limits on every call, so that a connection that hangs is cut (and the call retried) rather
/// than waited on forever: 10 s to connect, 120 s per attempt (a 50 MB zip uploads well within it
/// on a slow link); `FINTECH_ATTEMPT_TIMEOUT` (seconds) sets the latter.
fn timeout_config() -> aws_config::timeout::TimeoutConfig {
    let attempt = std::env::var("FINTECH_ATTEMPT_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map_or(
            std::time::Duration::from_secs(120),
            std::time::Duration::from_secs_f64,
        );
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .operation_attempt_timeout(attempt)
        .build()
}

/// Who owns a resource and what it is called in AWS.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub app: String,
    pub stage: String,
    pub region: String,
    pub account: String,
    /// Resources the stage took over, by id: they keep the names they had (`fintech adopt`).
    pub adopted: Arc<BTreeMap<String, crate::model::Adopted>>,
    /// `fintech adopt` looking for what to take over: a resource with no ownership tags at all
    /// passes [`Names::check_owner`] (one tagged for another app or stage still does not).
    pub adopting: bool,
}

impl Names {
    /// The physical name of resource `id` of type `schema`: the one it had when the stage adopted
    /// it, else the deterministic one its driver derives.
    pub fn physical(&self, schema: &TypeSchema, id: &str) -> String {
        match self.adopted.get(id) {
            Some(a) if a.type_name == schema.name => a.name.clone(),
            _ => schema.driver.physical(self, id),
        }
    }

    /// `{app}-{stage}-{id}`, the stem of most physical names.
    pub fn base(&self, id: &str) -> String {
        format!("{}{}", self.prefix(), id.replace('_', "-"))
    }

    /// `{app}-{stage}-`: what the names of the stage's resources start with (and, since a stage
    /// name may contain `-`, what another stage's may start with too: ownership is proven by tags).
    pub fn prefix(&self) -> String {
        format!("{}-{}-", self.app, self.stage)
    }

    /// The ownership tags every resource carries.
    pub fn tags(&self, id: &str) -> Vec<(String, String)> {
        vec![
            ("fintech:app".into(), self.app.clone()),
            ("fintech:stage".into(), self.stage.clone()),
            ("fintech:id".into(), id.to_string()),
        ]
    }

    /// Refuses to adopt a resource with our name that another app or stage owns (a [`NotOwned`] error).
    pub fn check_owner<'a>(
        &self,
        what: &str,
        tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<()> {
        let tags: BTreeMap<&str, &str> = tags.into_iter().collect();
        let (app, stage) = (tags.get("fintech:app"), tags.get("fintech:stage"));
        if app == Some(&self.app.as_str()) && stage == Some(&self.stage.as_str()) {
            return Ok(());
        }
        if self.adopting && app.is_none() && stage.is_none() {
            return Ok(());
        }
        // Untagged, in a stage that adopts: most likely one `adopt --yes` recorded and has not
        // tagged yet (stopped half-way).
        let hint = if app.is_none() && stage.is_none() && !self.adopted.is_empty() {
            "; if fintech.yaml records it under `adopted`, `fintech adopt --yes` tags it"
        } else {
            ""
        };
        Err(NotOwned(format!(
            "{what} exists but is not owned by {}/{} (its tags: fintech:app={}, fintech:stage={}); refusing to adopt it{hint}",
            self.app,
            self.stage,
            app.unwrap_or(&"-"),
            stage.unwrap_or(&"-"),
        ))
        .into())
    }
}

/// A resource with our name that belongs to another app or stage.
#[derive(Debug)]
pub struct NotOwned(pub String);

impl std::fmt::Display for NotOwned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotOwned {}

/// Truncates `name` to `max` characters, keeping it unique with a short hash of the whole.
pub(crate) fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    use sha2::Digest;
    let h = hex::encode(&sha2::Sha256::digest(name.as_bytes())[..3]);
    format!("{}-{h}", name[..max - 7].trim_end_matches('-'))
}

/// Runs `a` and `b` at once and answers with `a`'s output as soon as it is there, and `b` (asked
/// meanwhile) to await only if that answer wants it: dropped, `b` is cancelled (no use reading a
/// resource's parts once the resource is known to be absent).
pub async fn beside<A: Future, B: Future>(
    a: A,
    b: B,
) -> (A::Output, impl Future<Output = B::Output>) {
    use futures::future::Either;
    match futures::future::select(Box::pin(a), Box::pin(b)).await {
        Either::Left((x, b)) => (x, Either::Left(b)),
        Either::Right((y, a)) => (a.await, Either::Right(std::future::ready(y))),
    }
}

/// Every page of a paginated List/Describe call, through the SDK's paginator (a `Vec` of the
/// pages): on a real account a read of the first page only loses resources.
macro_rules! pages {
    ($op:literal, $request:expr) => {{
        let mut stream = $request.into_paginator().send();
        let mut pages = Vec::new();
        while let Some(page) = stream.next().await {
            pages.push(page.map_err(|e| $crate::aws::aws_error($op, e))?);
        }
        pages
    }};
}
pub(crate) use pages;

/// [`pages!`] for the services whose models have no paginators (API Gateway v2, EventBridge): the
/// request sent again with each `NextToken` until there is none.
macro_rules! token_pages {
    ($op:literal, $request:expr) => {{
        let request = $request;
        let mut token: Option<String> = None;
        let mut pages = Vec::new();
        loop {
            let page = request
                .clone()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| $crate::aws::aws_error($op, e))?;
            token = page.next_token().map(str::to_string);
            pages.push(page);
            if token.is_none() {
                break pages;
            }
        }
    }};
}
pub(crate) use token_pages;

/// Everything a driver call needs.
pub struct Call<'a> {
    pub aws: &'a Aws,
    pub names: &'a Names,
    pub schema: &'static TypeSchema,
    pub id: &'a str,
    pub name: String,
}

impl<'a> Call<'a> {
    pub fn new(aws: &'a Aws, names: &'a Names, schema: &'static TypeSchema, id: &'a str) -> Self {
        Call {
            aws,
            names,
            schema,
            id,
            name: names.physical(schema, id),
        }
    }

    pub fn tags(&self) -> Vec<(String, String)> {
        self.names.tags(self.id)
    }

    /// The driver of the resource's type.
    pub fn driver(&self) -> &'static dyn driver::Driver {
        self.schema.driver
    }
}

/// The digest-pinned image of an ECS service (`props`: image URL and tag), if the registry has it.
pub async fn find_image(aws: &Aws, props: &Attrs) -> Result<Option<String>> {
    let repo = crate::package::oci::reference::repository_url(props.s("image")?);
    Ok(ecr::find_image(aws, repo, props.s("image_tag")?)
        .await?
        .map(|d| format!("{repo}@{d}")))
}

/// [`find_image`] for a service built from its `dockerfile`, building and pushing the image first
/// when it is missing (docker or podman), or an error that says how to push it.
pub async fn ensure_image(aws: &Aws, id: &str, props: &Attrs) -> Result<String> {
    if let Some(r) = find_image(aws, props).await? {
        return Ok(r);
    }
    let url = props.s("image")?;
    let tag = props.s("image_tag")?;
    let Some(dir) = props.opt("build_dir").map(std::path::PathBuf::from) else {
        anyhow::bail!(
            "`{id}`: image {url}:{tag} is not in the registry and the service has no `build` directory to build it from"
        );
    };
    let platform = format!(
        "linux/{}",
        crate::package::cpu(props.s("architecture")?).oci
    );
    let dockerfile = dir.join(props.s("dockerfile")?);
    let Some(builder) = crate::package::image::builder() else {
        let b = crate::package::image::Build {
            dir: &dir,
            dockerfile: &dockerfile,
            url,
            tag,
            platform: &platform,
        };
        anyhow::bail!(
            "`{id}`: image {url}:{tag} is not in the registry yet; {}",
            crate::package::image::how_to_push(&b)
        );
    };
    let ecr::Login { user, password, .. } = ecr::login(aws).await?;
    aws.mutated();
    // docker/podman build and push take minutes: off the executor, so other resources go on.
    let (u, t) = (url.to_string(), tag.to_string());
    tokio::task::spawn_blocking(move || {
        let b = crate::package::image::Build {
            dir: &dir,
            dockerfile: &dockerfile,
            url: &u,
            tag: &t,
            platform: &platform,
        };
        crate::package::image::build_and_push(builder, &b, &user, &password)
    })
    .await??;
    find_image(aws, props)
        .await?
        .ok_or_else(|| anyhow!("`{id}`: pushed {url}:{tag} but the registry does not list it"))
}

/// Typed reads of evaluated properties (and of live outputs). Required and defaulted fields are
/// always there once the stack is resolved: a missing one is a bug, reported as an error naming
/// it, never read as `""`, `0` or `false`. Optional fields are read with [`Props::opt`].
pub(crate) trait Props {
    fn s(&self, k: &str) -> Result<&str>;
    fn i(&self, k: &str) -> Result<i64>;
    fn b(&self, k: &str) -> Result<bool>;
    /// A list of strings, sorted.
    fn list(&self, k: &str) -> Result<Vec<String>>;
    /// An optional string: `None` when left out or null.
    fn opt(&self, k: &str) -> Option<&str>;
}

fn missing(k: &str, what: &str) -> anyhow::Error {
    anyhow!("attribute `{k}` is missing or not {what}")
}

impl Props for Attrs {
    fn s(&self, k: &str) -> Result<&str> {
        self.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| missing(k, "a string"))
    }
    fn i(&self, k: &str) -> Result<i64> {
        self.get(k)
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| missing(k, "a whole number"))
    }
    fn b(&self, k: &str) -> Result<bool> {
        self.get(k)
            .and_then(Value::as_bool)
            .ok_or_else(|| missing(k, "true or false"))
    }
    fn list(&self, k: &str) -> Result<Vec<String>> {
        match self.get(k) {
            Some(v @ Value::Array(_)) => Ok(strings(Some(v))),
            _ => Err(missing(k, "a list")),
        }
    }
    fn opt(&self, k: &str) -> Option<&str> {
        self.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// `base` made unique to this moment (nanoseconds since the epoch and the process id): for
/// CloudFront's CallerReference, which must differ for every distinct request.
pub fn unique(base: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let base: String = base.chars().take(64).collect();
    format!("{base}-{nanos:x}-{}", std::process::id())
}

/// A JSON list of strings as a sorted Vec.
pub fn strings(v: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = v
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// A sorted list of strings as a JSON value.
pub fn sorted(mut v: Vec<String>) -> Value {
    v.sort();
    Value::from(v)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn beside_answers_first_and_leaves_the_other_to_await_or_drop() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "parts"
        };
        let t = tokio::time::Instant::now();
        let (absent, parts) = super::beside(async { None::<u8> }, slow).await;
        assert_eq!(absent, None);
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "not held up by the other"
        );
        drop(parts);
        let (found, parts) = super::beside(
            async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                Some(1)
            },
            async { "parts" },
        )
        .await;
        assert_eq!((found, parts.await), (Some(1), "parts"));
    }
}
