//! Nothing is lost: replacing or deleting a database, cache or bucket is refused without
//! --allow-data-loss, before any change.

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
        env.as_str().unwrap().ends_with("/tracker"),
        "dependents follow the new database: {env}"
    );
}
