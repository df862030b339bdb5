//! Ownership never crosses stages: `dev` is a name prefix of `dev-eu` (and `dev2` shares its first
//! letters), so every adopt, update and delete must prove ownership by tags or an exact name.

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
}
