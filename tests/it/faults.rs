//! A faulty cloud: through a proxy that fails one request in ten (503s, dropped connections, and
//! requests AWS acts on whose answer never comes back before the client's timeout) on top of the
//! realism layer's throttling, deploy and destroy converge with nothing twice; when everything
//! fails they stop, saying how long they tried; a hung connection is cut by the attempt timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{Moto, Project};
use crate::proxy::{Action, Proxy, Request};

/// How long fintech waits for one attempt here (FINTECH_ATTEMPT_TIMEOUT); hung answers outlast it.
const ATTEMPT: Duration = Duration::from_secs(2);

/// A proxy failing `percent` of requests, spread evenly, in turn with a 503, a dropped connection
/// and an answer that never comes (after the emulator acted on the request); the counts of each
/// fault it made come with it.
fn faulty(upstream: &str, percent: u64) -> (Proxy, Arc<[AtomicU64; 3]>) {
    // FINTECH_TEST_FAULT_OFFSET shifts which requests fail (to explore other placements by hand).
    let offset = std::env::var("FINTECH_TEST_FAULT_OFFSET")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let n = AtomicU64::new(offset);
    let made = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let counts = made.clone();
    let proxy = Proxy::acting(
        upstream,
        Duration::ZERO,
        Arc::new(move |_: &Request| {
            let i = n.fetch_add(1, Ordering::SeqCst);
            if (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 100 >= percent {
                return Action::Forward;
            }
            counts[(i % 3) as usize].fetch_add(1, Ordering::SeqCst);
            match i % 3 {
                0 => Action::Error(503, "ServiceUnavailable".into(), "injected".into()),
                1 => Action::Drop,
                _ => Action::Hang(ATTEMPT * 2),
            }
        }),
    );
    (proxy, made)
}

#[test]
fn one_request_in_ten_failing_still_converges_with_nothing_twice() {
    // The end state of a run that met no fault.
    let calm = Moto::start_with(&[("FINTECH_REALISM", "throttle")]);
    let p = Project::new(&calm);
    p.run(&["deploy", "--yes"]).expect(0);
    let deployed = crate::kill::census(&p);
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    let destroyed = crate::kill::census(&p);
    drop(calm);

    let moto = Moto::start_with(&[("FINTECH_REALISM", "throttle")]);
    let (proxy, made) = faulty(&moto.url, 10);
    let mut p = Project::new(&moto);
    p.env.push((
        "FINTECH_ATTEMPT_TIMEOUT".into(),
        ATTEMPT.as_secs().to_string(),
    ));
    p.endpoint = proxy.url.clone();
    p.run(&["deploy", "--yes"]).expect(0);
    let made: Vec<u64> = made.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    assert!(
        made.iter().all(|n| *n >= 3),
        "503s, dropped connections and lost answers each met several times: {made:?}"
    );
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    crate::kill::same_as(&p, &deployed, "deployed through faults");
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    crate::kill::same_as(&p, &destroyed, "destroyed through faults");
}

#[test]
fn when_everything_fails_the_run_stops_saying_for_how_long_and_a_hung_call_is_cut() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    let down = Proxy::acting(
        &moto.url,
        Duration::ZERO,
        Arc::new(|_: &Request| Action::Error(503, "ServiceUnavailable".into(), "injected".into())),
    );
    p.endpoint = down.url.clone();
    p.env.push(("AWS_MAX_ATTEMPTS".into(), "3".into()));
    let run = p.run(&["deploy", "--yes"]).expect(1);
    let err = run.stderr();
    assert!(run.stdout().is_empty(), "no plan: {}", run.stdout());
    assert!(
        err.contains("AWS STS kept failing (ServiceUnavailable)")
            && err.contains("gave up after 3 attempts in "),
        "{err}"
    );

    // Fails part-way (every request after the 40th): the run ends, the next one heals it.
    let n = AtomicU64::new(0);
    let half = Proxy::acting(
        &moto.url,
        Duration::ZERO,
        Arc::new(move |_: &Request| {
            if n.fetch_add(1, Ordering::SeqCst) < 40 {
                Action::Forward
            } else {
                Action::Error(503, "ServiceUnavailable".into(), "injected".into())
            }
        }),
    );
    p.endpoint = half.url.clone();
    let err = p.run(&["deploy", "--yes"]).expect(1).stderr();
    // (EC2 words its errors differently: the SDK then shows the request id the proxy gave.)
    assert!(
        err.contains("ServiceUnavailable") || err.contains("injected"),
        "{err}"
    );
    assert!(
        err.contains("failed after "),
        "the time it tried is printed: {err}"
    );
    p.env.clear();
    p.endpoint = moto.url.clone();
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);

    // A connection that never answers is cut by the attempt timeout and the call retried.
    let first = std::sync::atomic::AtomicBool::new(false);
    let hung = Proxy::acting(
        &moto.url,
        Duration::ZERO,
        Arc::new(move |_: &Request| {
            if first.swap(true, Ordering::SeqCst) {
                Action::Forward
            } else {
                Action::Hang(Duration::from_secs(60))
            }
        }),
    );
    p.endpoint = hung.url.clone();
    p.env.push(("FINTECH_ATTEMPT_TIMEOUT".into(), "1".into()));
    let start = Instant::now();
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "the hung call was not waited on: {:?}",
        start.elapsed()
    );
}

/// The creates whose answer is lost the first time: the SDK sends them again, and AWS either makes
/// a twin (API Gateway's APIs and integrations have no unique names) or refuses a duplicate (IAM
/// roles, security groups, log groups...). The run still ends with one of each.
#[test]
fn creates_whose_answer_was_lost_leave_no_twin_and_no_failure() {
    let calm = Moto::start();
    let p = Project::new(&calm);
    p.run(&["deploy", "--yes"]).expect(0);
    let reference = crate::kill::census(&p);
    drop(calm);

    let moto = Moto::start();
    let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
    let lost = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = lost.clone();
    let proxy = Proxy::acting(
        &moto.url,
        Duration::ZERO,
        Arc::new(move |r: &Request| {
            let call = r.call();
            let name = call.name();
            let first = [
                "POST /v2/apis",
                "CreateRole",
                "CreateSecurityGroup",
                "CreateSecret",
                "POST /2020-05-31/origin-access-control",
            ]
            .contains(&name.as_str())
                || (name.starts_with("POST /v2/apis/") && name.ends_with("/integrations"));
            if first && seen.lock().unwrap().insert(name.clone()) {
                log.lock().unwrap().push(name);
                return Action::Hang(ATTEMPT * 2);
            }
            Action::Forward
        }),
    );
    let mut p = Project::new(&moto);
    p.env.push((
        "FINTECH_ATTEMPT_TIMEOUT".into(),
        ATTEMPT.as_secs().to_string(),
    ));
    p.endpoint = proxy.url.clone();
    p.run(&["deploy", "--yes"]).expect(0);
    let lost = lost.lock().unwrap().clone();
    for name in [
        "POST /v2/apis",
        "CreateRole",
        "CreateSecurityGroup",
        "CreateSecret",
        "POST /2020-05-31/origin-access-control",
    ] {
        assert!(lost.iter().any(|l| l == name), "{name} not lost: {lost:?}");
    }
    p.endpoint = moto.url.clone();
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    crate::kill::same_as(&p, &reference, "after lost answers");
}
