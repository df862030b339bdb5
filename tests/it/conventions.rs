//! Output conventions: `--json` from every command that prints a result, `-vv`'s request lines,
//! colours only when wanted, the documented exit codes, completions, and `--version`'s commit.

use std::process::Command;

use crate::harness::{Moto, Project};

fn fintech(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fintech"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn completions_for_each_shell_and_the_commit_in_the_version() {
    for (shell, marker) in [
        ("bash", "_fintech()"),
        ("zsh", "#compdef fintech"),
        ("fish", "complete -c fintech"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = fintech(&["completions", shell]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains(marker),
            "{shell}: {text}"
        );
        assert!(
            text.contains("deploy") && text.contains("detailed-exitcode"),
            "{shell}"
        );
    }
    let v = String::from_utf8_lossy(&fintech(&["--version"]).stdout).to_string();
    let commit = v
        .trim()
        .strip_prefix(concat!("fintech ", env!("CARGO_PKG_VERSION"), " (commit "))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
}

#[test]
fn every_result_is_json_on_request_and_exit_codes_say_what_happened() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    let valid = p.run(&["validate", "--json"]).expect(0).json();
    assert_eq!(valid["valid"], true);
    assert!(valid["stacks"].as_array().unwrap().len() >= 4, "{valid}");
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    assert_eq!(cost["currency"], "USD");

    // 2: changes (with --detailed-exitcode), colourless when not on a terminal.
    let plan = p.run(&["plan", "--detailed-exitcode"]).expect(2).stdout();
    assert!(!plan.contains('\x1b'), "{plan}");
    let coloured = p.run(&["plan", "--color", "always"]).expect(0).stdout();
    assert!(
        coloured.contains("\x1b[32m  + db (rds.postgres) will be created"),
        "{coloured}"
    );
    let planned = p.run(&["plan", "--json"]).expect(0).json();
    assert_eq!(planned["changes"], true);

    // -vv: every request, with its service, operation, status and duration.
    let run = p.run(&["deploy", "--yes", "--json", "-vv"]).expect(0);
    let deployed = run.json();
    assert!(
        deployed["mutating_calls"].as_u64().unwrap() > 0,
        "{deployed}"
    );
    assert!(
        deployed["summary"]["create"].as_u64().unwrap() > 20,
        "{deployed}"
    );
    assert!(
        deployed["outputs"]["site_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let trace = run.stderr();
    let line = trace
        .lines()
        .find(|l| l.starts_with("aws Lambda CreateFunction 201 "))
        .unwrap_or_else(|| panic!("{trace}"));
    assert!(line.ends_with("ms"), "{line}");
    assert!(
        !p.run(&["deploy", "--yes"])
            .expect(0)
            .stderr()
            .contains("aws Lambda")
    );

    // 0: no changes; -q prints only the result.
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let quiet = p.run(&["deploy", "--yes", "-q"]).expect(0);
    assert!(quiet.stderr().is_empty(), "{}", quiet.stderr());
    let outputs = p.run(&["outputs", "--json"]).expect(0).json();
    assert_eq!(outputs["site_url"], deployed["outputs"]["site_url"]);
    let gone = p
        .run(&["destroy", "--yes", "--allow-data-loss", "--json"])
        .expect(0)
        .json();
    assert!(gone["deleted"].as_u64().unwrap() > 20, "{gone}");

    // 1: an error (here a stack that does not parse), and no AWS call.
    p.edit("stacks/common.yaml", "resources:", "resources: [");
    moto.reset_recording();
    p.run(&["plan", "--detailed-exitcode"]).expect(1);
    assert!(moto.calls().is_empty());
}
