//! The guide's scaling phases as stage parameters: a read replica of the database (the "Scale"
//! phase), planned, deployed beside the database without touching it, priced, and removed.

use serde_json::{Value, json};

use crate::harness::deployed;

fn instances(p: &crate::harness::Project) -> Value {
    p.py(
        "dbs = c('rds').describe_db_instances()['DBInstances']\n\
         out({d['DBInstanceIdentifier']: [d['DBInstanceClass'], d.get('ReadReplicaSourceDBInstanceIdentifier'), d['DbiResourceId']] for d in dbs})",
    )
}

#[test]
fn a_read_replica_is_a_stage_parameter_beside_a_database_that_keeps_its_identity() {
    let (_moto, p) = deployed();
    let before = instances(&p);
    let identity = before["fintech-tracker-dev-db"][2].clone();

    p.edit(
        "fintech.yaml",
        "db_read_replica: false ",
        "db_read_replica: true ",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("+ db_replica (rds.read_replica) will be created")
            && plan.contains("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete"),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let now = instances(&p);
    assert_eq!(
        now["fintech-tracker-dev-db-replica"].as_array().unwrap()[..2],
        [json!("db.t3.micro"), json!("fintech-tracker-dev-db")]
    );
    assert_eq!(now["fintech-tracker-dev-db"][2], identity);
    // The replica is not mistaken for a database of its own (nor the database for a replica).
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("No changes."), "{plan}");
    let outputs = p.run(&["outputs"]).expect(0).stdout();
    assert!(
        outputs.contains("db_replica_endpoint = fintech-tracker-dev-db-replica."),
        "{outputs}"
    );

    // A bigger class moves both, in place.
    p.edit(
        "fintech.yaml",
        "db_class: db.t3.micro",
        "db_class: db.t3.small",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "~ db (rds.postgres) will be updated in place",
        "~ db_replica (rds.read_replica) will be updated in place",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(
        instances(&p)["fintech-tracker-dev-db-replica"][0],
        "db.t3.small"
    );

    // Priced: its instance-hours and its source's storage.
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let lines: Vec<String> = cost["estimates"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["resource"] == "db_replica")
        .map(|l| format!("{} {}", l["key"].as_str().unwrap(), l["quantity"]))
        .collect();
    assert_eq!(
        lines,
        ["rds.postgres.db.t3.small 730.0", "rds.storage.gp3 20.0"]
    );

    // Off again in a protected stage: the replica goes (its protection lifted, no snapshot: its
    // data is the database's), the database stays, protected.
    p.edit("fintech.yaml", "  dev: {}", "  dev: { protect: true }");
    p.run(&["deploy", "--yes"]).expect(0);
    p.edit(
        "fintech.yaml",
        "db_read_replica: true ",
        "db_read_replica: false ",
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let protected = p.py(
        "out(c('rds').describe_db_instances(DBInstanceIdentifier='fintech-tracker-dev-db')['DBInstances'][0]['DeletionProtection'])",
    );
    assert_eq!(protected, json!(true));
    let after = instances(&p);
    assert!(
        after.get("fintech-tracker-dev-db-replica").is_none(),
        "{after}"
    );
    assert_eq!(after["fintech-tracker-dev-db"][2], identity);
    let outputs = p.run(&["outputs"]).expect(0).stdout();
    assert!(!outputs.contains("db_replica_endpoint"), "{outputs}");
}

/// The service's scalable target and policy: [min, max, CPU target], and its desired count.
fn scaling(p: &crate::harness::Project) -> Value {
    p.py(
        "a = c('application-autoscaling')\n\
         rid = 'service/fintech-tracker-dev-cluster/fintech-tracker-dev-api-service'\n\
         t = a.describe_scalable_targets(ServiceNamespace='ecs', ResourceIds=[rid])['ScalableTargets']\n\
         pol = a.describe_scaling_policies(ServiceNamespace='ecs', ResourceId=rid)['ScalingPolicies']\n\
         s = c('ecs').describe_services(cluster='fintech-tracker-dev-cluster', services=['fintech-tracker-dev-api-service'])['services'][0]\n\
         out({'targets': [[x['MinCapacity'], x['MaxCapacity']] for x in t], 'policies': [[x['PolicyName'], x['TargetTrackingScalingPolicyConfiguration']['TargetValue']] for x in pol], 'desired': s['desiredCount']})",
    )
}

#[test]
fn the_containers_service_scales_on_cpu_and_its_count_is_then_not_drift() {
    let (moto, p, _) = crate::containers::containers();
    assert_eq!(
        scaling(&p),
        json!({"targets": [], "policies": [], "desired": 1})
    );
    p.edit(
        "fintech.yaml",
        "task_autoscaling: false ",
        "task_autoscaling: true ",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    assert!(
        plan.contains("+ api_scaling (ecs.autoscaling) will be created")
            && plan.contains("Plan: 1 to create, 0 to update"),
        "{plan}"
    );
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        scaling(&p),
        json!({"targets": [[1, 4]], "policies": [["fintech-tracker-dev-api-scaling", 60.0]], "desired": 1})
    );
    // Application Auto Scaling adds tasks: their count is its to set, not a change to undo.
    p.py(
        "c('ecs').update_service(cluster='fintech-tracker-dev-cluster', service='fintech-tracker-dev-api-service', desiredCount=3)\nout(0)",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    assert!(plan.contains("No changes."), "{plan}");
    // Its bounds and target change in place.
    p.edit("fintech.yaml", "task_max_count: 4 ", "task_max_count: 6 ");
    p.edit(
        "fintech.yaml",
        "task_cpu_target_percent: 60 ",
        "task_cpu_target_percent: 50 ",
    );
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        scaling(&p),
        json!({"targets": [[1, 6]], "policies": [["fintech-tracker-dev-api-scaling", 50.0]], "desired": 3})
    );
    moto.reset_recording();
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        moto.mutating_calls().len(),
        0,
        "{:?}",
        moto.mutating_calls()
    );
    // Off again: the policy and target go; the count is fintech's again.
    p.edit(
        "fintech.yaml",
        "task_autoscaling: true ",
        "task_autoscaling: false ",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    assert!(
        plan.contains("- api_scaling (ecs.autoscaling) will be deleted")
            && plan.contains("desired_count: 3 -> 1"),
        "{plan}"
    );
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert_eq!(
        scaling(&p),
        json!({"targets": [], "policies": [], "desired": 1})
    );
}
