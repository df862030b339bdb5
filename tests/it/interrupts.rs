//! Runs that stop or overlap: Ctrl-C and SIGTERM stop a deploy cleanly (lock released, the command
//! that resumes printed), a second Ctrl-C aborts at once, and two runs of one stage never work at
//! the same time while runs of different stages never wait for each other.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::harness::{Moto, Project};
use crate::proxy::signalling;

const LOCKS: &str = "fintech-tracker-fintech-locks-123456789012-us-east-1";

/// Locks in the lock bucket (0: no stage is locked, or no lock bucket yet); the deploy records
/// beside them are not locks.
fn locks_held(p: &Project) -> serde_json::Value {
    p.py(&format!(
        "try:\n    out(sum(1 for o in c('s3').list_objects_v2(Bucket='{LOCKS}').get('Contents', []) if o['Key'].endswith('.lock')))\n\
         except c('s3').exceptions.NoSuchBucket:\n    out(0)"
    ))
}

/// After a stopped run: the next deploy finishes the job, then nothing is left to change and
/// nothing exists twice.
fn converges(moto: &Moto, p: &mut Project) {
    p.endpoint = moto.url.clone();
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let counts = p.py(
        "out([len(c('lambda').list_functions()['Functions']), len(c('apigatewayv2').get_apis()['Items']),\n\
              len(c('cloudfront').list_distributions()['DistributionList']['Items']),\n\
              len([g for g in c('ec2').describe_security_groups()['SecurityGroups'] if g['GroupName'].startswith('fintech')])])",
    );
    assert_eq!(counts, json!([2, 1, 1, 3]), "no duplicates");
}

#[test]
fn sigterm_stops_a_deploy_cleanly_and_the_next_one_resumes() {
    let moto = Moto::start();
    let pid = Arc::new(AtomicU32::new(0));
    let proxy = signalling(
        &moto.url,
        Duration::from_millis(20),
        12,
        libc::SIGTERM,
        pid.clone(),
        None,
    );
    let mut p = Project::new(&moto);
    p.endpoint = proxy.url.clone();
    let child = p
        .command(&["deploy", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    pid.store(child.id(), Ordering::SeqCst);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("fintech: stopping: no new work is started"),
        "{err}"
    );
    assert!(err.contains("apply interrupted: "), "{err}");
    assert!(err.contains("not started: "), "{err}");
    assert!(
        err.contains("resume with: fintech deploy --option serverless --stage dev"),
        "{err}"
    );
    assert_eq!(locks_held(&p), 0, "the stage lock was given back");
    converges(&moto, &mut p);
}

/// Runs `fintech deploy --yes` on a pseudo-terminal (spinners, as a user sees it) and types
/// Ctrl-C `presses` times once `marker` exists; returns the exit code and what the terminal showed.
fn deploy_on_a_terminal(p: &Project, marker: &std::path::Path, presses: u32) -> (i32, String) {
    let cmd = p.command(&["deploy", "--yes"]);
    let mut argv = vec![cmd.get_program().to_string_lossy().to_string()];
    argv.extend(
        cmd.get_args()
            .map(|a| a.to_string_lossy().to_string())
            .filter(|a| a != "--no-progress"),
    );
    let env: serde_json::Map<String, serde_json::Value> = cmd
        .get_envs()
        .map(|(k, v)| {
            (
                k.to_string_lossy().to_string(),
                v.map_or(serde_json::Value::Null, |v| json!(v.to_string_lossy())),
            )
        })
        .collect();
    let driver = r#"
import json, os, pty, select, sys, time
argv, env, cwd, marker, presses = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
full = dict(os.environ)
for k, v in env.items():
    if v is None: full.pop(k, None)
    else: full[k] = v
pid, fd = pty.fork()
if pid == 0:
    os.chdir(cwd)
    os.execve(argv[0], argv, full)
buf, sent = b'', 0
while True:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    if sent < presses and os.path.exists(marker):
        os.write(fd, b'\x03')
        sent += 1
        time.sleep(0.05)
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'out': buf.decode('utf-8', 'replace')}))
"#;
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            driver,
            &serde_json::to_string(&argv).unwrap(),
            &serde_json::Value::Object(env).to_string(),
            &p.dir.path().to_string_lossy(),
            &marker.to_string_lossy(),
            &presses.to_string(),
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("pty driver: {}", String::from_utf8_lossy(&out.stderr)));
    (
        v["code"].as_i64().unwrap() as i32,
        v["out"].as_str().unwrap().to_string(),
    )
}

#[test]
fn ctrl_c_on_a_terminal_stops_cleanly_and_twice_aborts_at_once() {
    let moto = Moto::start();
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("reached");
    // The terminal types Ctrl-C itself once the proxy has let 15 mutating requests through.
    let proxy = signalling(
        &moto.url,
        Duration::from_millis(20),
        15,
        0,
        Arc::new(AtomicU32::new(0)),
        Some(marker.clone()),
    );
    let mut p = Project::new(&moto);
    p.endpoint = proxy.url.clone();
    let (code, screen) = deploy_on_a_terminal(&p, &marker, 1);
    assert_eq!(code, 130, "{screen}");
    assert!(
        screen.contains("stopping: no new work is started"),
        "{screen}"
    );
    assert!(screen.contains("interrupted: "), "{screen}");
    assert!(
        screen.contains("resume with: fintech deploy --option serverless --stage dev"),
        "{screen}"
    );
    assert_eq!(locks_held(&p), 0, "the stage lock was given back");

    // Twice: the process ends at once, its lock left behind; the next run on this machine sees its
    // holder is dead, takes the lock over and finishes the job.
    p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1024");
    let _ = std::fs::remove_file(&marker);
    let proxy = signalling(
        &moto.url,
        Duration::from_millis(20),
        2,
        0,
        Arc::new(AtomicU32::new(0)),
        Some(marker.clone()),
    );
    p.endpoint = proxy.url.clone();
    let (code, screen) = deploy_on_a_terminal(&p, &marker, 2);
    assert_eq!(code, 130, "{screen}");
    assert!(
        screen.contains("aborted at once (second interrupt)"),
        "{screen}"
    );
    converges(&moto, &mut p);
}

#[test]
fn a_second_deploy_of_the_stage_waits_for_the_first_and_another_stage_never_waits() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    let proxy = crate::proxy::Proxy::start(
        &moto.url,
        Duration::from_millis(50),
        Arc::new(|_: &crate::proxy::Request| None),
    );
    p.endpoint = proxy.url.clone();
    let first = p
        .command(&["deploy", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The second (straight to the emulator: its plan is read before the first is done) starts
    // once the first holds the lock.
    let start = std::time::Instant::now();
    while locks_held(&p) == 0 {
        assert!(start.elapsed() < Duration::from_secs(60), "no lock taken");
        std::thread::sleep(Duration::from_millis(100));
    }
    p.endpoint = moto.url.clone();
    let second = p.run(&["deploy", "--yes"]).expect(0);
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0));
    let err = second.stderr();
    assert!(
        err.contains("Stage `dev` is locked by ")
            && err.contains("running `deploy` (pid ")
            && err.contains("waiting up to 300s for it (--lock-timeout)"),
        "{err}"
    );
    assert!(
        second
            .stdout()
            .contains("The stage changed since the plan above was read"),
        "it applied the plan read under the lock: {}",
        second.stdout()
    );
    converges(&moto, &mut p);

    // Another stage's deploy goes ahead while this one is locked; this one, asked not to wait,
    // fails at once naming holder, command and start time.
    p.py(&format!(
        "c('s3').put_object(Bucket='{LOCKS}', Key='stages/dev.lock',\n\
              Body=json.dumps({{'holder': 'ci@runner-7', 'pid': 4242, 'command': 'destroy', 'since_unix': 1764150000}}))\n\
          out(1)"
    ));
    p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1024");
    let err = p
        .run(&["deploy", "--yes", "--lock-timeout", "0"])
        .expect(1)
        .stderr();
    assert!(
        err.contains("stage `dev` is locked by ci@runner-7 running `destroy` (pid 4242, since 2025-11-26T09:40:00Z)"),
        "{err}"
    );
    p.run(&["deploy", "--yes", "--stage", "prod", "--lock-timeout", "0"])
        .expect(0);
}
