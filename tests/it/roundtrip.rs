//! Round trip, as a property: varied stacks generated from the bundled ones (sizes, optional fields
//! on and off, rules, statements, routes, env vars and secrets added and removed, both options, two
//! stages). For each: deploy, the plan is clean; one random edit; the plan shows exactly that edit;
//! deploy; the plan is clean again.
//!
//! `FINTECH_ROUNDTRIP_CASES` (default 50) edits in all, spread over five stacks;
//! `FINTECH_ROUNDTRIP_SEED` replays a run (every failure prints its seed).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::containers::containers;
use crate::harness::{Moto, Project};

/// xorshift64*: small, seeded, enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One thing a user may change, its possible values (JSON), and what the plan must then show.
struct Knob {
    name: &'static str,
    options: &'static [&'static str],
    values: fn() -> Vec<Value>,
    /// The plan's entries (`id action [attribute]`) when this knob goes from `before` to `after`.
    shows: fn(&Value, &Value) -> Vec<String>,
}

const BOTH: &[&str] = &["serverless", "containers"];
const SERVERLESS: &[&str] = &["serverless"];
const CONTAINERS: &[&str] = &["containers"];

fn update(id: &str, attr: &str) -> Vec<String> {
    vec![format!("{id} update {attr}")]
}

fn present(before: &Value, after: &Value, id: &str) -> Vec<String> {
    match (before.is_null(), after.is_null()) {
        (true, false) => vec![format!("{id} create")],
        (false, true) => vec![format!("{id} delete")],
        _ => Vec::new(),
    }
}

#[rustfmt::skip]
const KNOBS: &[Knob] = &[
    Knob { name: "api_memory_mb", options: SERVERLESS, values: || vec![json!(256), json!(512), json!(1024)], shows: |_, _| update("api", "memory_mb") },
    Knob { name: "ingest_memory_mb", options: BOTH, values: || vec![json!(256), json!(512), json!(768)], shows: |_, _| update("ingest", "memory_mb") },
    Knob { name: "ingest_timeout_s", options: BOTH, values: || vec![json!(60), json!(300), json!(600)], shows: |_, _| update("ingest", "timeout_s") },
    Knob { name: "db_backup_days", options: BOTH, values: || vec![json!(1), json!(7), json!(14)], shows: |_, _| update("db", "backup_retention_days") },
    Knob { name: "db_storage_gb", options: BOTH, values: || vec![json!(20), json!(25), json!(30), json!(40)], shows: |_, _| update("db", "storage_gb") },
    Knob { name: "ingest_schedule", options: BOTH, values: || vec![json!("cron(0 6 * * ? *)"), json!("rate(1 hour)"), json!("cron(30 2 ? * MON-FRI *)")], shows: |_, _| update("daily_ingest", "schedule") },
    Knob { name: "allowed_origins", options: SERVERLESS, values: || vec![json!([]), json!(["https://app.example.com"]), json!(["https://a.example.com", "https://b.example.com"])], shows: |_, _| update("api_origin", "cors_origins") },
    Knob { name: "task_count", options: CONTAINERS, values: || vec![json!(1), json!(2), json!(0)], shows: |_, _| update("api_service", "desired_count") },
    Knob { name: "task_memory_mb", options: CONTAINERS, values: || vec![json!(512), json!(1024), json!(2048)], shows: |_, _| update("api_service", "memory_mb") },
    Knob { name: "site_domain", options: SERVERLESS, values: || vec![Value::Null, json!("rt.example.com")],
        shows: |b, a| [present(b, a, "zone"), present(b, a, "site_cert"), present(b, a, "site_dns"), update("cdn", "alias"), update("cdn", "certificate")].concat() },
    Knob { name: "api_domain", options: CONTAINERS, values: || vec![Value::Null, json!("rt.example.com")],
        shows: |b, a| [present(b, a, "zone"), present(b, a, "site_cert"), present(b, a, "site_dns"), present(b, a, "api_cert"), present(b, a, "api_dns"),
            update("cdn", "alias"), update("cdn", "certificate"), update("cdn", "api_domain"), update("cdn", "api_protocol"),
            update("api_origin", "certificate_arn"),
            // The balancer's name is the stack's: dropped, it goes with the certificate.
            if a.is_null() { Vec::new() } else { update("api_origin", "host_name") }].concat() },
    Knob { name: "alert_emails", options: BOTH, values: || vec![json!(["founders@example.com"]), json!(["ops@example.com", "founders@example.com"]), json!(["ops@example.com"])], shows: |_, _| [update("alerts", "emails"), update("spend_budget", "emails")].concat() },
    Knob { name: "thresholds_percent", options: BOTH, values: || vec![json!([80, 100]), json!([50, 80, 100]), json!([90])], shows: |_, _| update("spend_budget", "thresholds_percent") },
    Knob { name: "extra_ingress", options: BOTH, values: || vec![Value::Null, json!("10.1.0.0/16"), json!("10.2.0.0/16")], shows: |_, _| update("endpoint_sg", "ingress") },
    Knob { name: "extra_statement", options: BOTH, values: || vec![Value::Null, json!("Deny"), json!("Allow")], shows: |_, _| update("fn_role", "statements") },
    Knob { name: "extra_env", options: BOTH, values: || vec![Value::Null, json!("one"), json!("two")], shows: |_, _| update("ingest", "env") },
    Knob { name: "extra_secret", options: BOTH, values: || vec![Value::Null, json!(true)], shows: |b, a| present(b, a, "secrets.EXTRA_KEY") },
    Knob { name: "schedule_enabled", options: BOTH, values: || vec![json!(true), json!(false)], shows: |_, _| update("daily_ingest", "enabled") },
    Knob { name: "price_class", options: BOTH, values: || vec![json!("PriceClass_100"), json!("PriceClass_200")], shows: |_, _| update("cdn", "price_class") },
    Knob { name: "extra_route", options: SERVERLESS, values: || vec![Value::Null, json!(true)], shows: |_, _| update("api_origin", "routes") },
];

/// Knobs that are stage parameters (the rest edit the files themselves).
const PARAMS: &[&str] = &[
    "api_memory_mb",
    "ingest_memory_mb",
    "ingest_timeout_s",
    "db_backup_days",
    "db_storage_gb",
    "ingest_schedule",
    "allowed_origins",
    "task_count",
    "task_memory_mb",
];

/// Knobs that are the stage's `domain` (one per option: what the plan shows differs).
const DOMAINS: &[&str] = &["site_domain", "api_domain"];

/// The project's files as the bundle has them, and the knobs' current values.
struct Stack {
    pristine: BTreeMap<&'static str, String>,
    option: &'static str,
    stage: &'static str,
    knobs: BTreeMap<&'static str, Value>,
}

const FILES: &[&str] = &[
    "fintech.yaml",
    "stacks/common.yaml",
    "stacks/serverless.yaml",
];

fn replace(text: &mut String, from: &str, to: &str) {
    assert!(text.contains(from), "the bundled stack has no {from:?}");
    *text = text.replacen(from, to, 1);
}

impl Stack {
    fn new(p: &Project, option: &'static str, stage: &'static str) -> Stack {
        let pristine = FILES
            .iter()
            .map(|f| (*f, std::fs::read_to_string(p.path(f)).unwrap()))
            .collect();
        let knobs = KNOBS
            .iter()
            .filter(|k| k.options.contains(&option))
            .map(|k| (k.name, (k.values)()[0].clone()))
            .collect();
        Stack {
            pristine,
            option,
            stage,
            knobs,
        }
    }

    /// Writes the files for the current knob values.
    fn render(&self, p: &Project) {
        let mut files = self.pristine.clone();
        let k = |n: &str| self.knobs.get(n).cloned().unwrap_or(Value::Null);
        let params: serde_json::Map<String, Value> = PARAMS
            .iter()
            .filter_map(|n| self.knobs.get(n).map(|v| (n.to_string(), v.clone())))
            .collect();
        let domain = DOMAINS
            .iter()
            .find_map(|n| self.knobs.get(n))
            .cloned()
            .unwrap_or(Value::Null);
        let stage_line = format!(
            "  {}: {{ params: {}, domain: {domain} }}",
            self.stage,
            Value::Object(params)
        );
        let f = files.get_mut("fintech.yaml").unwrap();
        if self.stage == "dev" {
            replace(f, "  dev: {}", &stage_line);
        } else {
            replace(f, "  dev: {}", &format!("  dev: {{}}\n{stage_line}"));
        }
        replace(
            f,
            "  alert_emails: [founders@example.com]",
            &format!("  alert_emails: {}", k("alert_emails")),
        );
        replace(
            f,
            "  thresholds_percent: [80, 100]",
            &format!("  thresholds_percent: {}", k("thresholds_percent")),
        );
        if !k("extra_secret").is_null() {
            replace(
                f,
                "  MARKETAUX_API_KEY: { from_env: MARKETAUX_API_KEY }\n",
                "  MARKETAUX_API_KEY: { from_env: MARKETAUX_API_KEY }\n  EXTRA_KEY: { from_env: EXTRA_KEY }\n",
            );
        }
        let c = files.get_mut("stacks/common.yaml").unwrap();
        let rule =
            "      - { port: 443, from: \"${app_sg.id}\", description: HTTPS from the app }\n";
        if let Some(cidr) = k("extra_ingress").as_str() {
            replace(
                c,
                rule,
                &format!("{rule}      - {{ description: office, cidr: {cidr}, port: 80 }}\n"),
            );
        }
        // The function role's statement after Lambda's VPC access (the endpoint's policy has a
        // GetSecretValue statement too).
        let st = "        resources: [\"*\"]   # Lambda's VPC access: these actions take no resource ARNs\n";
        if let Some(effect) = k("extra_statement").as_str() {
            replace(
                c,
                st,
                &format!(
                    "{st}      - {{ resources: [\"*\"], effect: {effect}, actions: [s3:ListAllMyBuckets] }}\n"
                ),
            );
        }
        let env = "      AWS_ENDPOINT_URL_SECRETS_MANAGER: https://${secrets_endpoint.dns_name}\n\n  daily_ingest:";
        if let Some(v) = k("extra_env").as_str() {
            replace(
                c,
                env,
                &format!(
                    "      AWS_ENDPOINT_URL_SECRETS_MANAGER: https://${{secrets_endpoint.dns_name}}\n      EXTRA: {v}\n\n  daily_ingest:"
                ),
            );
        }
        if k("schedule_enabled") == json!(false) {
            replace(
                c,
                "    function: ${ingest.arn}\n",
                "    function: ${ingest.arn}\n    enabled: false\n",
            );
        }
        if let Some(pc) = k("price_class").as_str() {
            replace(
                c,
                "    default_root_object: index.html\n",
                &format!("    default_root_object: index.html\n    price_class: {pc}\n"),
            );
        }
        if !k("extra_route").is_null() {
            replace(
                files.get_mut("stacks/serverless.yaml").unwrap(),
                "      \"GET /api/health\": ${api.arn}\n",
                "      \"GET /api/health\": ${api.arn}\n      \"GET /api/extra\": ${api.arn}\n",
            );
        }
        for (f, text) in files {
            std::fs::write(p.path(f), text).unwrap();
        }
    }

    fn args<'a>(&'a self, cmd: &'a str) -> Vec<&'a str> {
        vec![cmd, "--option", self.option, "--stage", self.stage]
    }
}

/// The plan as `id action [attribute]` entries, resources that do not change left out.
fn plan_entries(p: &Project, s: &Stack) -> BTreeSet<String> {
    let plan = p
        .run(&[s.args("plan"), vec!["--json"]].concat())
        .expect(0)
        .json();
    let mut out = BTreeSet::new();
    for r in plan["resources"].as_array().unwrap() {
        let (id, action) = (r["id"].as_str().unwrap(), r["action"].as_str().unwrap());
        match action {
            "no_op" | "read" => {}
            "update" => {
                for c in r["changes"].as_array().unwrap() {
                    out.insert(format!("{id} update {}", c["attribute"].as_str().unwrap()));
                }
            }
            other => {
                out.insert(format!("{id} {other}"));
            }
        }
    }
    out
}

fn clean(p: &Project, s: &Stack, context: &str) {
    let plan = p.run(&[s.args("plan"), vec!["--detailed-exitcode"]].concat());
    assert_eq!(
        plan.code(),
        0,
        "{context}: plan after deploy is not clean:\n{}{}",
        plan.stdout(),
        plan.stderr()
    );
}

fn seed() -> u64 {
    crate::harness::seed("FINTECH_ROUNDTRIP_SEED")
}

fn edits_per_stack() -> usize {
    let cases: usize = std::env::var("FINTECH_ROUNDTRIP_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    cases.div_ceil(5)
}

/// One generated stack and a run of random edits on it.
fn round_trip(base: u64, option: &'static str, stage: &'static str) {
    let seed = seed() ^ base.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    println!(
        "round trip: FINTECH_ROUNDTRIP_SEED={seed} replays this stack ({option}, stage {stage})"
    );
    let mut rng = Rng(seed | 1);
    let (_moto, p): (Moto, Project) = if option == "containers" {
        let (m, p, _) = containers();
        (m, p)
    } else {
        let m = Moto::start();
        let p = Project::new(&m);
        (m, p)
    };
    let mut s = Stack::new(&p, option, stage);
    // A varied starting point: every knob at a random value.
    let names: Vec<&'static str> = s.knobs.keys().copied().collect();
    for n in &names {
        let knob = KNOBS.iter().find(|k| k.name == *n).unwrap();
        let values = (knob.values)();
        s.knobs.insert(n, values[rng.below(values.len())].clone());
    }
    s.render(&p);
    p.run(&[s.args("deploy"), vec!["--yes"]].concat()).expect(0);
    clean(&p, &s, &format!("seed {seed}, fresh stack {:?}", s.knobs));
    let knobs: Vec<&Knob> = KNOBS
        .iter()
        .filter(|k| k.options.contains(&option))
        .collect();
    for case in 0..edits_per_stack() {
        let knob = knobs[rng.below(knobs.len())];
        let before = s.knobs[knob.name].clone();
        let mut values = (knob.values)();
        if knob.name == "db_storage_gb" {
            // Storage only grows in place; shrinking would replace the database (refused).
            values.retain(|v| v.as_i64() > before.as_i64());
        }
        values.retain(|v| *v != before);
        let Some(after) = values.get(rng.below(values.len().max(1))).cloned() else {
            continue;
        };
        let context = format!(
            "seed {seed}, edit {case}: {} {before} -> {after}",
            knob.name
        );
        s.knobs.insert(knob.name, after.clone());
        s.render(&p);
        let want: BTreeSet<String> = (knob.shows)(&before, &after).into_iter().collect();
        assert_eq!(plan_entries(&p, &s), want, "{context}");
        p.run(&[s.args("deploy"), vec!["--yes"]].concat()).expect(0);
        clean(&p, &s, &context);
    }
}

#[test]
fn round_trip_serverless_dev() {
    round_trip(1, "serverless", "dev");
}

#[test]
fn round_trip_serverless_qa() {
    round_trip(2, "serverless", "qa");
}

#[test]
fn round_trip_containers_dev() {
    round_trip(3, "containers", "dev");
}

#[test]
fn round_trip_serverless_dev_again() {
    round_trip(4, "serverless", "dev");
}

#[test]
fn round_trip_serverless_qa_again() {
    round_trip(5, "serverless", "qa");
}
