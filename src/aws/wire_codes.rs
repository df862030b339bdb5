//! Test: every error code a driver matches is one AWS sends on the wire for that service (the
//! SDK's own error matching, or the service's documented list where the SDK models no errors), so
//! that no `...Fault` shape name or misspelling silently never matches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Codes AWS documents but the SDK does not model (EC2 models no errors at all; S3 few), with
/// where they are documented.
const DOCUMENTED: &[(&str, &str, &str)] = &[
    (
        "ec2",
        "InvalidGroup.Duplicate",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidGroup.NotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidVpcEndpointId.NotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidNetworkInterfaceID.NotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "DependencyViolation",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidVpcID.NotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "NatGatewayNotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidIPAddress.InUse",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidAllocationID.NotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidInternetGatewayID.NotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "ec2",
        "InvalidInstanceID.NotFound",
        "EC2 API reference, Error codes",
    ),
    (
        "rds",
        "InvalidParameterValue",
        "RDS API reference, Common Errors",
    ),
    (
        "s3",
        "NoSuchTagSet",
        "S3 API reference, List of error codes",
    ),
    (
        "s3",
        "NoSuchBucketPolicy",
        "S3 API reference, List of error codes",
    ),
    (
        "s3",
        "NoSuchPublicAccessBlockConfiguration",
        "S3 API reference, List of error codes",
    ),
    (
        "s3",
        "OwnershipControlsNotFoundError",
        "S3 API reference, GetBucketOwnershipControls",
    ),
    (
        "s3",
        "ServerSideEncryptionConfigurationNotFoundError",
        "S3 API reference, List of error codes",
    ),
    (
        "s3",
        "NoSuchLifecycleConfiguration",
        "S3 API reference, List of error codes",
    ),
    (
        "s3",
        "NoSuchBucket",
        "S3 API reference, List of error codes",
    ),
    (
        "s3",
        "PreconditionFailed",
        "S3 user guide, Conditional writes",
    ),
    (
        "s3",
        "ConditionalRequestConflict",
        "S3 user guide, Conditional writes",
    ),
];

/// The SDK crate of each driver file, and of the other services a file calls (by the operation
/// names it gives its errors).
fn services(file: &str) -> &'static [&'static str] {
    match file {
        "alarms.rs" => &["cloudwatch"],
        "apigw.rs" | "apigw_stage.rs" => &["apigatewayv2"],
        "autoscaling.rs" => &["applicationautoscaling"],
        "budgets.rs" => &["budgets"],
        "cloudfront.rs" => &["cloudfront", "s3"],
        "ec2.rs" | "vpc.rs" | "egress.rs" => &["ec2"],
        "ecr.rs" => &["ecr"],
        "ecs.rs" => &["ecs"],
        "elasticache.rs" => &["elasticache"],
        "elbv2.rs" | "elbv2_guard.rs" => &["elasticloadbalancingv2"],
        "events.rs" => &["eventbridge"],
        "iam.rs" => &["iam"],
        "lambda.rs" | "lambda_concurrency.rs" => &["lambda"],
        "bucket_guard.rs" | "lock.rs" | "s3.rs" | "site.rs" => &["s3"],
        "logs.rs" => &["cloudwatchlogs"],
        "rds.rs" | "rds_replica.rs" | "rds_proxy.rs" => &["rds"],
        "secrets.rs" => &["secretsmanager"],
        "sns.rs" => &["sns"],
        "waf.rs" => &["wafv2"],
        "route53.rs" | "dns_alias.rs" | "dns_zone.rs" => &["route53"],
        "acm.rs" => &["acm"],
        _ => &[],
    }
}

/// The string literals compared with `code(..)`: `code(e) == "X"` and `matches!(code(e), "X" | "Y")`.
fn matched_codes(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in src.match_indices("code(") {
        if src[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // `status_code(`, `fn code(`'s own name is preceded by a space: see below
        }
        let Some(close) = src[at..].find(')') else {
            continue;
        };
        let rest = src[at + close + 1..].trim_start();
        let list = if let Some(r) = rest.strip_prefix("==") {
            r.trim_start()
        } else if let Some(r) = rest.strip_prefix(',') {
            r.trim_start()
        } else {
            continue;
        };
        let end = list.find([')', '=', '{']).unwrap_or(list.len());
        for part in list[..end].split('|') {
            let p = part.trim();
            if let Some(lit) = p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                out.push(lit.to_string());
            }
        }
    }
    out
}

/// The directory of the SDK crate `aws-sdk-{service}` this build uses.
fn crate_dir(service: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(manifest.join("Cargo.lock")).expect("Cargo.lock");
    let name = format!("name = \"aws-sdk-{service}\"");
    let at = lock
        .find(&name)
        .unwrap_or_else(|| panic!("{name} not in Cargo.lock"));
    let version = lock[at..]
        .lines()
        .nth(1)
        .and_then(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("version line");
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cargo"));
    let registry = home.join("registry/src");
    for index in std::fs::read_dir(&registry).expect("cargo registry sources") {
        let dir = index
            .unwrap()
            .path()
            .join(format!("aws-sdk-{service}-{version}"));
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "aws-sdk-{service} {version} sources not found under {}",
        registry.display()
    );
}

/// Every error code the SDK of `service` recognises (its `"Code" =>` match arms).
fn modelled(service: &str) -> String {
    let mut all = String::new();
    let dir = crate_dir(service).join("src/protocol_serde");
    for f in std::fs::read_dir(dir).expect("protocol_serde") {
        all.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap_or_default());
    }
    all
}

#[test]
fn every_matched_error_code_is_one_its_service_sends() {
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws");
    let mut cache: BTreeMap<&str, String> = BTreeMap::new();
    let mut unknown = Vec::new();
    let mut checked = 0;
    for f in std::fs::read_dir(&aws).unwrap() {
        let path = f.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if file == "wire_codes.rs" || !file.ends_with(".rs") {
            continue;
        }
        let codes = matched_codes(&std::fs::read_to_string(&path).unwrap());
        if codes.is_empty() {
            continue;
        }
        let svcs = services(&file);
        assert!(
            !svcs.is_empty(),
            "{file} matches error codes: map it to its service here"
        );
        for code in codes {
            checked += 1;
            let known = svcs.iter().any(|s| {
                DOCUMENTED.iter().any(|(ds, dc, _)| ds == s && *dc == code)
                    || (*s != "ec2"
                        && cache
                            .entry(s)
                            .or_insert_with(|| modelled(s))
                            .contains(&format!("\"{code}\" =>")))
            });
            if !known {
                unknown.push(format!("{file}: {code}"));
            }
        }
    }
    assert!(
        checked > 40,
        "only {checked} codes found: is the scanner broken?"
    );
    assert!(unknown.is_empty(), "codes no service sends: {unknown:#?}");
}

#[test]
fn the_scanner_finds_both_forms() {
    let src = r#"Err(e) if code(&e) == "A.B" => {}
        Err(e) if matches!(
            code(&e),
            "C" | "D"
        ) => {}"#;
    assert_eq!(matched_codes(src), ["A.B", "C", "D"]);
}
