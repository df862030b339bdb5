//! Watching a deployed stage: `fintech status` (each resource live or not, and its drift) and
//! `fintech logs` (the functions' events, filtered, as JSON, followed).

use std::io::Read;
use std::time::Duration;

use crate::harness::deployed;

#[test]
fn status_shows_each_resource_live_and_what_drifted() {
    let (_moto, p) = deployed();
    let status = p.run(&["status", "--json"]).expect(0).json();
    let resources = status["resources"].as_array().unwrap();
    assert!(resources.len() > 20, "{status}");
    assert!(
        resources
            .iter()
            .all(|r| r["live"] == true && r["drift"] == false),
        "{status}"
    );
    assert!(
        status["outputs"]["site_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    p.py("c('lambda').update_function_configuration(FunctionName='fintech-tracker-dev-api', MemorySize=256)\nout(0)");
    let text = p.run(&["status"]).expect(0).stdout();
    let api = text
        .lines()
        .find(|l| l.starts_with("api "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        api.contains("lambda.function") && api.contains("yes: memory_mb (changed outside fintech)"),
        "{text}"
    );
    assert!(text.contains("1 differ from the stack files"), "{text}");
    assert!(text.contains("site_url = https://"), "{text}");
}

#[test]
fn logs_show_the_functions_events_filtered_and_followed() {
    let (_moto, p) = deployed();
    let put = |group: &str, msgs: &[&str]| {
        let events: Vec<String> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{{'timestamp': now + {i}, 'message': {m:?}}}"))
            .collect();
        p.py(&format!(
            "import time, uuid\nl = c('logs')\nnow = int(time.time() * 1000)\ns = str(uuid.uuid4())\n\
             l.create_log_stream(logGroupName='{group}', logStreamName=s)\n\
             l.put_log_events(logGroupName='{group}', logStreamName=s, logEvents=[{}])\nout(0)",
            events.join(", ")
        ))
    };
    put(
        "/aws/lambda/fintech-tracker-dev-api",
        &["START request 1", "ERROR database timeout"],
    );
    put(
        "/aws/lambda/fintech-tracker-dev-ingest",
        &["ingested 42 quotes"],
    );

    let all = p.run(&["logs", "--since", "1h"]).expect(0).stdout();
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 3, "{all}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" api ") && l.ends_with("ERROR database timeout")),
        "{all}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" ingest ") && l.ends_with("ingested 42 quotes")),
        "{all}"
    );
    let errors = p
        .run(&[
            "logs", "api", "--since", "1h", "--filter", "ERROR", "--json",
        ])
        .expect(0)
        .stdout();
    let events: Vec<serde_json::Value> = errors
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "{errors}");
    assert_eq!(events[0]["message"], "ERROR database timeout");
    assert_eq!(events[0]["group"], "/aws/lambda/fintech-tracker-dev-api");
    let wrong = p.run(&["logs", "db"]).expect(1).stderr();
    assert!(
        wrong.contains("`db` has no logs in this stack") && wrong.contains("api"),
        "{wrong}"
    );

    // --follow prints what arrives later, once, and ends on Ctrl-C.
    let mut follow = p
        .command(&["logs", "api", "--follow", "--since", "1h"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    put("/aws/lambda/fintech-tracker-dev-api", &["START request 2"]);
    std::thread::sleep(Duration::from_secs(5));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(follow.id() as i32, libc::SIGINT) };
    assert!(follow.wait().unwrap().success());
    let mut out = String::new();
    follow
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out.matches("START request 1").count(), 1, "{out}");
    assert_eq!(out.matches("START request 2").count(), 1, "{out}");
}
