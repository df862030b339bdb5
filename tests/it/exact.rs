//! The exact diff on stacks a user writes: each edit is planned as exactly that change, deployed, and
//! the next plan is clean. Regressions for the breaks issue 8 lists (canonical list order, removing
//! statements / CORS origins / e-mails, a Deny statement).

use serde_json::Value;

use crate::harness::{Project, deployed};

/// (resource, attribute) of every change in `plan --json`, and the resources' actions.
pub fn planned(p: &Project) -> Vec<(String, String, String)> {
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let mut out = Vec::new();
    for r in plan["resources"].as_array().unwrap() {
        let action = r["action"].as_str().unwrap().to_string();
        if action == "no_op" || action == "read" {
            continue;
        }
        let id = r["id"].as_str().unwrap().to_string();
        let changes = r["changes"].as_array().unwrap();
        if changes.is_empty() {
            out.push((id.clone(), action.clone(), String::new()));
        }
        for c in changes {
            out.push((
                id.clone(),
                action.clone(),
                c["attribute"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn one(id: &str, action: &str, attr: &str) -> Vec<(String, String, String)> {
    vec![(id.into(), action.into(), attr.into())]
}

/// Deploys, then checks the plan is clean.
fn converge(p: &Project) {
    p.run(&["deploy", "--yes"]).expect(0);
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.code(),
        0,
        "plan after deploy is not clean:\n{}",
        plan.stdout()
    );
}

#[test]
fn rules_and_statements_in_any_key_order_plan_clean_after_deploy() {
    let (_moto, p) = deployed();
    // A second rule beside the 443 one, keys in another order than the service reports them.
    p.edit(
        "stacks/common.yaml",
        "      - { port: 443, from: \"${app_sg.id}\", description: HTTPS from the app }\n",
        "      - { port: 443, from: \"${app_sg.id}\", description: HTTPS from the app }\n      - { description: HTTP from the office, cidr: 10.1.0.0/16, port: 80 }\n",
    );
    assert_eq!(planned(&p), one("endpoint_sg", "update", "ingress"));
    converge(&p);
    // A Deny statement, its keys written in another order.
    p.edit(
        "stacks/common.yaml",
        "        resources: [\"*\"]   # Lambda's VPC access: these actions take no resource ARNs\n",
        "        resources: [\"*\"]   # Lambda's VPC access: these actions take no resource ARNs\n      - { resources: [\"*\"], effect: Deny, actions: [s3:DeleteBucket] }\n",
    );
    assert_eq!(planned(&p), one("fn_role", "update", "statements"));
    converge(&p);
}

#[test]
fn removing_statements_cors_origins_and_emails_removes_them() {
    let (_moto, p) = deployed();
    // A role whose only statement is then removed: its inline policy goes.
    p.edit(
        "stacks/common.yaml",
        "  ingest:\n",
        "  extra_role:\n    type: iam.role\n    service: lambda.amazonaws.com\n    statements:\n      - { actions: [\"s3:GetObject\"], resources: [\"*\"] }\n\n  ingest:\n",
    );
    converge(&p);
    p.edit(
        "stacks/common.yaml",
        "    statements:\n      - { actions: [\"s3:GetObject\"], resources: [\"*\"] }\n",
        "    statements: []\n",
    );
    assert_eq!(planned(&p), one("extra_role", "update", "statements"));
    converge(&p);
    let policies = p.py(
        "out(c('iam').list_role_policies(RoleName='fintech-tracker-dev-extra-role')['PolicyNames'])",
    );
    assert_eq!(policies, Value::from(Vec::<String>::new()));

    // CORS origins added, then emptied: the API's CORS configuration goes.
    p.edit(
        "fintech.yaml",
        "  allowed_origins: []",
        "  allowed_origins: [\"https://app.example.com\"]",
    );
    assert_eq!(planned(&p), one("api_origin", "update", "cors_origins"));
    converge(&p);
    // The browser may send the headers the stack names (the app's watchlist key among them), and
    // a changed list is planned and applied on its own.
    let allowed = |p: &Project| {
        p.py(
            "api = [a for a in c('apigatewayv2').get_apis()['Items'] if a['Name'] == 'fintech-tracker-dev-api-origin'][0]\n\
             out(sorted(api['CorsConfiguration']['AllowHeaders']))",
        )
    };
    assert_eq!(
        allowed(&p),
        serde_json::json!(["content-type", "x-watchlist-key"])
    );
    p.edit(
        "stacks/serverless.yaml",
        "cors_headers: [content-type, x-watchlist-key]",
        "cors_headers: [content-type]",
    );
    assert_eq!(planned(&p), one("api_origin", "update", "cors_headers"));
    converge(&p);
    assert_eq!(allowed(&p), serde_json::json!(["content-type"]));
    p.edit(
        "fintech.yaml",
        "  allowed_origins: [\"https://app.example.com\"]",
        "  allowed_origins: []",
    );
    assert_eq!(planned(&p), one("api_origin", "update", "cors_origins"));
    converge(&p);
    let cors = p.py(
        "api = [a for a in c('apigatewayv2').get_apis()['Items'] if a['Name'] == 'fintech-tracker-dev-api-origin'][0]\n\
         out(api.get('CorsConfiguration'))",
    );
    assert!(
        cors.is_null() || cors["AllowOrigins"].as_array().is_none_or(|a| a.is_empty()),
        "{cors}"
    );

    // New alert e-mails: planned as an in-place change of the budget and of the alarms' topic,
    // and applied.
    let both = || {
        let mut v = one("alerts", "update", "emails");
        v.extend(one("spend_budget", "update", "emails"));
        v
    };
    p.edit(
        "fintech.yaml",
        "alert_emails: [founders@example.com]",
        "alert_emails: [ops@example.com, founders@example.com]",
    );
    assert_eq!(planned(&p), both());
    converge(&p);
    p.edit(
        "fintech.yaml",
        "alert_emails: [ops@example.com, founders@example.com]",
        "alert_emails: [ops@example.com]",
    );
    assert_eq!(planned(&p), both());
    converge(&p);
}

#[test]
fn replacing_a_group_in_use_creates_the_new_one_moves_its_users_then_deletes_the_old() {
    let (moto, p) = deployed();
    p.edit(
        "stacks/common.yaml",
        "    description: fintech app (functions and tasks)\n",
        "    description: fintech app (functions, tasks and jobs)\n",
    );
    let plan = planned(&p);
    for entry in [
        ("app_sg", "replace", "description"),
        ("data_sg", "update", "ingress"),
        ("endpoint_sg", "update", "ingress"),
        ("api", "update", "security_groups"),
        ("ingest", "update", "security_groups"),
    ] {
        let entry = (
            entry.0.to_string(),
            entry.1.to_string(),
            entry.2.to_string(),
        );
        assert!(plan.contains(&entry), "{entry:?} not in {plan:?}");
    }
    moto.reset_recording();
    converge(&p);
    let ops: Vec<String> = moto
        .mutating_calls()
        .iter()
        .map(|c| c.name())
        .filter(|n| n.contains("SecurityGroup") || n.contains("/configuration"))
        .collect();
    let first = |op: &str| {
        ops.iter()
            .position(|o| o.contains(op))
            .unwrap_or_else(|| panic!("{op} not in {ops:?}"))
    };
    let last = |op: &str| ops.iter().rposition(|o| o.contains(op)).unwrap();
    assert!(
        first("CreateSecurityGroup") < first("/configuration"),
        "{ops:?}"
    );
    assert!(
        last("/configuration") < first("DeleteSecurityGroup"),
        "the old group goes last: {ops:?}"
    );
    let groups = p.py(
        "gs = c('ec2').describe_security_groups(Filters=[{'Name': 'tag:fintech:id', 'Values': ['app_sg']}])['SecurityGroups']\n\
         out([g['Description'] for g in gs])",
    );
    assert_eq!(
        groups,
        serde_json::json!(["fintech app (functions, tasks and jobs)"])
    );
}
