//! `fintech deploy` as a person at a terminal sees it: driven in tmux, the screen read back once the
//! run is over. The live view leaves one result line per resource and a summary (no spinner left
//! behind), the plan is coloured, and NO_COLOR turns the colours off.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{Moto, Project};

/// Runs `fintech ARGS` in the project in a detached tmux session (a 140x60 terminal), waits for
/// it to end, and returns the screen with its colours (`capture-pane -e`) and its history.
fn screen(p: &Project, args: &str, env: &[(&str, &str)]) -> String {
    let session = format!(
        "fintech-{}",
        std::process::id() as u64 * 1000 + rand_suffix()
    );
    let socket = p.path("tmux.sock");
    let tmux = |a: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(a)
            .output()
            .expect("tmux is installed (scripts/setup)")
    };
    let mut vars = format!(
        "AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null",
        p.endpoint
    );
    for (k, v) in env {
        vars.push_str(&format!(" {k}={v}"));
    }
    let cmd = format!(
        "cd {} && env -u AWS_PROFILE -u NO_COLOR {vars} {} {args}; echo \"[exit $?]\"; sleep 600",
        p.dir.path().display(),
        env!("CARGO_BIN_EXE_fintech")
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "140",
        "-y",
        "60",
        &cmd,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let begin = Instant::now();
    let text = loop {
        let shot = tmux(&["capture-pane", "-p", "-e", "-S", "-", "-t", &session]);
        let text = String::from_utf8_lossy(&shot.stdout).to_string();
        if text.contains("[exit ") {
            break text;
        }
        assert!(
            begin.elapsed() < Duration::from_secs(180),
            "no end:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    tmux(&["kill-server"]);
    text
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64 % 1000)
        .unwrap_or(0)
}

#[test]
fn a_deploy_on_a_terminal_shows_a_line_per_resource_then_a_summary() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    let shown = screen(&p, "deploy --yes", &[]);
    assert!(shown.contains("[exit 0]"), "{shown}");
    // The plan, coloured: creations in green.
    assert!(
        shown.contains("\x1b[32m  + db (rds.postgres) will be created"),
        "{shown}"
    );
    // The live view collapsed into one result line per resource, and the summary.
    let plain = strip(&shown);
    for id in ["db", "cache", "api", "cdn", "site_bucket", "fn_role"] {
        let line = format!("✓ {id}: created in ");
        assert_eq!(plain.matches(&line).count(), 1, "{line}:\n{plain}");
    }
    assert!(plain.contains("Deploy complete in "), "{plain}");
    for spinner in ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] {
        assert!(
            !plain.contains(spinner),
            "a spinner was left on screen:\n{plain}"
        );
    }
    assert!(
        !plain.contains("] db: creating"),
        "not the plain lines:\n{plain}"
    );

    // NO_COLOR on the same terminal: the same screen without colours; --no-progress: timestamped lines.
    p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1024");
    let shown = screen(&p, "deploy --yes --no-progress", &[("NO_COLOR", "1")]);
    assert!(shown.contains("[exit 0]"), "{shown}");
    assert!(!strip_layout(&shown).contains('\x1b'), "{shown}");
    assert!(
        shown.contains("~ api (lambda.function) will be updated in place"),
        "{shown}"
    );
    let stamped = shown
        .lines()
        .find(|l| l.ends_with("] api: updating"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(
        stamped.starts_with("[") && stamped.contains("s] "),
        "{stamped}"
    );
}

/// The screen's text without colour and style sequences.
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// tmux's own sequences aside (it resets attributes at line ends: `ESC[0m`, `ESC[39m`...), is any
/// colour left? Returns the text with only colour-setting sequences kept.
fn strip_layout(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\x1b') {
        out.push_str(&rest[..i]);
        let seq_end = rest[i..]
            .find(|c: char| c.is_ascii_alphabetic())
            .map_or(rest.len(), |j| i + j + 1);
        let seq = &rest[i..seq_end];
        // Resets (0, 39, 49 or none) are layout; anything else sets a colour or a style.
        let params = seq.trim_start_matches("\x1b[").trim_end_matches('m');
        if !params
            .split(';')
            .all(|p| matches!(p, "" | "0" | "39" | "49"))
        {
            out.push_str(seq);
        }
        rest = &rest[seq_end..];
    }
    out.push_str(rest);
    out
}
