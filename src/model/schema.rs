//! The resource types `fintech` knows: each type's fields, how a change to each is applied, and its outputs.

/// The type of a field's value.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    Int {
        min: i64,
        max: i64,
    },
    Num,
    Bool,
    Enum(&'static [&'static str]),
    /// A value from a closed list too long to print in full (instance classes), with a hint.
    OneOf(&'static [&'static str], &'static str),
    Cron,
    List(&'static Ty),
    Map(&'static Ty),
    Obj(&'static [Field]),
}

/// Whether a field is required, defaulted or optional.
#[derive(Debug, Clone, Copy)]
pub enum Req {
    Required,
    /// A default, as JSON text.
    Default(&'static str),
    Optional,
}

/// How a change to the field reaches AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    InPlace,
    /// The resource must be deleted and created again.
    Replace,
    /// In place when the number grows; a decrease forces replacement (RDS storage).
    Grow,
    /// Not an AWS attribute: used by the deployer (e.g. a path it packages, or a delete option).
    Local,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub req: Req,
    pub change: Change,
    /// Shown as `(sensitive)` in plans.
    pub sensitive: bool,
    pub doc: &'static str,
}

/// One resource type.
#[derive(Debug)]
pub struct TypeSchema {
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
    /// Attributes the deployer derives (e.g. the hash of a packaged zip); diffed like fields.
    pub computed: &'static [(&'static str, Change)],
    pub outputs: &'static [&'static str],
    /// Replacing or deleting it loses data: refused without `--allow-data-loss`.
    pub data_bearing: bool,
    /// Read-only: looked up, never created or deleted.
    pub lookup: bool,
}

impl TypeSchema {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// How a change to attribute `name` is applied (fields and computed attributes).
    pub fn change_of(&self, name: &str) -> Change {
        self.field(name)
            .map(|f| f.change)
            .or_else(|| {
                self.computed
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, c)| *c)
            })
            .unwrap_or(Change::InPlace)
    }
}

const fn f(name: &'static str, ty: Ty, req: Req, change: Change, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        req,
        change,
        sensitive: false,
        doc,
    }
}

use Change::*;
use Req::*;

const STR: Ty = Ty::Str;
const STRS: Ty = Ty::List(&Ty::Str);
const BOOL: Ty = Ty::Bool;

pub const RDS_CLASSES: &[&str] = &[
    "db.t3.micro",
    "db.t3.small",
    "db.t3.medium",
    "db.t3.large",
    "db.t3.xlarge",
    "db.t3.2xlarge",
    "db.t4g.micro",
    "db.t4g.small",
    "db.t4g.medium",
    "db.t4g.large",
    "db.t4g.xlarge",
    "db.t4g.2xlarge",
    "db.m5.large",
    "db.m5.xlarge",
    "db.m5.2xlarge",
    "db.m6g.large",
    "db.m6g.xlarge",
    "db.m6i.large",
    "db.m6i.xlarge",
    "db.m7g.large",
    "db.m7g.xlarge",
    "db.r5.large",
    "db.r5.xlarge",
    "db.r6g.large",
    "db.r6g.xlarge",
    "db.r6i.large",
    "db.r7g.large",
    "db.r7g.xlarge",
];

pub const CACHE_NODE_TYPES: &[&str] = &[
    "cache.t3.micro",
    "cache.t3.small",
    "cache.t3.medium",
    "cache.t4g.micro",
    "cache.t4g.small",
    "cache.t4g.medium",
    "cache.m5.large",
    "cache.m6g.large",
    "cache.m7g.large",
    "cache.r6g.large",
    "cache.r7g.large",
];

#[rustfmt::skip]
const INGRESS_RULE: &[Field] = &[
    f("port", Ty::Int { min: 0, max: 65535 }, Required, InPlace, "TCP port admitted"),
    f("from", STR, Optional, InPlace, "security group id admitted (e.g. ${app_sg.id})"),
    f("cidr", STR, Optional, InPlace, "IPv4 range admitted (e.g. 0.0.0.0/0)"),
    f("description", STR, Default("\"\""), InPlace, "what the rule is for"),
];

#[rustfmt::skip]
const STATEMENT: &[Field] = &[
    f("effect", Ty::Enum(&["Allow", "Deny"]), Default("\"Allow\""), InPlace, "Allow or Deny"),
    f("actions", STRS, Required, InPlace, "IAM actions, e.g. logs:PutLogEvents"),
    f("resources", STRS, Required, InPlace, "ARNs the actions apply to"),
];

#[rustfmt::skip]
pub static TYPES: &[TypeSchema] = &[
    TypeSchema {
        name: "ec2.default_vpc",
        doc: "The region's default VPC and its subnets (looked up, never created)",
        fields: &[],
        computed: &[],
        outputs: &["id", "subnet_ids"],
        data_bearing: false,
        lookup: true,
    },
    TypeSchema {
        name: "ec2.security_group",
        doc: "A security group; ingress rules only admit what is listed",
        fields: &[
            f("vpc", STR, Required, Replace, "VPC id, e.g. ${network.id}"),
            f("description", STR, Default("\"managed by fintech\""), Replace, "group description"),
            f("ingress", Ty::List(&Ty::Obj(INGRESS_RULE)), Default("[]"), InPlace, "admitted traffic"),
        ],
        computed: &[],
        outputs: &["id", "name"],
        data_bearing: false,
        lookup: false,
    },
        TypeSchema {
        name: "ec2.vpc_endpoint",
        doc: "An interface VPC endpoint: AWS APIs (e.g. Secrets Manager) reachable from the VPC without a NAT gateway",
        fields: &[
            f("vpc", STR, Required, Replace, "VPC id"),
            f("service", STR, Required, Replace, "AWS service, e.g. secretsmanager"),
            f("subnets", STRS, Required, InPlace, "subnets; the first `az_count` get an interface"),
            f("az_count", Ty::Int { min: 1, max: 6 }, Default("1"), InPlace, "availability zones with an interface (each billed hourly)"),
            f("security_groups", STRS, Required, InPlace, "security groups of the interfaces"),
            f("private_dns", BOOL, Default("true"), Replace, "the service's usual host name resolves to the endpoint"),
        ],
        computed: &[],
        outputs: &["id"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "rds.postgres",
        doc: "An RDS PostgreSQL instance; its master password is managed by RDS in Secrets Manager",
        fields: &[
            f("engine_version", STR, Default("\"17.6\""), InPlace, "PostgreSQL version"),
            f("instance_class", Ty::OneOf(RDS_CLASSES, "an RDS instance class such as db.t3.micro or db.t4g.small"),
                Required,
                InPlace,
                "instance class",
            ),
            f("storage_gb", Ty::Int { min: 20, max: 65536, }, Default("20"), Grow, "allocated storage; it can grow in place, not shrink"),
            f("storage_type", Ty::Enum(&["gp3", "gp2", "io1", "io2"]), Default("\"gp3\""), InPlace, "storage type"),
            f("db_name", STR, Default("\"app\""), Replace, "database created at launch"),
            f("username", STR, Default("\"app\""), Replace, "master user name (the password is managed by RDS)"),
            f("backup_retention_days", Ty::Int { min: 0, max: 35 }, Default("7"), InPlace, "automated backups kept"),
            f("multi_az", BOOL, Default("false"), InPlace, "standby in a second AZ"),
            f("publicly_accessible", BOOL, Default("false"), InPlace, "reachable from the internet (keep false)"),
            f("security_groups", STRS, Default("[]"), InPlace, "VPC security group ids"),
            f("deletion_protection", BOOL, Default("false"), InPlace, "refuse deletion in AWS too"),
            f("final_snapshot", BOOL, Default("true"), Local, "take a final snapshot when destroyed"),
        ],
        computed: &[],
        outputs: &["endpoint", "port", "arn", "master_secret_arn", "url"],
        data_bearing: true,
        lookup: false,
    },
    TypeSchema {
        name: "elasticache.redis",
        doc: "An ElastiCache Redis cluster (one node, cluster mode off)",
        fields: &[
            f("node_type", Ty::OneOf(CACHE_NODE_TYPES, "an ElastiCache node type such as cache.t3.micro"),
                Required,
                InPlace,
                "node type",
            ),
            f("engine_version", STR, Default("\"7.1\""), InPlace, "Redis version"),
            f("port", Ty::Int { min: 1024, max: 65535, }, Default("6379"), Replace, "port"),
            f("security_groups", STRS, Default("[]"), InPlace, "VPC security group ids"),
        ],
        computed: &[],
        outputs: &["endpoint", "port", "arn", "url"],
        data_bearing: true,
        lookup: false,
    },
    TypeSchema {
        name: "iam.role",
        doc: "An IAM role assumed by an AWS service, with an inline least-privilege policy",
        fields: &[
            f("service", STR, Required, InPlace, "service principal, e.g. lambda.amazonaws.com"),
            f("statements", Ty::List(&Ty::Obj(STATEMENT)), Default("[]"), InPlace, "the inline policy"),
            f("managed_policies", STRS, Default("[]"), InPlace, "managed policy ARNs attached"),
        ],
        computed: &[],
        outputs: &["arn", "name"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "lambda.function",
        doc: "A Lambda function packaged from a source directory",
        fields: &[
            f("code", STR, Required, Local, "source directory, packaged into a reproducible zip"),
            f("handler", STR, Required, InPlace, "module.function"),
            f("runtime", Ty::Enum(&["python3.12", "python3.13", "python3.11"]), Default("\"python3.12\""), InPlace, "runtime"),
            f("memory_mb", Ty::Int { min: 128, max: 10240, }, Default("512"), InPlace, "memory"),
            f("timeout_s", Ty::Int { min: 1, max: 900 }, Default("30"), InPlace, "timeout"),
            f("architecture", Ty::Enum(&["x86_64", "arm64"]), Default("\"x86_64\""), InPlace, "CPU architecture"),
            f("role", STR, Required, InPlace, "execution role ARN"),
            f("env", Ty::Map(&Ty::Str), Default("{}"), InPlace, "environment variables (secrets go by ARN: ${secrets.NAME})"),
            f("subnets", STRS, Default("[]"), InPlace, "VPC subnets (to reach the database and cache)"),
            f("security_groups", STRS, Default("[]"), InPlace, "VPC security groups"),
            f("artifact_bucket", STR, Optional, Local, "bucket for zips over Lambda's 50 MB direct-upload limit"),
        ],
        computed: &[("code_sha256", InPlace)],
        outputs: &["arn", "name"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "apigateway.http_api",
        doc: "An API Gateway HTTP API (v2) whose routes proxy to Lambda functions, auto-deployed",
        fields: &[
            f("routes", Ty::Map(&Ty::Str), Required, InPlace, "route key (e.g. `ANY /api/{proxy+}`) to function ARN"),
            f("cors_origins", STRS, Default("[]"), InPlace, "origins allowed by CORS"),
        ],
        computed: &[],
        outputs: &["id", "endpoint", "domain", "protocol"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "s3.bucket",
        doc: "A private S3 bucket (public access blocked, encrypted)",
        fields: &[
            f("versioning", BOOL, Default("false"), InPlace, "keep object versions"),
            f("force_destroy", BOOL, Default("false"), Local, "let destroy empty it"),
        ],
        computed: &[("public_access_blocked", InPlace)],
        outputs: &["name", "arn", "regional_domain"],
        data_bearing: true,
        lookup: false,
    },
    TypeSchema {
        name: "cloudfront.distribution",
        doc: "A CloudFront distribution: the site bucket through origin access control, the API under one path",
        fields: &[
            f("bucket", STR, Required, InPlace, "site bucket name"),
            f("api_domain", STR, Optional, InPlace, "API host name, routed under api_path"),
            f("api_protocol", Ty::Enum(&["https", "http"]), Default("\"https\""), InPlace, "how CloudFront reaches the API (http for a load balancer without a certificate)"),
            f("api_path", STR, Default("\"/api/*\""), InPlace, "path pattern sent to the API"),
            f("default_root_object", STR, Default("\"index.html\""), InPlace, "object served for /"),
            f("price_class", Ty::Enum(&["PriceClass_100", "PriceClass_200", "PriceClass_All"]), Default("\"PriceClass_100\""), InPlace, "edge locations used"),
        ],
        computed: &[],
        outputs: &["id", "domain", "url", "arn"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "s3.site",
        doc: "The static site's files, synced to a bucket (changed files only) and invalidated in CloudFront",
        fields: &[
            f("bucket", STR, Required, Replace, "bucket name"),
            f("source", STR, Required, Local, "directory of built static files"),
            f("build", STR, Optional, Local, "frontend directory built into `source` first (npm ci, npm run build; skipped when its sources are unchanged)"),
            f("distribution", STR, Optional, Local, "distribution id to invalidate"),
        ],
        computed: &[("files", InPlace)],
        outputs: &["files"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "events.schedule",
        doc: "An EventBridge schedule invoking a Lambda function",
        fields: &[
            f("schedule", Ty::Cron, Required, InPlace, "cron(...) or rate(...) expression, UTC"),
            f("function", STR, Required, InPlace, "function ARN"),
            f("enabled", BOOL, Default("true"), InPlace, "whether the rule fires"),
        ],
        computed: &[],
        outputs: &["arn", "name"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "ecr.repository",
        doc: "A private ECR repository for the backend image, scanned on push, keeping the last N images",
        fields: &[
            f("scan_on_push", BOOL, Default("true"), InPlace, "scan images for vulnerabilities when pushed"),
            f("keep_images", Ty::Int { min: 1, max: 1000 }, Default("10"), InPlace, "lifecycle policy: images kept"),
        ],
        computed: &[],
        outputs: &["url", "arn", "name"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "ecs.cluster",
        doc: "An ECS cluster for Fargate tasks",
        fields: &[f("container_insights", BOOL, Default("false"), InPlace, "CloudWatch Container Insights (billed)")],
        computed: &[],
        outputs: &["arn", "name"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "logs.log_group",
        doc: "A CloudWatch Logs group with a retention period",
        fields: &[f("retention_days", Ty::Enum(&["1", "3", "5", "7", "14", "30", "60", "90", "180", "365"]), Default("\"14\""), InPlace, "days logs are kept")],
        computed: &[],
        outputs: &["name", "arn"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "elbv2.load_balancer",
        doc: "An internet-facing Application Load Balancer with one target group (health-checked) and an HTTP listener, HTTPS with a certificate",
        fields: &[
            f("subnets", STRS, Required, Replace, "subnets; the first `az_count` are used"),
            f("az_count", Ty::Int { min: 2, max: 6 }, Default("2"), Replace, "availability zones (each holds a billed public IPv4 address)"),
            f("security_groups", STRS, Required, InPlace, "security groups"),
            f("target_port", Ty::Int { min: 1, max: 65535 }, Default("8000"), Replace, "port of the tasks"),
            f("health_check_path", STR, Default("\"/api/health\""), InPlace, "path the target group checks"),
            f("certificate_arn", STR, Optional, InPlace, "ACM certificate: adds an HTTPS listener"),
        ],
        computed: &[("listening", InPlace)],
        outputs: &["dns", "domain", "arn", "target_group_arn", "protocol"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "ecs.service",
        doc: "A Fargate service: its task definition (pinned image digest, logs, secrets from Secrets Manager) and the service behind the load balancer",
        fields: &[
            f("cluster", STR, Required, Replace, "cluster ARN"),
            f("image", STR, Required, Local, "repository URL (or a full image reference); the task runs it pinned by digest"),
            f("build", STR, Optional, Local, "directory with the Dockerfile; its content hash is the image tag"),
            f("cpu", Ty::Enum(&["256", "512", "1024", "2048", "4096"]), Default("\"256\""), InPlace, "CPU units (1024 = 1 vCPU)"),
            f("memory_mb", Ty::Int { min: 512, max: 30720 }, Default("512"), InPlace, "memory"),
            f("architecture", Ty::Enum(&["x86_64", "arm64"]), Default("\"x86_64\""), InPlace, "CPU architecture"),
            f("desired_count", Ty::Int { min: 0, max: 100 }, Default("1"), InPlace, "tasks running"),
            f("port", Ty::Int { min: 1, max: 65535 }, Default("8000"), InPlace, "container port"),
            f("env", Ty::Map(&Ty::Str), Default("{}"), InPlace, "environment variables"),
            f("secrets", Ty::Map(&Ty::Str), Default("{}"), InPlace, "environment variables read from Secrets Manager ARNs at task start"),
            f("subnets", STRS, Required, InPlace, "subnets of the tasks"),
            f("security_groups", STRS, Required, InPlace, "security groups of the tasks"),
            f("assign_public_ip", BOOL, Default("true"), InPlace, "public address (needed to pull images without a NAT; billed)"),
            f("target_group", STR, Required, Replace, "load balancer target group ARN"),
            f("log_group", STR, Required, InPlace, "log group name"),
            f("execution_role", STR, Required, InPlace, "role ECS uses to pull the image, write logs and read secrets"),
        ],
        computed: &[("image_ref", InPlace)],
        outputs: &["name", "arn"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "budgets.budget",
        doc: "A monthly AWS cost budget with e-mail alerts",
        fields: &[
            f("limit_usd", Ty::Num, Required, Replace, "monthly limit in USD"),
            f("emails", STRS, Required, Replace, "who is alerted"),
            f("thresholds_percent", Ty::List(&Ty::Int { min: 1, max: 1000 }), Default("[80, 100]"), Replace, "alert at these percentages of actual spend"),
        ],
        computed: &[],
        outputs: &["name"],
        data_bearing: false,
        lookup: false,
    },
    TypeSchema {
        name: "secretsmanager.secret",
        doc: "A secret in Secrets Manager, its value read from the deployer's environment",
        fields: &[f(
            "from_env",
            STR,
            Required,
            Local,
            "environment variable holding the value at deploy time",
        )],
        computed: &[("value", InPlace)],
        outputs: &["arn", "name"],
        data_bearing: false,
        lookup: false,
    },
];

/// The type named `name`.
pub fn lookup(name: &str) -> Option<&'static TypeSchema> {
    TYPES.iter().find(|t| t.name == name)
}

/// Whether output `output` of a resource of `schema` changes with its attribute `attr` (so an update
/// of `attr` makes the output unknown until applied).
pub fn output_follows(schema: &TypeSchema, output: &str, attr: &str) -> bool {
    matches!(
        (schema.name, output, attr),
        ("elbv2.load_balancer", "protocol", "certificate_arn")
    )
}

/// Attributes whose values are never shown.
pub fn is_sensitive(schema: &TypeSchema, attr: &str) -> bool {
    schema.field(attr).is_some_and(|f| f.sensitive)
        || (schema.name == "secretsmanager.secret" && attr == "value")
}
