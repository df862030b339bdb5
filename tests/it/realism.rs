//! The drivers against the AWS-realism layer (tests/emulator/realism.py): what a first real deploy
//! meets and moto alone never shows. Each test turns on the behaviours it is about.

use crate::harness::{Moto, Project};

#[test]
fn throttling_in_every_protocol_is_retried_past_the_sdks_default_three_attempts() {
    // Three throttled answers before each operation's first success: the SDK's default (three
    // attempts) gives up on the first of them; fintech's retry configuration does not.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "throttle"),
        ("FINTECH_REALISM_THROTTLE_BURST", "3"),
    ]);
    let mut p = Project::new(&moto);
    // The user's own retry settings win: with the SDK's three attempts the burst is fatal.
    p.env.push(("AWS_MAX_ATTEMPTS".into(), "3".into()));
    let err = p.run(&["plan"]).expect(1).stderr();
    assert!(
        err.contains("RequestLimitExceeded") || err.contains("Throttling"),
        "{err}"
    );
    p.env.clear();
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("Plan: 19 to create"), "{plan}");
    let log = moto.realism_log();
    for (service, op) in [
        ("ec2", "DescribeVpcs"),        // query, EC2's RequestLimitExceeded (503)
        ("rds", "DescribeDBInstances"), // query, Throttling (400)
        ("secretsmanager", "DescribeSecret"), // JSON, ThrottlingException
        ("lambda", "GET lambda"),       // REST, TooManyRequestsException (429)
        ("s3", "GET s3"),               // S3's SlowDown (503)
    ] {
        assert!(
            log.contains(&format!("throttle {service} {op}\n")),
            "{service} {op} was not throttled:\n{log}"
        );
    }
}
