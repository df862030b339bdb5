//! Failures: a resource that fails stops its dependents only, the run names the resource, the AWS
//! error and the command to re-run, and the re-run converges without duplicates.

use std::sync::Arc;
use std::time::Duration;

use crate::harness::{Moto, Project};
use crate::proxy::{Proxy, Request};

#[test]
fn a_failed_resource_skips_its_dependents_and_a_rerun_converges() {
    let moto = Moto::start();
    let rule = Arc::new(|r: &Request| {
        (r.method == "POST"
            && r.path.ends_with("/functions")
            && r.body_text().contains("fintech-tracker-dev-ingest"))
        .then(|| {
            (
                400,
                "InvalidParameterValueException".to_string(),
                "injected failure".to_string(),
            )
        })
    });
    let proxy = Proxy::start(&moto.url, Duration::ZERO, rule);
    let mut p = Project::new(&moto);
    p.endpoint = proxy.url.clone();
    let run = p.run(&["deploy", "--yes"]).expect(1);
    let err = run.stderr();
    assert!(
        err.contains(
            "ingest: lambda:CreateFunction: InvalidParameterValueException: injected failure (request id injected)"
        ),
        "AWS's code, message and request id reach the user: {err}"
    );
    assert!(!err.contains("caused by"), "{err}");
    let verbose = p.run(&["deploy", "--yes", "-v"]).expect(1).stderr();
    assert!(
        verbose.contains("caused by: service error"),
        "-v shows the SDK's chain: {verbose}"
    );
    assert!(
        err.contains("not attempted (they depend on a failed resource): daily_ingest"),
        "{err}"
    );
    assert!(
        err.contains("re-run: fintech deploy --option serverless --stage dev"),
        "{err}"
    );
    assert!(
        err.contains("] api: created in"),
        "independent resources still ran:\n{err}"
    );
    assert!(err.contains("] cdn: created in"), "{err}");

    // The next run, without the fault, finishes the job: only what was missing is created.
    p.endpoint = moto.url.clone();
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("Plan: 3 to create, 0 to update"), "{plan}");
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let counts = p.py(
        "out([len([f for f in c('lambda').list_functions()['Functions'] if f['FunctionName'].startswith('fintech-tracker-dev-')]),\n\
              len(c('apigatewayv2').get_apis()['Items']), len(c('cloudfront').list_distributions()['DistributionList']['Items'])])",
    );
    assert_eq!(counts, serde_json::json!([2, 1, 1]), "no duplicates");
}

#[test]
fn independent_resources_are_worked_on_at_the_same_time() {
    let moto = Moto::start();
    let proxy = Proxy::start(
        &moto.url,
        Duration::from_millis(40),
        Arc::new(|_: &Request| None),
    );
    let mut p = Project::new(&moto);
    p.endpoint = proxy.url.clone();
    let err = p.run(&["deploy", "--yes"]).expect(0).stderr();
    let pos = |s: &str| err.find(s).unwrap_or_else(|| panic!("{s} not in\n{err}"));
    // db and cache only wait for the security groups: both start before either is done.
    assert!(
        pos("] db: creating") < pos("] cache: created")
            && pos("] cache: creating") < pos("] db: created"),
        "{err}"
    );
    // and nothing that needs the database starts before it is there.
    assert!(pos("] db: created") < pos("] fn_role: creating"), "{err}");
    assert!(
        pos("] api: created") < pos("] api_origin: creating"),
        "{err}"
    );
}

#[test]
fn a_deploy_killed_half_way_is_finished_by_the_next_with_no_duplicates() {
    let moto = Moto::start();
    let proxy = Proxy::start(
        &moto.url,
        Duration::from_millis(25),
        Arc::new(|_: &Request| None),
    );
    let mut p = Project::new(&moto);
    p.endpoint = proxy.url.clone();
    // Killed at several points of a deploy, each run picking up where the last one died.
    for ms in [450, 800, 1150, 1500, 1850] {
        let mut child = p.spawn(&["deploy", "--yes"]);
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let counts = p.py(
        "out({'functions': len(c('lambda').list_functions()['Functions']), 'apis': len(c('apigatewayv2').get_apis()['Items']),\n\
              'distributions': len(c('cloudfront').list_distributions()['DistributionList']['Items']),\n\
              'oacs': len(c('cloudfront').list_origin_access_controls()['OriginAccessControlList'].get('Items', [])),\n\
              'groups': len([g for g in c('ec2').describe_security_groups()['SecurityGroups'] if g['GroupName'].startswith('fintech')]),\n\
              'roles': len(c('iam').list_roles()['Roles']), 'rules': len(c('events').list_rules()['Rules']),\n\
              'integrations': sum(len(c('apigatewayv2').get_integrations(ApiId=a['ApiId'])['Items']) for a in c('apigatewayv2').get_apis()['Items']),\n\
              'routes': sum(len(c('apigatewayv2').get_routes(ApiId=a['ApiId'])['Items']) for a in c('apigatewayv2').get_apis()['Items'])})",
    );
    assert_eq!(
        counts,
        serde_json::json!({"functions": 2, "apis": 1, "distributions": 1, "oacs": 1, "groups": 3, "roles": 1, "rules": 1, "integrations": 2, "routes": 2})
    );
}

#[test]
fn a_resource_with_our_name_owned_by_another_stage_is_never_adopted() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    p.py("c('iam').create_role(RoleName='fintech-tracker-dev-fn-role', AssumeRolePolicyDocument='{}',\n\
              Tags=[{'Key': 'fintech:app', 'Value': 'someone-else'}, {'Key': 'fintech:stage', 'Value': 'dev'}])\n\
          out(1)");
    moto.reset_recording();
    let err = p.run(&["deploy", "--yes"]).expect(1).stderr();
    assert!(
        err.contains("IAM role fintech-tracker-dev-fn-role exists but is not owned by fintech-tracker/dev (its tags: fintech:app=someone-else, fintech:stage=dev); refusing to adopt it"),
        "{err}"
    );
    assert!(
        moto.mutating_calls().is_empty(),
        "nothing was changed: {:?}",
        moto.mutating_calls()
    );
}

#[test]
fn a_stage_is_locked_while_it_changes_and_unlock_clears_a_stale_lock() {
    let (moto, p) = crate::harness::deployed();
    p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1024");
    // A lock left by a run that died.
    p.py("c('s3').put_object(Bucket='fintech-tracker-fintech-locks-123456789012-us-east-1', Key='stages/dev.lock',\n\
              Body=json.dumps({'holder': 'ci@runner-7', 'pid': 4242, 'command': 'deploy', 'since_unix': 1}))\n\
          out(1)");
    moto.reset_recording();
    let err = p
        .run(&["deploy", "--yes", "--lock-timeout", "0"])
        .expect(1)
        .stderr();
    assert!(
        err.contains("stage `dev` is locked by ci@runner-7 running `deploy` (pid 4242, since 1970-01-01T00:00:01Z)"),
        "{err}"
    );
    assert!(err.contains("fintech unlock --stage dev"), "{err}");
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
    let err = p.run(&["unlock"]).expect(1).stderr();
    assert!(err.contains("pass --yes"), "{err}");
    let out = p.run(&["unlock", "--yes"]).expect(0).stdout();
    assert!(
        out.contains("Stage `dev` is locked by ci@runner-7 running `deploy` (pid 4242, since 1970-01-01T00:00:01Z).\nUnlocked stage `dev`."),
        "the holder is shown before the lock is cleared: {out}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    // The lock is given back after the run; the record of the deploy stays (`fintech stages`).
    let left = p.py("out(sorted(o['Key'] for o in c('s3').list_objects_v2(Bucket='fintech-tracker-fintech-locks-123456789012-us-east-1').get('Contents', [])))");
    assert_eq!(left, serde_json::json!(["stages/dev.deployed"]));
    let lock_writes: Vec<String> = moto
        .calls()
        .iter()
        .filter(|c| c.is_mutating() && c.path.contains("-fintech-locks-"))
        .map(|c| c.name())
        .collect();
    assert!(
        lock_writes.iter().any(|c| c.starts_with("PUT "))
            && lock_writes.iter().any(|c| c.starts_with("DELETE ")),
        "{lock_writes:?}"
    );
}
