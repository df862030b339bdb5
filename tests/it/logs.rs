//! Log groups: every group the stack causes, the functions' own `/aws/lambda/...` ones included, has
//! a retention, planned like any attribute; destroy deletes them or, where the stage keeps logs,
//! leaves them to expire, and the stage's next deploy takes them back.

use serde_json::Value;

use crate::harness::{Project, deployed};

const GROUPS: [&str; 3] = [
    "/aws/lambda/fintech-tracker-dev-api",
    "/aws/lambda/fintech-tracker-dev-ingest",
    "/ecs/fintech-tracker-dev-api-access-logs",
];

/// Each of the stage's log groups: name -> [retention, tags].
fn groups(p: &Project) -> Value {
    p.py(
        "l = c('logs')\n\
         gs = l.describe_log_groups()['logGroups']\n\
         out({g['logGroupName']: [g.get('retentionInDays'), l.list_tags_log_group(logGroupName=g['logGroupName'])['tags']] for g in gs})",
    )
}

#[test]
fn every_log_group_has_a_retention_and_destroy_deletes_or_keeps_them_as_the_stage_says() {
    let (moto, p) = deployed();
    let all = groups(&p);
    for g in GROUPS {
        assert_eq!(all[g][0], 14, "{g}: {all}");
        assert_eq!(all[g][1]["fintech:stage"], "dev", "{g}: {all}");
    }
    // The functions only write to their groups: making one (without a retention) is not theirs.
    let policy = p.py(
        "i = c('iam')\n\
         r = [r for r in i.list_roles()['Roles'] if r['RoleName'].endswith('fn_role') or r['RoleName'].endswith('fn-role')][0]\n\
         names = i.list_role_policies(RoleName=r['RoleName'])['PolicyNames']\n\
         out([i.get_role_policy(RoleName=r['RoleName'], PolicyName=n)['PolicyDocument'] for n in names])",
    );
    assert!(
        !policy.to_string().contains("logs:CreateLogGroup"),
        "{policy}"
    );

    // A group Lambda made itself (as it did for functions deployed before fintech made them): no
    // retention, no tags. The plan says so, and the deploy takes it over.
    p.py("l = c('logs')\n\
         l.delete_log_group(logGroupName='/aws/lambda/fintech-tracker-dev-api')\n\
         l.create_log_group(logGroupName='/aws/lambda/fintech-tracker-dev-api')\n\
         out(0)");
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("~ api (lambda.function) will be updated in place")
            && plan.contains("log_retention_days: (none) -> \"14\""),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(
        groups(&p)["/aws/lambda/fintech-tracker-dev-api"][0],
        14,
        "{}",
        groups(&p)
    );

    // A longer retention for the stage: one attribute per group, in place, then nothing to do.
    p.edit(
        "fintech.yaml",
        "log_retention_days: 14 ",
        "log_retention_days: 30 ",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "log_retention_days: \"14\" -> \"30\"",
        "retention_days: \"14\" -> \"30\"",
        "Plan: 0 to create, 3 to update",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    let all = groups(&p);
    assert!(GROUPS.iter().all(|g| all[g][0] == 30), "{all}");
    crate::harness::redeploy_changes_nothing(&moto, &p);

    // Logs kept: destroy leaves the groups, no longer the stage's; a second destroy finds nothing.
    p.edit("fintech.yaml", "keep_logs: false ", "keep_logs: true ");
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    let all = groups(&p);
    for g in GROUPS {
        assert_eq!(all[g][0], 30, "{g} kept with its retention: {all}");
        assert_eq!(
            all[g][1],
            serde_json::json!({"fintech:kept": "fintech-tracker/dev"}),
            "{g}"
        );
    }
    let again = p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    assert!(
        again.stdout().contains("Nothing to destroy"),
        "{}",
        again.stdout()
    );
    // The next deploy takes them back (no duplicate, no refusal), and then has nothing to change.
    p.run(&["deploy", "--yes"]).expect(0);
    let all = groups(&p);
    for g in GROUPS {
        assert_eq!(all[g][1]["fintech:stage"], "dev", "{g}: {all}");
        assert!(all[g][1].get("fintech:kept").is_none(), "{g}: {all}");
    }
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("No changes."), "{plan}");

    // Logs not kept (the default): destroy deletes every group it made.
    p.edit("fintech.yaml", "keep_logs: true ", "keep_logs: false ");
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    assert_eq!(groups(&p), serde_json::json!({}));
}

#[test]
fn a_functions_log_group_another_stage_owns_is_not_taken_over() {
    let moto = crate::harness::Moto::start();
    let p = Project::new(&moto);
    // The name this stage's function writes to, already another app's (or stage's).
    p.py(
        "c('logs').create_log_group(logGroupName='/aws/lambda/fintech-tracker-dev-api', tags={'fintech:app': 'other', 'fintech:stage': 'dev', 'fintech:id': 'api'})\nout(0)",
    );
    let err = p.run(&["deploy", "--yes"]).expect(1).stderr();
    assert!(
        err.contains("log group /aws/lambda/fintech-tracker-dev-api exists but is not owned by fintech-tracker/dev"),
        "{err}"
    );
    let tags = p.py(
        "out(c('logs').list_tags_log_group(logGroupName='/aws/lambda/fintech-tracker-dev-api')['tags'])",
    );
    assert_eq!(tags["fintech:app"], "other", "left as it was: {tags}");
}
