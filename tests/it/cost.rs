//! `fintech cost`: both options side by side, each line reproducible from the catalog and the usage,
//! parameters moving exactly their lines, no network, and the plan's cost delta.

use serde_json::Value;

use crate::harness::{Moto, Project, deployed, repo};

fn catalog(key: &str) -> f64 {
    let c: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("src/cost/catalog.json")).unwrap(),
    )
    .unwrap();
    c["regions"]["us-east-1"][key]["price"]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} in the catalog"))
}

/// The estimates of `cost --option all --json` for a legacy account in its first year, by option.
fn estimates(p: &Project) -> Vec<Value> {
    estimates_with(p, &["--free-tier", "legacy"])
}

fn estimates_with(p: &Project, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["cost", "--option", "all", "--json"];
    all.extend(args);
    p.run(&all).expect(0).json()["estimates"]
        .as_array()
        .unwrap()
        .clone()
}

fn line<'a>(e: &'a Value, resource: &str, key: &str) -> &'a Value {
    e["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["resource"] == resource && l["key"] == key)
        .unwrap_or_else(|| panic!("{resource} {key} in {e}"))
}

#[test]
fn every_line_says_where_its_price_comes_from() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    p.endpoint = "http://127.0.0.1:9".into();
    for e in estimates(&p) {
        for l in e["lines"].as_array().unwrap() {
            for k in ["price_unit", "price_source", "price_date"] {
                assert!(l[k].as_str().is_some_and(|v| !v.is_empty()), "{k} of {l}");
            }
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn both_options_side_by_side_and_every_line_reproducible_by_hand() {
    // No emulator, and an endpoint nobody listens on: cost needs no network.
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    p.endpoint = "http://127.0.0.1:9".into();
    let text = p
        .run(&["cost", "--option", "all", "--free-tier", "legacy"])
        .expect(0)
        .stdout();
    for s in [
        "option serverless",
        "option containers",
        "Side by side",
        "RDS",
        "ElastiCache",
        "Lambda",
        "Fargate",
        "Load balancer",
        "Public IPv4",
        "total",
        "Usage assumptions",
        "api_requests_per_month: 1000000",
    ] {
        assert!(text.contains(s), "{s} in\n{text}");
    }
    let all = estimates(&p);
    let (sl, ct) = (&all[0], &all[1]);
    assert_eq!(
        (sl["option"].as_str(), ct["option"].as_str()),
        (Some("serverless"), Some("containers"))
    );

    // By hand: 730 hours of db.t3.micro.
    assert!(close(
        line(sl, "db", "rds.postgres.db.t3.micro")["list"]
            .as_f64()
            .unwrap(),
        730.0 * catalog("rds.postgres.db.t3.micro")
    ));
    // 1M requests x 0.5 GB x 120 ms of Lambda compute.
    let gbs = 1_000_000.0 * 0.5 * 0.120;
    assert!(close(
        line(sl, "api", "lambda.gb_second.x86_64")["list"]
            .as_f64()
            .unwrap(),
        gbs * catalog("lambda.gb_second.x86_64")
    ));
    // One Fargate task of 0.25 vCPU all month.
    assert!(close(
        line(ct, "api_service", "fargate.vcpu_hour")["list"]
            .as_f64()
            .unwrap(),
        730.0 * 0.25 * catalog("fargate.vcpu_hour")
    ));
    // The ALB's public IPv4 address in each of its 2 AZs, which the seed's table forgot.
    assert!(close(
        line(ct, "api_origin", "ec2.public_ipv4")["list"]
            .as_f64()
            .unwrap(),
        2.0 * 730.0 * 0.005
    ));
    // Totals are the sums of the lines; the legacy free tier covers the micro instances in year one.
    for e in [sl, ct] {
        let sum: f64 = e["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["after"].as_f64().unwrap())
            .sum();
        assert!(close(sum, e["total_after"].as_f64().unwrap()));
    }
    assert_eq!(
        line(sl, "db", "rds.postgres.db.t3.micro")["first_year"],
        0.0
    );
    let after = sl["total_after"].as_f64().unwrap();
    assert!(
        (25.0..=50.0).contains(&after),
        "serverless after the free tier: {after}"
    );
    // The seed's "$0-5" in year one, plus what reaching Secrets Manager from the VPC costs (the seed
    // put the password on the command line instead): one interface endpoint, 730 h.
    let endpoint = 730.0 * catalog("vpc.interface_endpoint.hour");
    assert!(
        sl["total_first_year"].as_f64().unwrap() <= 5.0 + endpoint,
        "{}",
        sl["total_first_year"]
    );
    assert!(close(
        line(sl, "secrets_endpoint", "vpc.interface_endpoint.hour")["after"]
            .as_f64()
            .unwrap(),
        endpoint
    ));
}

#[test]
fn a_parameter_moves_exactly_its_lines() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    let before = estimates(&p);
    p.edit(
        "fintech.yaml",
        "db_class: db.t3.micro",
        "db_class: db.t3.small",
    );
    p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1024");
    p.edit("fintech.yaml", "task_count: 1", "task_count: 2");
    let after = estimates(&p);
    let changed = |i: usize| -> Vec<String> {
        let (b, a) = (
            before[i]["lines"].as_array().unwrap(),
            after[i]["lines"].as_array().unwrap(),
        );
        let mut out: Vec<String> = a
            .iter()
            .filter(|l| {
                !b.iter().any(|x| {
                    x["key"] == l["key"] && x["resource"] == l["resource"] && x["list"] == l["list"]
                })
            })
            .map(|l| {
                format!(
                    "{}:{}",
                    l["resource"].as_str().unwrap(),
                    l["key"].as_str().unwrap()
                )
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        changed(0),
        ["api:lambda.gb_second.x86_64", "db:rds.postgres.db.t3.small"]
    );
    assert_eq!(
        changed(1),
        [
            "api_service:ec2.public_ipv4",
            "api_service:fargate.gb_hour",
            "api_service:fargate.vcpu_hour",
            "db:rds.postgres.db.t3.small"
        ]
    );

    p.edit(
        "fintech.yaml",
        "api_requests_per_month: 1000000",
        "api_requests_per_month: 5000000",
    );
    let busier = estimates(&p);
    let requests = line(&busier[0], "api", "lambda.requests")["quantity"]
        .as_f64()
        .unwrap();
    assert!(close(requests, 5.0));
    assert!(close(
        line(&busier[0], "api_origin", "apigateway.http.requests")["quantity"]
            .as_f64()
            .unwrap(),
        5.0
    ));
}

/// Today's date in UTC, `YYYY-MM-DD`, `days` from now.
fn day(days: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%F", "-d", &format!("{days} days")])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_free_tier_follows_the_accounts_creation_date() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    p.endpoint = "http://127.0.0.1:9".into();
    let tier = |p: &Project| {
        let e = &estimates_with(p, &[])[0];
        (
            e["free_tier"].as_str().unwrap().to_string(),
            e["free_tier_why"].as_str().unwrap().to_string(),
        )
    };
    // Not said: no 12-month allowances assumed, and the output says how to say it.
    let (t, why) = tier(&p);
    assert_eq!(t, "none");
    assert!(why.contains("account_created"), "{why}");
    let text = p.run(&["cost"]).expect(0).stdout();
    assert!(
        text.contains("free tier: none — the account's creation date is not known"),
        "{text}"
    );

    // Created before 2025-07-15: its 12 months are over; the micro database is billed.
    p.edit(
        "fintech.yaml",
        "region: us-east-1",
        "region: us-east-1\naccount_created: 2024-03-01",
    );
    let (t, why) = tier(&p);
    assert_eq!(t, "none");
    assert!(why.contains("ended on 2025-03-01"), "{why}");
    let e = &estimates_with(&p, &[])[0];
    let db = line(e, "db", "rds.postgres.db.t3.micro");
    assert_eq!(db["first_year"], db["list"]);
    // ... but the always-free offers remain: a million Lambda requests.
    assert_eq!(line(e, "api", "lambda.requests")["after"], 0.0);

    // Created a month ago: the free plan's credits.
    let recent = day(-30);
    p.edit(
        "fintech.yaml",
        "account_created: 2024-03-01",
        &format!("account_created: {recent}"),
    );
    let (t, why) = tier(&p);
    assert_eq!(t, "credits");
    assert!(why.contains(&recent), "{why}");
    // A stage in another account says its own date.
    p.edit(
        "fintech.yaml",
        "    protect: true",
        "    protect: true\n    account_created: 2020-01-01",
    );
    let prod = &p
        .run(&["cost", "--stage", "prod", "--json"])
        .expect(0)
        .json()["estimates"][0];
    assert_eq!(prod["free_tier"], "none");
    // The command line wins.
    assert_eq!(
        tier_of(&estimates_with(&p, &["--free-tier", "legacy"])[0]),
        "legacy"
    );
    // Not a date: located, before anything else.
    p.edit(
        "fintech.yaml",
        &format!("account_created: {recent}"),
        "account_created: 2025-02-30",
    );
    let err = p.run(&["cost"]).expect(1).stderr();
    assert!(
        err.contains("fintech.yaml:") && err.contains("`2025-02-30` is not a date"),
        "{err}"
    );
}

fn tier_of(e: &Value) -> &str {
    e["free_tier"].as_str().unwrap()
}

#[test]
fn load_balancer_capacity_and_addresses_are_priced_from_the_usage() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    p.endpoint = "http://127.0.0.1:9".into();
    let lcu_hours = |p: &Project| {
        line(&estimates(p)[1], "api_origin", "alb.lcu_hour")["quantity"]
            .as_f64()
            .unwrap()
    };
    // 1M requests a month of 10 KB each: 13.7 MB an hour is 0.0137 LCU, not a flat 1 LCU.
    assert!(close(lcu_hours(&p), 1e6 * 10.0 / 1e6), "{}", lcu_hours(&p));
    // A hundred times the traffic, a hundred times the processed bytes.
    p.edit(
        "fintech.yaml",
        "api_requests_per_month: 1000000",
        "api_requests_per_month: 100000000",
    );
    assert!(close(lcu_hours(&p), 1e8 * 10.0 / 1e6), "{}", lcu_hours(&p));
    // The 12-month tier's public IPv4 hours are EC2 instances' only: the balancer's and the tasks'
    // addresses are billed in the first year too.
    let ct = &estimates(&p)[1];
    for (r, k) in [
        ("api_origin", "ec2.public_ipv4"),
        ("api_service", "ec2.public_ipv4"),
    ] {
        let l = line(ct, r, k);
        assert!(l["list"].as_f64().unwrap() > 0.0);
        assert_eq!(l["first_year"], l["list"], "{l}");
    }
}

#[test]
fn an_unknown_region_or_price_is_a_clear_error() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    let err = p
        .run(&["cost", "--region", "mars-east-1"])
        .expect(1)
        .stderr();
    assert!(err.contains("`mars-east-1` is not an AWS region"), "{err}");
    // A region AWS opened after this release, let through: no prices for it yet.
    let mut later = p.command(&["cost", "--region", "mars-east-1"]);
    later.env("FINTECH_ALLOW_REGION", "mars-east-1");
    let err = crate::harness::Run(later.output().unwrap())
        .expect(1)
        .stderr();
    assert!(err.contains("no prices for region `mars-east-1`"), "{err}");
    p.edit(
        "fintech.yaml",
        "usage:",
        "usage:\n  api_request_per_month: 5",
    );
    let err = p.run(&["cost"]).expect(1).stderr();
    assert!(
        err.contains("unknown key `api_request_per_month` in usage"),
        "{err}"
    );
    assert!(
        err.contains("did you mean `api_requests_per_month`?"),
        "{err}"
    );
}

#[test]
fn the_plan_shows_the_monthly_cost_delta_of_its_change() {
    let (_moto, p) = deployed();
    p.edit(
        "fintech.yaml",
        "db_class: db.t3.micro",
        "db_class: db.t3.small",
    );
    let text = p.run(&["plan"]).expect(0).stdout();
    let diff = 730.0 * (catalog("rds.postgres.db.t3.small") - catalog("rds.postgres.db.t3.micro"));
    assert!(text.contains(&format!("(+${diff:.2})")), "{text}");
    let json = p.run(&["plan", "--json"]).expect(0).json();
    let c = &json["monthly_cost"];
    assert!(
        close(
            c["after"].as_f64().unwrap() - c["before"].as_f64().unwrap(),
            diff
        ),
        "{c}"
    );
}
