//! `fintech adopt`: the deployment guide's hand-made deployment (made here by running the guide's
//! own aws CLI commands, in order) taken over by a stage, planned, deployed and destroyed.

use serde_json::Value;

use crate::harness::{Moto, Project, redeploy_changes_nothing, repo};

/// Runs the guide's serverless steps (tests/guide/by-hand.sh) against the emulator.
fn deploy_by_hand(moto: &Moto) {
    run_guide(moto, "by-hand.sh");
}

/// Runs one of the guide's scripts in tests/guide/ against the emulator.
fn run_guide(moto: &Moto, script: &str) {
    let out = std::process::Command::new("bash")
        .arg(repo().join("tests/guide").join(script))
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "the guide's commands failed (is the aws CLI installed? scripts/setup installs it):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The hand-made database's identity (it survives any in-place change, never a replacement),
/// engine version, storage type and whether RDS manages its password.
fn database(p: &Project) -> Value {
    p.py(
        "d = c('rds').describe_db_instances(DBInstanceIdentifier='fintech-tracker-db')['DBInstances'][0]\n\
         out([d['DbiResourceId'], d['EngineVersion'], d['StorageType'], 'MasterUserSecret' in d])",
    )
}

/// The mapping entry of declared resource `id` in `adopt --json`'s answer.
fn entry<'a>(adopt: &'a Value, id: &str) -> &'a Value {
    adopt["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no entry for {id}: {adopt:#}"))
}

#[test]
fn the_guides_deployment_is_adopted_planned_deployed_and_destroyed_keeping_its_data() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    deploy_by_hand(&moto);
    let before = database(&p);
    assert_eq!(before[1], "15.4", "{before}");

    // 1. The mapping, and nothing changed by showing it.
    moto.reset_recording();
    let shown = p.run(&["adopt", "--json"]).expect(0).json();
    assert!(
        moto.mutating_calls().is_empty(),
        "adopt without --yes changed something: {:?}",
        moto.mutating_calls()
    );
    for (id, how) in [
        ("db", "by the guide's name"),
        ("api", "by the guide's name"),
        ("site_bucket", "by the guide's name"),
        ("daily_ingest", "by the guide's name"),
        (
            "cdn",
            "the distribution with fintech-tracker-frontend behind its origin",
        ),
    ] {
        let e = entry(&shown, id);
        assert_eq!(e["found"], "one", "{e}");
        assert_eq!(e["detail"], how, "{e}");
        assert_eq!(e["standing"], "to_adopt", "{e}");
    }
    // The HTTP API by id (names are not unique); the lone Redis cluster and the rule's missing
    // function are said to be left, with why.
    let api = entry(&shown, "api_origin");
    assert_eq!(api["standing"], "to_adopt", "{api}");
    assert_ne!(api["name"], "fintech-tracker-api", "recorded by id: {api}");
    assert_eq!(entry(&shown, "cache")["found"], "left");
    assert_eq!(entry(&shown, "cache")["name"], "fintech-tracker-redis");
    assert_eq!(entry(&shown, "ingest")["name"], "data-ingestion-lambda");
    let text = p.run(&["adopt"]).expect(0).stdout();
    assert!(
        text.contains("db             rds.postgres             <- fintech-tracker-db (by the guide's name): to adopt"),
        "{text}"
    );
    assert!(text.contains("6 to adopt, 0 already the stage's"), "{text}");

    // 2. --yes: tags only (and the names recorded in fintech.yaml); again: nothing at all.
    moto.reset_recording();
    p.run(&["adopt", "--yes"]).expect(0);
    let calls = moto.mutating_calls();
    assert_eq!(calls.len(), 6, "one tagging call per resource: {calls:?}");
    assert!(
        calls
            .iter()
            .all(|c| c.name().to_lowercase().contains("tag") || c.path.contains("?tagging")),
        "adopt --yes only tags: {calls:?}"
    );
    let yaml = std::fs::read_to_string(p.path("fintech.yaml")).unwrap();
    assert!(
        yaml.contains("adopted:\n  dev:\n")
            && yaml.contains("    db: { type: rds.postgres, name: \"fintech-tracker-db\" }\n"),
        "{yaml}"
    );
    moto.reset_recording();
    let again = p.run(&["adopt", "--yes", "--json"]).expect(0).json();
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
    assert_eq!(entry(&again, "db")["standing"], "owned");
    assert_eq!(
        database(&p),
        before,
        "adopting changed nothing about the database"
    );

    // 3. The plan: the hand-made resources brought to the stack in place, nothing replaced or
    //    deleted; the password moves into Secrets Manager, the bucket becomes private.
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let step = |id: &str| -> &Value {
        plan["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no step {id}: {plan:#}"))
    };
    let changed = |id: &str| -> Vec<String> {
        step(id)["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["attribute"].as_str().unwrap().to_string())
            .collect()
    };
    for id in [
        "db",
        "api",
        "api_origin",
        "site_bucket",
        "cdn",
        "daily_ingest",
    ] {
        assert_eq!(step(id)["action"], "update", "{id}: {:#}", step(id));
    }
    assert_eq!(
        step("db")["name"],
        "fintech-tracker-db",
        "it keeps its name"
    );
    for attr in [
        "engine_version",
        "storage_type",
        "password_managed",
        "security_groups",
    ] {
        assert!(
            changed("db").contains(&attr.to_string()),
            "db: {:?}",
            changed("db")
        );
    }
    for attr in ["public_access_blocked", "owner_enforced", "tls_only"] {
        assert!(
            changed("site_bucket").contains(&attr.to_string()),
            "site_bucket: {:?}",
            changed("site_bucket")
        );
    }
    assert!(changed("daily_ingest").contains(&"other_targets".to_string()));
    let summary = &plan["summary"];
    assert_eq!(summary["replace"], 0, "{summary}");
    assert_eq!(summary["delete"], 0, "{summary}");
    // The function kept its name, so its log group too: the role lets it write there.
    assert!(
        step("fn_role")["changes"]
            .to_string()
            .contains("log-group:/aws/lambda/fintech-tracker-api:*"),
        "{:#}",
        step("fn_role")
    );
    let notes = step("db")["notes"].to_string();
    assert!(notes.contains("storage is not encrypted"), "{notes}");

    // 4. Deploy (no --allow-data-loss needed: nothing data-bearing is replaced); the database is
    //    the same instance, upgraded in place, its password now RDS's own secret.
    p.run(&["deploy", "--yes"]).expect(0);
    let after = database(&p);
    assert_eq!(after[0], before[0], "the same instance (DbiResourceId)");
    assert_eq!(after[1], "17.6");
    assert_eq!(after[2], "gp3");
    assert_eq!(after[3], true, "the password is in Secrets Manager");
    let bucket = p.py(
        "s3 = c('s3')\n\
         b = s3.get_public_access_block(Bucket='fintech-tracker-frontend')['PublicAccessBlockConfiguration']\n\
         t = c('events').list_targets_by_rule(Rule='fintech-daily-ingestion')['Targets']\n\
         out([all(b.values()), [x['Id'] for x in t]])",
    );
    assert_eq!(bucket[0], true, "the bucket is private: {bucket}");
    assert_eq!(
        bucket[1].as_array().unwrap().len(),
        1,
        "only fintech's target: {bucket}"
    );
    redeploy_changes_nothing(&moto, &p);

    // 5. Destroy removes what the stage owns, adopted resources included, and nothing else: the
    //    guide's role and Redis cluster stay, and the database leaves a final snapshot.
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    let left = p.py(
        "r = [x['RoleName'] for x in c('iam').list_roles()['Roles']]\n\
         e = [x['CacheClusterId'] for x in c('elasticache').describe_cache_clusters()['CacheClusters']]\n\
         d = [x['DBInstanceIdentifier'] for x in c('rds').describe_db_instances()['DBInstances']]\n\
         s = [x['DBInstanceIdentifier'] for x in c('rds').describe_db_snapshots()['DBSnapshots']]\n\
         f = [x['FunctionName'] for x in c('lambda').list_functions()['Functions']]\n\
         out([r, e, d, s, f])",
    );
    assert_eq!(
        left[0],
        serde_json::json!(["lambda-execution-role"]),
        "{left}"
    );
    assert_eq!(
        left[1],
        serde_json::json!(["fintech-tracker-redis"]),
        "{left}"
    );
    assert_eq!(left[2], serde_json::json!([]), "{left}");
    assert!(
        left[3]
            .as_array()
            .unwrap()
            .contains(&"fintech-tracker-db".into()),
        "a final snapshot: {left}"
    );
    assert_eq!(left[4], serde_json::json!([]), "{left}");
}

#[test]
fn the_guides_container_steps_give_their_repository_and_cluster_and_leave_the_service() {
    // With a registry: planning the containers option builds the image from its base.
    let moto = Moto::with_registry();
    let p = Project::new(&moto);
    run_guide(&moto, "by-hand-containers.sh");
    let shown = p
        .run(&["adopt", "--option", "containers", "--json"])
        .expect(0)
        .json();
    for (id, name) in [
        ("repo", "fintech-tracker-backend"),
        ("cluster", "fintech-tracker-cluster"),
    ] {
        let e = entry(&shown, id);
        assert_eq!(
            (&e["name"], &e["standing"]),
            (&name.into(), &"to_adopt".into()),
            "{e}"
        );
    }
    let service = entry(&shown, "api_service");
    assert_eq!(service["found"], "left", "{service}");
    // The ingestion function is not the guide's API function (containers has no `api` function).
    assert!(
        shown["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] != "fintech-tracker-api"),
        "{shown:#}"
    );
    moto.reset_recording();
    p.run(&["adopt", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        moto.mutating_calls().len(),
        2,
        "{:?}",
        moto.mutating_calls()
    );
    let plan = p
        .run(&["plan", "--option", "containers", "--json"])
        .expect(0)
        .json();
    for (id, name) in [
        ("repo", "fintech-tracker-backend"),
        ("cluster", "fintech-tracker-cluster"),
    ] {
        let step = plan["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap();
        assert_eq!(step["name"], name, "{step}");
        assert_ne!(step["action"], "create", "{step}");
        assert_ne!(step["action"], "replace", "{step}");
    }
}

#[test]
fn a_bad_adopted_entry_is_a_located_error_before_any_call() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    let yaml = std::fs::read_to_string(p.path("fintech.yaml")).unwrap();
    std::fs::write(
        p.path("fintech.yaml"),
        format!("{yaml}adopted:\n  dev:\n    db: {{ type: rds.postgress, name: x }}\n    api: {{ type: lambda.function }}\n"),
    )
    .unwrap();
    moto.reset_recording();
    let r = p.run(&["plan"]);
    assert_eq!(r.code(), 1, "{}", r.stderr());
    let err = r.stderr();
    assert!(
        err.contains("adopted `db` has unknown type `rds.postgress`"),
        "{err}"
    );
    assert!(err.contains("adopted `api` has no `name`"), "{err}");
    assert!(err.contains("fintech.yaml:"), "located: {err}");
    assert!(moto.calls().is_empty(), "no AWS call: {:?}", moto.calls());
}
