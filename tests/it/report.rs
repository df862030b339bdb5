//! Pictures and reports: `graph` of the bundled stack in each format (and the README's pictures
//! being what it draws), `plan --format markdown|html` of a small stack against moto, and
//! `cost --format html` rendered by headless Chromium.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::{Moto, Project, Run, repo};

/// `fintech ARGS` in `dir`, with no AWS endpoint: these commands must not need one.
fn offline(dir: &Path, args: &[&str]) -> Run {
    Run(Command::new(env!("CARGO_BIN_EXE_fintech"))
        .args(args)
        .current_dir(dir)
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap())
}

/// The Mermaid node id of resource `id` (its label starts with the id in bold).
fn mermaid_node<'a>(chart: &'a str, id: &str) -> &'a str {
    let line = chart
        .lines()
        .find(|l| l.contains(&format!("[\"<b>{id}</b><br/>")))
        .unwrap_or_else(|| panic!("no node {id} in\n{chart}"));
    line.trim().split('[').next().unwrap()
}

#[test]
fn the_bundled_stack_is_drawn_in_each_format_and_the_readme_shows_it() {
    for option in ["serverless", "containers"] {
        let m = offline(&repo(), &["graph", "--option", option])
            .expect(0)
            .stdout();
        assert!(m.starts_with("flowchart LR\n"), "{m}");
        for tier in ["edge", "compute", "data", "network", "operations"] {
            assert!(m.contains(&format!("  subgraph {tier}[")), "{tier} in\n{m}");
        }
        // The database and the cache are marked as holding data, with their sizes.
        for (id, kind) in [("db", "rds.postgres"), ("cache", "elasticache.redis")] {
            let node = mermaid_node(&m, id);
            let line = m
                .lines()
                .find(|l| l.trim().starts_with(&format!("{node}[")))
                .unwrap();
            assert!(
                line.contains(kind) && line.contains("<i>holds data</i>"),
                "{line}"
            );
            let data = m
                .lines()
                .find(|l| l.starts_with("  class ") && l.ends_with(" data"))
                .unwrap();
            assert!(data.split([' ', ',']).any(|n| n == node), "{data}");
        }
        assert!(
            m.contains("<br/>rds.postgres<br/>fintech-tracker-dev-db<br/>db.t3.micro, 20 GB<br/>"),
            "the database's size\n{m}"
        );
        // An edge per reference: the compute references the database.
        let compute = if option == "serverless" {
            "api"
        } else {
            "api_service"
        };
        let edge = format!(
            "  {} --> {}\n",
            mermaid_node(&m, compute),
            mermaid_node(&m, "db")
        );
        assert!(m.contains(&edge), "{edge} in\n{m}");

        let dot = offline(&repo(), &["graph", "--option", option, "--format", "dot"])
            .expect(0)
            .stdout();
        assert!(
            dot.starts_with("digraph ") && dot.contains("subgraph cluster_data {"),
            "{dot}"
        );
        assert!(
            dot.contains("holds data\", color=\"#b45309\", penwidth=2.5"),
            "{dot}"
        );
        assert_eq!(
            dot.matches(" -> ").count(),
            m.matches(" --> ").count(),
            "the same references in both"
        );

        // The SVG is drawn by fintech itself, is well-formed, and is the README's picture.
        let svg = offline(&repo(), &["graph", "--option", option, "--format", "svg"])
            .expect(0)
            .stdout();
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("g.svg");
        std::fs::write(&file, &svg).unwrap();
        let parsed = Command::new("python3")
            .args(["-c", "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(len([e for e in r.iter() if e.get('class', '').startswith('node')]))"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            parsed.status.success(),
            "{}",
            String::from_utf8_lossy(&parsed.stderr)
        );
        let nodes: usize = String::from_utf8_lossy(&parsed.stdout)
            .trim()
            .parse()
            .unwrap();
        assert_eq!(nodes, m.lines().filter(|l| l.starts_with("    n")).count());
        let readme_picture = repo().join(format!("docs/graph-{option}.svg"));
        assert_eq!(
            std::fs::read_to_string(&readme_picture).unwrap_or_default(),
            svg,
            "{} is not what `fintech graph --option {option} --format svg` draws: run scripts/readme-pictures",
            readme_picture.display()
        );
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for option in ["serverless", "containers"] {
        assert!(
            readme.contains(&format!("(docs/graph-{option}.svg)")),
            "README shows {option}"
        );
    }
}

/// A stack of a few cheap resources: a secret (from the environment), a bucket, a log group.
fn small_project(moto: &Moto) -> Project {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("stacks")).unwrap();
    std::fs::write(
        tmp.path().join("fintech.yaml"),
        "app: report\nregion: us-east-1\ndefault_option: serverless\nstages:\n  dev: {}\nsecrets:\n  API_KEY: { from_env: REPORT_API_KEY }\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("stacks/serverless.yaml"),
        "resources:\n  uploads:\n    type: s3.bucket\n  app_logs:\n    type: logs.log_group\n    retention_days: 7\n",
    )
    .unwrap();
    let mut p = Project::at(moto, tmp.path());
    p.env
        .push(("REPORT_API_KEY".into(), "first-s3cret-value".into()));
    p
}

#[test]
fn the_plan_is_a_report_for_a_pull_request() {
    let moto = Moto::start();
    let mut p = small_project(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    let clean = p
        .run(&["plan", "--format", "markdown", "--detailed-exitcode"])
        .expect(0)
        .stdout();
    assert!(
        clean.starts_with("<!-- fintech-plan report/dev serverless us-east-1 -->\n"),
        "{clean}"
    );
    assert!(
        clean.contains("**No changes.** Live AWS matches the stack (3 resources)."),
        "{clean}"
    );

    // A new secret value, a retention changed, the bucket removed from the stack.
    p.env[0].1 = "second-s3cret-value".into();
    p.edit(
        "stacks/serverless.yaml",
        "retention_days: 7",
        "retention_days: 30",
    );
    p.edit(
        "stacks/serverless.yaml",
        "  uploads:\n    type: s3.bucket\n",
        "",
    );
    let md = p
        .run(&[
            "plan",
            "--format",
            "markdown",
            "--detailed-exitcode",
            "--out",
            "plan.json",
        ])
        .expect(2)
        .stdout();
    for part in [
        "<!-- fintech-plan report/dev serverless us-east-1 -->\n### <code>fintech plan</code>: report/dev (serverless, us-east-1, account 123456789012)\n",
        "**Plan: 0 to create, 2 to update, 0 to replace, 1 to delete, 0 unchanged.**",
        "> [!CAUTION]\n> **Destroys data:** <code>uploads</code> (s3.bucket) would be deleted",
        "| <code>~</code> | <code>app_logs</code> | logs.log_group | /ecs/report-dev-app-logs | update | retention_days |",
        "| <code>~</code> | <code>secrets.API_KEY</code> | secretsmanager.secret |",
        "| <code>-</code> | <code>uploads</code> | s3.bucket |",
        "retention_days: \"7\" -> \"30\"\n",
        "#### Monthly cost after the free tier\n\n| Service | Before | After | Change |",
        "| **Total** |",
        "```mermaid\nflowchart LR\n",
    ] {
        assert!(md.contains(part), "missing {part:?} in\n{md}");
    }
    let html = p.run(&["plan", "--format", "html"]).expect(0).stdout();
    for part in [
        "<!doctype html>",
        "<div class=\"warning\"><strong>Destroys data:</strong> <code>uploads</code>",
        "<tr class=\"update\"><td><code>~</code></td><td><code>app_logs</code></td>",
        "retention_days: &quot;7&quot; -&gt; &quot;30&quot;",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"",
    ] {
        assert!(html.contains(part), "missing {part:?} in\n{html}");
    }
    for report in [&md, &html] {
        assert!(!report.contains("s3cret"), "a secret in\n{report}");
    }
    // The report's run saved the plan, as a text plan's does.
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(p.path("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["kind"], "fintech-saved-plan", "{saved}");
}

#[test]
fn the_cost_page_draws_its_chart_in_a_browser() {
    let chromium = which("chromium").expect("chromium (scripts/setup installs Debian's package)");
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("cost.html");
    let html = offline(
        &repo(),
        &["cost", "--format", "html", "--free-tier", "legacy"],
    )
    .expect(0)
    .stdout();
    std::fs::write(&page, &html).unwrap();
    let estimates = offline(
        &repo(),
        &["cost", "--option", "all", "--json", "--free-tier", "legacy"],
    )
    .expect(0)
    .json();
    let estimates = estimates["estimates"].as_array().unwrap();
    assert_eq!(estimates.len(), 2, "both options");

    let url = format!("file://{}", page.display());
    let browser = |extra: &[&str]| {
        let out = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--force-color-profile=srgb",
            ])
            .arg(format!(
                "--user-data-dir={}",
                tmp.path().join("profile").display()
            ))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    // The DOM the browser built: the chart with a bar per service, option and column, and each
    // option's totals as `fintech cost` computes them.
    let dom = browser(&["--dump-dom"]);
    assert!(dom.contains("<svg id=\"chart\""), "{dom}");
    // A bar for each service that costs something in some column.
    let mut services = std::collections::BTreeMap::<&str, f64>::new();
    for l in estimates
        .iter()
        .flat_map(|e| e["lines"].as_array().unwrap())
    {
        *services.entry(l["service"].as_str().unwrap()).or_default() +=
            l["first_year"].as_f64().unwrap() + l["after"].as_f64().unwrap();
    }
    services.retain(|_, cost| *cost > 0.0);
    assert_eq!(
        dom.matches("<rect class=\"bar\"").count(),
        services.len() * 4,
        "{dom}"
    );
    for e in estimates {
        let option = e["option"].as_str().unwrap();
        for (column, key) in [("first-year", "total_first_year"), ("after", "total_after")] {
            let cell = format!(
                "data-column=\"{column}\">${:.2}</td>",
                e[key].as_f64().unwrap().max(0.0)
            );
            let row = dom
                .lines()
                .find(|l| l.contains(&format!("<tr class=\"total\" data-option=\"{option}\">")))
                .unwrap_or_else(|| panic!("no totals of {option} in\n{dom}"));
            assert!(row.contains(&cell), "{cell} in {row}");
        }
    }
    // What it looks like: both options' bars are painted (their colours, in solid runs).
    let shot = tmp.path().join("cost.png");
    browser(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1280,2600",
    ]);
    let (width, pixels) = png_rgb(&std::fs::read(&shot).unwrap());
    assert!(width >= 1200, "{width}");
    for (colour, what) in [
        ([0x1d, 0x4e, 0xd8], "serverless after"),
        ([0xc2, 0x41, 0x0c], "containers after"),
    ] {
        let painted = pixels.iter().filter(|p| **p == colour).count();
        assert!(
            painted > 500,
            "{what}'s bars: {painted} pixels of {colour:?}"
        );
    }
}

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(cmd))
            .find(|p| p.is_file())
    })
}

/// A PNG's width and pixels as RGB (8-bit RGB or RGBA, not interlaced: what Chromium writes).
fn png_rgb(png: &[u8]) -> (usize, Vec<[u8; 3]>) {
    use std::io::Read;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (mut at, mut idat) = (8, Vec::new());
    let (mut width, mut height, mut channels) = (0, 0, 0);
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let kind = &png[at + 4..at + 8];
        let data = &png[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!((data[8], data[12]), (8, 0), "8-bit, not interlaced");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width * channels;
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width * height);
    for row in raw.chunks(stride + 1).take(height) {
        let (filter, data) = (row[0], &row[1..]);
        let mut cur = vec![0u8; stride];
        for i in 0..stride {
            let a = if i >= channels {
                cur[i - channels] as i16
            } else {
                0
            };
            let b = prev[i] as i16;
            let c = if i >= channels {
                prev[i - channels] as i16
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            cur[i] = data[i].wrapping_add(predicted as u8);
        }
        pixels.extend(cur.chunks(channels).map(|p| [p[0], p[1], p[2]]));
        prev = cur;
    }
    (width, pixels)
}
