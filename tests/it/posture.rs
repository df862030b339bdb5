//! The security posture of each option's deploy, read back from the emulator the way a scanner
//! reads AWS (tests/emulator/posture.py): buckets private, ACL-free, encrypted and TLS-only, their
//! policies scoped to the distribution; data stores private, encrypted and reachable from the app
//! only; no Allow of `*` on `*`; trust limited to the account; CloudFront HTTPS with TLS 1.2 to its
//! origins; the API reachable through CloudFront only, throttled and logged.

use serde_json::Value;

use crate::containers::containers;
use crate::harness::{Project, deployed};

fn posture(p: &Project, stage: &str) -> Value {
    p.py(&format!(
        "import sys\nsys.path.insert(0, '{}/tests/emulator')\nfrom posture import posture\nout(posture(c, 'fintech-tracker', '{stage}'))",
        env!("CARGO_MANIFEST_DIR")
    ))
}

/// No findings, and every kind of check in `expected` looked at something.
fn assert_sound(found: &Value, expected: &[&str]) {
    let findings = found["findings"].as_array().unwrap();
    assert!(
        findings.is_empty(),
        "security findings:\n{}",
        findings
            .iter()
            .map(|f| f.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for kind in expected {
        assert!(
            found["checked"][*kind].as_u64().unwrap_or(0) > 0,
            "nothing was checked for `{kind}`: {}",
            found["checked"]
        );
    }
}

const SHARED: &[&str] = &[
    "bucket public access blocked",
    "bucket ACL grants only the owner",
    "bucket ACLs disabled",
    "bucket encrypted",
    "bucket denies requests without TLS",
    "bucket refuses a request without TLS",
    "bucket policy allows the stage's distribution only",
    "CloudFront redirects HTTP to HTTPS",
    "CloudFront default behaviour redirects to HTTPS",
    "CloudFront origin TLS 1.2 minimum",
    "CloudFront sends the origin token to the API",
    "CloudFront reads the bucket through origin access control",
    "database not public",
    "database encrypted",
    "cache encrypted at rest",
    "cache encrypted in transit",
    "data stores admit the app's group only",
    "secrets endpoint limited to the stage's secrets",
    "role trusted on behalf of this account only",
    "no policy allows * on *",
    "function concurrency capped",
    "function invoked only from its own source",
];

#[test]
fn the_serverless_deploy_leaves_no_door_open() {
    let (_moto, p) = deployed();
    let found = posture(&p, "dev");
    let expected: Vec<&str> = SHARED
        .iter()
        .copied()
        .chain(["API throttled", "API access-logged"])
        .collect();
    assert_sound(&found, &expected);
}

#[test]
fn the_containers_deploy_leaves_no_door_open() {
    let (_moto, p, _) = containers();
    let found = posture(&p, "dev");
    let expected: Vec<&str> = SHARED
        .iter()
        .copied()
        .chain([
            "load balancer admits CloudFront only",
            "load balancer drops invalid headers",
            "load balancer refuses by default",
            "load balancer forwards only requests with the origin token",
            "container root filesystem read-only",
            "container logging non-blocking",
        ])
        .collect();
    assert_sound(&found, &expected);
}

#[test]
fn the_same_account_guard_of_a_trust_policy_can_be_turned_off_and_on() {
    // Should a service turn out not to send aws:SourceAccount when it assumes its role, the
    // guard would keep it out: `same_account_only: false` is the way out.
    let (_moto, p) = deployed();
    let trust = "out(c('iam').get_role(RoleName='fintech-tracker-dev-fn-role')['Role']['AssumeRolePolicyDocument']['Statement'][0].get('Condition'))";
    assert_eq!(
        p.py(trust),
        serde_json::json!({"StringEquals": {"aws:SourceAccount": "123456789012"}})
    );
    p.edit(
        "stacks/common.yaml",
        "    service: lambda.amazonaws.com\n",
        "    service: lambda.amazonaws.com\n    same_account_only: false\n",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("source_guarded: true -> false"), "{plan}");
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert_eq!(p.py(trust), Value::Null);
}
