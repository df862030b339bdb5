//! Nothing is lost: replacing or deleting a database, cache or bucket is refused without
//! --allow-data-loss, in deploy and destroy, before any change, and the plan says so twice; a
//! protected stage is never destroyed; a destroyed database leaves a final snapshot.

use crate::harness::deployed;

#[test]
fn replacing_the_database_is_refused_without_the_flag_and_done_with_it() {
    let (moto, p) = deployed();
    p.edit(
        "stacks/common.yaml",
        "db_name: fintech_tracker",
        "db_name: tracker",
    );
    let run = p.run(&["deploy", "--yes"]).expect(1);
    assert!(
        run.stderr()
            .contains("refusing to replace or delete data-bearing resources: db (rds.postgres)"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("--allow-data-loss"),
        "{}",
        run.stderr()
    );
    assert!(
        moto.mutating_calls().is_empty(),
        "nothing changed: {:?}",
        moto.mutating_calls()
    );

    p.run(&["deploy", "--yes", "--allow-data-loss"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let db = p.py("out(c('rds').describe_db_instances(DBInstanceIdentifier='fintech-tracker-dev-db')['DBInstances'][0]['DBName'])");
    assert_eq!(db, "tracker");
    let env = p.py("out(c('lambda').get_function_configuration(FunctionName='fintech-tracker-dev-api')['Environment']['Variables']['DATABASE_URL'])");
    assert!(
        env.as_str()
            .unwrap()
            .ends_with("/tracker?sslmode=verify-full"),
        "dependents follow the new database: {env}"
    );
}

#[test]
fn data_loss_is_marked_refused_in_deploy_and_destroy_and_a_protected_stage_is_never_destroyed() {
    let (moto, p) = deployed();
    p.edit(
        "stacks/common.yaml",
        "    type: elasticache.redis\n",
        "    type: elasticache.redis\n    port: 6380\n",
    );
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let cache = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "cache")
        .unwrap()
        .clone();
    assert_eq!(
        (cache["action"].as_str(), cache["data_loss"].as_bool()),
        (Some("replace"), Some(true)),
        "{cache}"
    );
    let text = p.run(&["plan"]).expect(0).stdout();
    assert!(
        text.contains("!! destroys data: refused without --allow-data-loss")
            && text
                .contains("!! 1 change destroys data (cache): refused without --allow-data-loss"),
        "{text}"
    );
    moto.reset_recording();
    let err = p.run(&["deploy", "--yes"]).expect(1).stderr();
    assert!(
        err.contains(
            "refusing to replace or delete data-bearing resources: cache (elasticache.redis)"
        ),
        "{err}"
    );
    p.edit(
        "stacks/common.yaml",
        "    type: elasticache.redis\n    port: 6380\n",
        "    type: elasticache.redis\n",
    );
    let err = p.run(&["destroy", "--yes"]).expect(1).stderr();
    assert!(
        err.contains("refusing to replace or delete data-bearing resources:")
            && err.contains("db (rds.postgres)")
            && err.contains("cache (elasticache.redis)")
            && err.contains("site_bucket (s3.bucket)"),
        "{err}"
    );
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );

    // A protected stage: refused before any call, flag or not.
    moto.reset_recording();
    let err = p
        .run(&["destroy", "--yes", "--allow-data-loss", "--stage", "prod"])
        .expect(1)
        .stderr();
    assert!(err.contains("stage `prod` is protected"), "{err}");
    assert!(moto.calls().is_empty(), "{:?}", moto.calls());

    // With the flag: gone, the database's final snapshot kept under a generated name.
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    let snapshots = p.py("out([s['DBSnapshotIdentifier'] for s in c('rds').describe_db_snapshots(SnapshotType='manual')['DBSnapshots']])");
    let names: Vec<&str> = snapshots
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(
        names.len() == 1 && names[0].starts_with("fintech-tracker-dev-db-final-"),
        "{names:?}"
    );
}
