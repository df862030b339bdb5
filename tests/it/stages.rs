//! Ownership never crosses stages: `dev` is a name prefix of `dev-eu` (and `dev2` shares its first
//! letters), so every adopt, update and delete must prove ownership by tags or an exact name. And
//! `fintech stages` tells which of them are deployed, in step, and last changed when.

use crate::harness::{Moto, Project};

/// The budgets of the account, by name.
fn budgets(p: &Project) -> serde_json::Value {
    p.py("out(sorted(b['BudgetName'] for b in c('budgets').describe_budgets(AccountId='123456789012').get('Budgets', [])))")
}

#[test]
fn a_stage_never_touches_the_stages_whose_names_it_prefixes() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: {}\n  dev-eu: {}\n  dev2: {}",
    );
    for stage in ["dev-eu", "dev2", "dev"] {
        p.run(&["deploy", "--yes", "--stage", stage]).expect(0);
    }
    assert_eq!(
        budgets(&p),
        serde_json::json!([
            "fintech-tracker/dev-eu/spend-budget",
            "fintech-tracker/dev/spend-budget",
            "fintech-tracker/dev2/spend-budget",
        ])
    );
    // The other stages' resources are not dev's leftovers: dev plans no deletes.
    let plan = p.run(&["plan", "--detailed-exitcode"]).expect(0).stdout();
    assert!(!plan.contains("delete"), "{plan}");

    // dev changes (a resource removed, a size changed), then is destroyed.
    p.edit(
        "stacks/common.yaml",
        "  spend_budget:\n    type: budgets.budget\n",
        "  spend_budget_gone:\n    type: budgets.budget\n",
    );
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: { params: { api_memory_mb: 1024 } }",
    );
    p.run(&["deploy", "--yes", "--stage", "dev"]).expect(0);
    p.run(&["destroy", "--yes", "--allow-data-loss", "--stage", "dev"])
        .expect(0);
    p.edit(
        "stacks/common.yaml",
        "  spend_budget_gone:\n    type: budgets.budget\n",
        "  spend_budget:\n    type: budgets.budget\n",
    );

    // The others are exactly as deployed.
    assert_eq!(
        budgets(&p),
        serde_json::json!([
            "fintech-tracker/dev-eu/spend-budget",
            "fintech-tracker/dev2/spend-budget",
        ])
    );
    for stage in ["dev-eu", "dev2"] {
        let plan = p.run(&["plan", "--detailed-exitcode", "--stage", stage]);
        assert_eq!(plan.code(), 0, "{stage} was touched:\n{}", plan.stdout());
    }

    // `fintech stages`: dev destroyed, the others deployed and in step, prod never deployed.
    let rows = p.run(&["stages", "--json"]).expect(0).json();
    let row = |stage: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["stage"] == stage)
            .unwrap_or_else(|| panic!("{stage} in {rows}"))
            .clone()
    };
    assert_eq!(row("dev")["deployed"], false);
    assert_eq!(row("dev")["last_change"]["command"], "destroy");
    for stage in ["dev-eu", "dev2"] {
        let r = row(stage);
        assert_eq!(
            (r["deployed"].as_bool(), r["changes_pending"].as_bool()),
            (Some(true), Some(false)),
            "{r}"
        );
        assert!(r["live_resources"].as_u64().unwrap() > 20, "{r}");
        assert_eq!(r["last_change"]["command"], "deploy", "{r}");
        assert_eq!(r["last_change"]["option"], "serverless", "{r}");
    }
    assert_eq!(
        (
            row("prod")["deployed"].as_bool(),
            row("prod")["protect"].as_bool()
        ),
        (Some(false), Some(true))
    );

    // dev2 taken out of fintech.yaml: still deployed, and said so.
    p.edit("fintech.yaml", "\n  dev2: {}", "");
    let table = p.run(&["stages"]).expect(0).stdout();
    let line = table
        .lines()
        .find(|l| l.starts_with("dev2 (not declared)"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(line.contains("yes (recorded)"), "{table}");
    assert!(
        table.contains("no longer declared in fintech.yaml was deployed"),
        "{table}"
    );
    let unknown = p.run(&["plan", "--stage", "dev2"]).expect(1).stderr();
    assert!(
        unknown.contains("stage `dev2` is not declared") && unknown.contains("dev-eu"),
        "{unknown}"
    );
}
