//! Killed at any point: a run SIGKILLed after its Nth mutating request (N spread over the whole
//! run: deploys of both options, a destroy, an option switch) and run again ends in exactly the
//! state of a run never interrupted, every resource kind in the emulator counted (tests/emulator/
//! census.py), tagged or not, and `plan` says "No changes".

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::harness::{Moto, Project, Run};
use crate::proxy::{Proxy, Request, signalling};

/// Everything in the emulator, kind by kind.
pub(crate) fn census(p: &Project) -> Value {
    p.py(concat!(
        "import sys\nsys.path.insert(0, '",
        env!("CARGO_MANIFEST_DIR"),
        "/tests/emulator')\nfrom census import census\nout(census(c))"
    ))
}

/// Asserts that the stage ended as the uninterrupted run left it, naming the kinds that differ.
pub(crate) fn same_as(p: &Project, reference: &Value, when: &str) {
    let now = census(p);
    let differ: Vec<String> = reference
        .as_object()
        .unwrap()
        .iter()
        .filter(|(kind, want)| now.get(kind.as_str()) != Some(*want))
        .map(|(kind, want)| format!("{kind}: {} instead of {want}", now[kind.as_str()]))
        .collect();
    assert!(differ.is_empty(), "{when}:\n{}", differ.join("\n"));
}

/// Runs `args` through a proxy that counts its mutating requests.
fn counted(moto: &Moto, p: &mut Project, args: &[&str]) -> (Run, usize) {
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let proxy = Proxy::start(
        &moto.url,
        Duration::ZERO,
        Arc::new(move |r: &Request| {
            if r.call().is_mutating() {
                count.fetch_add(1, Ordering::SeqCst);
            }
            None
        }),
    );
    p.endpoint = proxy.url.clone();
    let run = p.run(args);
    p.endpoint = moto.url.clone();
    (run, seen.load(Ordering::SeqCst))
}

/// Runs `args` and SIGKILLs it when its mutating request after the `n`th arrives.
fn killed_after(moto: &Moto, p: &mut Project, args: &[&str], n: usize) {
    let pid = Arc::new(AtomicU32::new(0));
    let proxy = signalling(
        &moto.url,
        Duration::ZERO,
        n,
        libc::SIGKILL,
        pid.clone(),
        None,
    );
    p.endpoint = proxy.url.clone();
    let mut child = p.spawn(args);
    pid.store(child.id(), Ordering::SeqCst);
    let status = child.wait().unwrap();
    p.endpoint = moto.url.clone();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL),
        "{args:?} ended before its mutating request {}",
        n + 1
    );
}

/// `count` kill points spread evenly over a run of `total` mutating requests (1 ..= total - 1),
/// the whole spread shifted by a phase that changes from run to run: each run probes the whole
/// deploy at a few points, and successive runs probe between them. `FINTECH_KILL_SEED` replays a
/// run's points (every test prints its seed).
fn spread(total: usize, count: usize) -> Vec<usize> {
    let seed = crate::harness::seed("FINTECH_KILL_SEED");
    // The phase, in thousandths of the gap between two points.
    let phase = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % 1000;
    let points = points(total, count, phase as usize);
    eprintln!("kill points {points:?} of {total}: FINTECH_KILL_SEED={seed} replays them");
    points
}

/// The points of [`spread`] for a phase in thousandths of a gap (500: the middle of each gap).
fn points(total: usize, count: usize, phase: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..count)
        .map(|i| {
            ((1000 * i + phase) * total / (1000 * count)).clamp(1, total.saturating_sub(1).max(1))
        })
        .collect();
    v.dedup();
    v
}

#[test]
fn kill_points_cover_the_run_evenly_at_any_phase() {
    assert_eq!(points(100, 4, 0), [1, 25, 50, 75]);
    assert_eq!(points(100, 4, 500), [12, 37, 62, 87]);
    assert_eq!(points(100, 4, 999), [24, 49, 74, 99]);
    assert_eq!(points(3, 8, 500), [1, 2]);
}

const DEPLOY: &[&str] = &["deploy", "--yes"];
const CONTAINERS: &[&str] = &["deploy", "--option", "containers", "--yes"];

/// The serverless deploy killed at 8 points, each resumed.
#[test]
fn a_serverless_deploy_killed_anywhere_resumes_to_the_same_stage() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    let (run, total) = counted(&moto, &mut p, DEPLOY);
    run.expect(0);
    let reference = census(&p);
    drop(moto);
    for n in spread(total, 8) {
        let moto = Moto::start();
        let mut p = Project::new(&moto);
        killed_after(&moto, &mut p, DEPLOY, n);
        p.run(DEPLOY).expect(0);
        p.run(&["plan", "--detailed-exitcode"]).expect(0);
        same_as(&p, &reference, &format!("killed after {n} of {total}"));
    }
}

/// The containers deploy (its image built and pushed by fintech) killed at 6 points, each resumed.
#[test]
fn a_containers_deploy_killed_anywhere_resumes_to_the_same_stage() {
    let moto = Moto::with_registry();
    let mut p = Project::new(&moto);
    let (run, total) = counted(&moto, &mut p, CONTAINERS);
    run.expect(0);
    let reference = census(&p);
    drop(moto);
    for n in spread(total, 6) {
        let moto = Moto::with_registry();
        let mut p = Project::new(&moto);
        killed_after(&moto, &mut p, CONTAINERS, n);
        p.run(CONTAINERS).expect(0);
        p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
            .expect(0);
        same_as(
            &p,
            &reference,
            &format!("killed after {n} of {total} mutating requests"),
        );
    }
}

/// A destroy, and a switch from serverless to containers, each killed at 3 points and resumed.
#[test]
fn a_destroy_or_an_option_switch_killed_anywhere_resumes_to_the_same_end() {
    const DESTROY: &[&str] = &["destroy", "--yes", "--allow-data-loss"];
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    p.run(DEPLOY).expect(0);
    let (run, total) = counted(&moto, &mut p, DESTROY);
    run.expect(0);
    let reference = census(&p);
    drop(moto);
    for n in spread(total, 3) {
        let moto = Moto::start();
        let mut p = Project::new(&moto);
        p.run(DEPLOY).expect(0);
        killed_after(&moto, &mut p, DESTROY, n);
        p.run(DESTROY).expect(0);
        same_as(
            &p,
            &reference,
            &format!("destroy killed after {n} of {total}"),
        );
    }

    let moto = Moto::with_registry();
    let mut p = Project::new(&moto);
    p.run(DEPLOY).expect(0);
    let (run, total) = counted(&moto, &mut p, CONTAINERS);
    run.expect(0);
    let reference = census(&p);
    drop(moto);
    for n in spread(total, 3) {
        let moto = Moto::with_registry();
        let mut p = Project::new(&moto);
        p.run(DEPLOY).expect(0);
        killed_after(&moto, &mut p, CONTAINERS, n);
        p.run(CONTAINERS).expect(0);
        p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
            .expect(0);
        same_as(
            &p,
            &reference,
            &format!("switch killed after {n} of {total}"),
        );
    }
}
