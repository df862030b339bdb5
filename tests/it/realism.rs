//! The drivers against the AWS-realism layer (tests/emulator/realism.py): what a first real deploy
//! meets and moto alone never shows. Each test turns on the behaviours it is about.

use serde_json::Value;

use crate::harness::{Moto, Project};

#[test]
fn throttling_in_every_protocol_is_retried_past_the_sdks_default_three_attempts() {
    // Three throttled answers before each operation's first success: the SDK's default (three
    // attempts) gives up on the first of them; fintech's retry configuration does not.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "throttle"),
        ("FINTECH_REALISM_THROTTLE_BURST", "3"),
    ]);
    let mut p = Project::new(&moto);
    // The user's own retry settings win: with the SDK's three attempts the burst is fatal.
    p.env.push(("AWS_MAX_ATTEMPTS".into(), "3".into()));
    let err = p.run(&["deploy", "--yes"]).expect(1).stderr();
    assert!(
        err.contains("RequestLimitExceeded") || err.contains("Throttling"),
        "{err}"
    );
    assert!(
        err.contains("run again: fintech deploy --option serverless --stage dev"),
        "the hint names the command that was run: {err}"
    );
    p.env.clear();
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("Plan: 29 to create"), "{plan}");
    let log = moto.realism_log();
    for (service, op) in [
        ("ec2", "DescribeVpcs"),        // query, EC2's RequestLimitExceeded (503)
        ("rds", "DescribeDBInstances"), // query, Throttling (400)
        ("secretsmanager", "DescribeSecret"), // JSON, ThrottlingException
        ("lambda", "GET lambda"),       // REST, TooManyRequestsException (429)
        ("s3", "GET s3"),               // S3's SlowDown (503)
    ] {
        assert!(
            log.contains(&format!("throttle {service} {op}\n")),
            "{service} {op} was not throttled:\n{log}"
        );
    }
}

#[test]
fn one_item_per_page_loses_nothing() {
    // Every paginated list answers one item a page (the layer pages what moto does not), and a
    // stage `aaa` deployed first puts its resources before dev's on many first pages.
    let moto = Moto::start_with(&[("FINTECH_REALISM", "pages")]);
    let p = Project::new(&moto);
    p.edit("fintech.yaml", "  dev: {}", "  dev: {}\n  aaa: {}");
    p.run(&["deploy", "--yes", "--stage", "aaa"]).expect(0);
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    // Four of dev's resources leave the stack: each must be found among the pages and deleted.
    for block in [
        "  spend_budget:\n    type: budgets.budget\n    limit_usd: ${budget.monthly_usd}\n    emails: ${budget.alert_emails}\n    thresholds_percent: ${budget.thresholds_percent}\n",
        "  daily_ingest:\n    type: events.schedule\n    schedule: ${params.ingest_schedule}\n    function: ${ingest.arn}\n",
    ] {
        p.edit("stacks/common.yaml", block, "");
    }
    let common = std::fs::read_to_string(p.path("stacks/common.yaml")).unwrap();
    let (from, to) = (
        common.find("  endpoint_sg:\n").unwrap(),
        common.find("  db:\n").unwrap(),
    );
    let without = format!("{}{}", &common[..from], &common[to..]);
    std::fs::write(p.path("stacks/common.yaml"), without).unwrap();
    // ...and the functions' pointer to it.
    let pointer = "      AWS_ENDPOINT_URL_SECRETS_MANAGER: https://${secrets_endpoint.dns_name}\n";
    p.edit("stacks/common.yaml", pointer, "");
    p.edit("stacks/serverless.yaml", pointer, "");
    let four = [
        "daily_ingest",
        "endpoint_sg",
        "secrets_endpoint",
        "spend_budget",
    ];
    assert_eq!(deletes(&p, "dev"), four);
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let log = moto.realism_log();
    for what in [
        "pages budgets DescribeBudgets",
        "pages ec2 DescribeSecurityGroups",
    ] {
        assert!(log.contains(what), "{what} was not paged:\n{log}");
    }
    // Stage aaa kept all four (the edited stack would delete them there too).
    assert_eq!(deletes(&p, "aaa"), four);
}

/// The ids a plan of `stage` deletes, sorted.
fn deletes(p: &Project, stage: &str) -> Vec<String> {
    let plan = p
        .run(&["plan", "--json", "--stage", stage])
        .expect(0)
        .json();
    let mut ids: Vec<String> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "delete")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn functions_are_waited_for_while_pending_or_updating() {
    // Pending after create, InProgress after an update; changes meanwhile answer 409.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "lambda_states"),
        ("FINTECH_REALISM_SECONDS", "1"),
    ]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    p.edit(
        "fintech.yaml",
        "  api_memory_mb: 512",
        "  api_memory_mb: 1024",
    );
    p.edit("fintech.yaml", "  api_timeout_s: 30", "  api_timeout_s: 60");
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let log = moto.realism_log();
    assert!(
        log.contains("lambda_states lambda GET lambda"),
        "no function was seen Pending:\n{log}"
    );
}

#[test]
fn a_failed_function_is_an_error_naming_its_reason_and_is_replaced_next_time() {
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "lambda_states"),
        ("FINTECH_REALISM_SECONDS", "1"),
        ("FINTECH_REALISM_LAMBDA_FAIL", "ingest"),
    ]);
    let p = Project::new(&moto);
    let err = p.run(&["deploy", "--yes"]).expect(1).stderr();
    assert!(
        err.contains("ingest: Lambda function fintech-tracker-dev-ingest is in state Failed: Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant. (InvalidConfiguration)"),
        "{err}"
    );
    assert!(
        err.contains("not attempted (they depend on a failed resource): daily_ingest"),
        "nothing is built on a failed function: {err}"
    );
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let ingest = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ingest")
        .unwrap()
        .clone();
    assert_eq!(ingest["action"], "replace", "{ingest}");
    assert!(
        ingest["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["attribute"] == "state" && c["before"] == "Failed"),
        "{ingest}"
    );
}

#[test]
fn a_database_change_is_waited_for_until_applied_not_until_the_first_available() {
    // After a Modify, RDS says `available` with the change still pending, then `modifying`.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "rds_states"),
        ("FINTECH_REALISM_SECONDS", "3"),
    ]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    p.edit(
        "fintech.yaml",
        "  db_class: db.t3.micro",
        "  db_class: db.t3.small",
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let log = moto.realism_log();
    assert!(
        log.contains("rds_states modifying pending fintech-tracker-dev-db"),
        "the deploy stopped waiting before the change started:\n{log}"
    );
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
}

/// Waits (up to a minute) until the realism log has `line`.
fn wait_for_log(moto: &Moto, line: &str) {
    let start = std::time::Instant::now();
    while !moto.realism_log().contains(line) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "never logged {line:?}:\n{}",
            moto.realism_log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_cache_is_waited_for_while_creating_or_modifying_and_is_gone_before_destroy_ends() {
    // ElastiCache: `creating`/`modifying` for a while, tags unreadable meanwhile, the full engine
    // version reported (7.1.0 for 7.1), `deleting` for a while after a delete.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "elasticache_states,versions"),
        ("FINTECH_REALISM_SECONDS", "4"),
    ]);
    let p = Project::new(&moto);
    // Killed while the cache is being created: the next run meets a group whose tags AWS will not
    // list yet, and waits for it instead of failing.
    let mut child = p.spawn(&["deploy", "--yes"]);
    wait_for_log(&moto, "elasticache_states create fintech-tracker-dev-cache");
    let _ = child.kill();
    let _ = child.wait();
    p.run(&["deploy", "--yes"]).expect(0);
    let log = moto.realism_log();
    assert!(
        log.contains("elasticache_states elasticache ListTagsForResource"),
        "the tags were never refused:\n{log}"
    );
    assert!(
        log.contains("versions elasticache DescribeCacheClusters"),
        "{log}"
    );
    // 7.1 declared, 7.1.0 reported: no change.
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    // A node type change is waited for until the group is available again.
    p.edit(
        "fintech.yaml",
        "  cache_node_type: cache.t3.micro",
        "  cache_node_type: cache.t3.small",
    );
    let out = p.run(&["deploy", "--yes"]).expect(0).stdout();
    assert!(out.contains("cache"), "{out}");
    assert!(
        moto.realism_log()
            .contains("elasticache_states modify fintech-tracker-dev-cache"),
        "{}",
        moto.realism_log()
    );
    let node = p.py("out(c('elasticache').describe_replication_groups(ReplicationGroupId='fintech-tracker-dev-cache')['ReplicationGroups'][0]['CacheNodeType'])");
    assert_eq!(node, "cache.t3.small");
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    // destroy waits until the group is gone, so a deploy right after can take its name again.
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    let left = p.py("out([g['ReplicationGroupId'] for g in c('elasticache').describe_replication_groups()['ReplicationGroups']])");
    assert_eq!(
        left,
        serde_json::json!([]),
        "destroy ended before the cache was gone"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_newer_minor_version_from_automatic_upgrades_is_a_note_not_a_downgrade() {
    let moto = Moto::start_with(&[("FINTECH_REALISM", "versions")]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    // AWS runs 17.7 now; the stack says 17.6.
    let out = p.run(&["plan", "--detailed-exitcode"]).expect(0).stdout();
    assert!(out.contains("No changes."), "{out}");
    assert!(
        out.contains("Note: db: engine_version: live 17.7 is newer than the declared 17.6 (an automatic minor version upgrade); not drift, and never downgraded."),
        "{out}"
    );
    // Declaring a newer version than live is an upgrade, planned as one.
    p.edit(
        "fintech.yaml",
        "db_engine_version: \"17.6\"",
        "db_engine_version: \"17.8\"",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("engine_version: \"17.7\" -> \"17.8\""),
        "{plan}"
    );
}

#[test]
fn what_was_just_created_is_waited_for_until_aws_sees_it() {
    // Eventual consistency: new security groups, buckets, roles and secrets are invisible for a
    // while; Lambda cannot use a new role or its new permissions yet; ECS not its linked role;
    // ListRules leaves out a rule just put, which the rule's read-back must still find. (A new
    // bucket is left out of ListBuckets too, but fintech waits for HeadBucket to answer for it,
    // which outlasts that.)
    let moto = Moto::with_registry_and(&[
        ("FINTECH_REALISM", "consistency"),
        ("FINTECH_REALISM_SECONDS", "4"),
    ]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    p.run(&["deploy", "--yes", "--option", "containers"])
        .expect(0);
    p.run(&["plan", "--detailed-exitcode", "--option", "containers"])
        .expect(0);
    let log = moto.realism_log();
    for refused in [
        "consistency ec2 DescribeSecurityGroups",
        "consistency s3 HEAD s3",
        "consistency iam GetRole",
        "consistency secretsmanager DescribeSecret",
        "consistency lambda CreateFunction",
        "consistency CreateNetworkInterface not allowed yet for fintech-tracker-dev-fn-role",
        "consistency ecs CreateService",
        "consistency unlisted rule fintech-tracker-dev-",
    ] {
        assert!(log.contains(refused), "{refused} never happened:\n{log}");
    }
}

#[test]
fn functions_release_their_network_interfaces_and_services_drain_before_what_they_use_goes() {
    // Lambda's ENIs outlive a deleted function (DependencyViolation on its security groups, and
    // stuck for good if its role goes first); a deleted ECS service drains before its cluster can go.
    let moto = Moto::with_registry_and(&[
        ("FINTECH_REALISM", "lambda_enis,ecs_states"),
        ("FINTECH_REALISM_SECONDS", "2"),
    ]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    let enis = "out(sorted(n['Status'] for n in c('ec2').describe_network_interfaces()['NetworkInterfaces'] if n['Description'].startswith('AWS Lambda VPC ENI-')))";
    assert_eq!(p.py(enis), serde_json::json!(["in-use", "in-use"]));
    // Serverless to containers: both functions go, then their role and security groups.
    p.run(&["deploy", "--yes", "--option", "containers"])
        .expect(0);
    p.run(&["plan", "--detailed-exitcode", "--option", "containers"])
        .expect(0);
    p.run(&[
        "destroy",
        "--yes",
        "--allow-data-loss",
        "--option",
        "containers",
    ])
    .expect(0);
    let log = moto.realism_log();
    assert!(log.contains("lambda_enis detached"), "{log}");
    assert!(
        !log.contains("lambda_enis orphaned"),
        "a role went before its function's network interfaces:\n{log}"
    );
    assert!(
        log.contains("ecs_states draining fintech-tracker-dev-api-service"),
        "{log}"
    );
    assert!(log.contains("ecs_states ecs DescribeServices"), "{log}");
    assert_eq!(p.py(enis), serde_json::json!([]), "network interfaces left");
    let groups = p.py("out([g['GroupName'] for g in c('ec2').describe_security_groups()['SecurityGroups'] if g['GroupName'].startswith('fintech')])");
    assert_eq!(groups, serde_json::json!([]));
    let services = p.py("out([s['status'] for a in c('ecs').list_clusters()['clusterArns'] for s in c('ecs').describe_services(cluster=a, services=[a.rsplit('/', 1)[1].replace('-cluster', '-api-service')])['services']])");
    assert!(
        services.as_array().unwrap().iter().all(|s| s == "INACTIVE"),
        "{services}"
    );
}

#[test]
fn two_stages_share_a_vpc_and_nothing_lands_where_its_service_is_not_offered() {
    // One private-DNS endpoint per service and VPC; Lambda and the endpoint services are not
    // offered in use1-az3 (us-east-1e), a default subnet of which every default VPC there has.
    let moto = Moto::start_with(&[("FINTECH_REALISM", "endpoints")]);
    let p = Project::new(&moto);
    p.edit("fintech.yaml", "  dev: {}", "  dev: {}\n  aaa: {}");
    p.run(&["deploy", "--yes", "--stage", "aaa"]).expect(0);
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let found = p.py(
        "e = c('ec2')\n\
         zone = {s['SubnetId']: s['AvailabilityZoneId'] for s in e.describe_subnets()['Subnets']}\n\
         eps = e.describe_vpc_endpoints()['VpcEndpoints']\n\
         fn = c('lambda').get_function_configuration(FunctionName='fintech-tracker-dev-api')\n\
         out({'count': len(eps), 'private_dns': sorted({x['PrivateDnsEnabled'] for x in eps}),\n\
              'endpoint_zones': sorted({zone[s] for x in eps for s in x['SubnetIds']}),\n\
              'function_zones': sorted({zone[s] for s in fn['VpcConfig']['SubnetIds']}),\n\
              'env': fn['Environment']['Variables']['AWS_ENDPOINT_URL_SECRETS_MANAGER'],\n\
              'dns': [x['DnsEntries'][0]['DnsName'] for x in eps if any(t['Value'] == 'dev' for t in x.get('Tags', []))]})",
    );
    assert_eq!(found["count"], 2, "{found}");
    assert_eq!(found["private_dns"], serde_json::json!([false]), "{found}");
    for zones in ["endpoint_zones", "function_zones"] {
        let z = found[zones].as_array().unwrap();
        assert!(
            !z.is_empty() && !z.contains(&serde_json::json!("use1-az3")),
            "{found}"
        );
    }
    assert_eq!(
        found["function_zones"].as_array().unwrap().len(),
        5,
        "{found}"
    );
    assert_eq!(
        found["env"],
        serde_json::json!(format!("https://{}", found["dns"][0].as_str().unwrap())),
        "{found}"
    );
    assert!(
        moto.realism_log()
            .contains("endpoints ec2 DescribeVpcEndpointServices"),
        "{}",
        moto.realism_log()
    );
}

#[test]
fn every_site_change_is_invalidated_targets_are_checked_and_a_distribution_deploys_before_it_goes()
{
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "cloudfront_states,events_partial"),
        ("FINTECH_REALISM_SECONDS", "2"),
    ]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    // The schedule's first PutTargets partly failed: retried, so the target is there.
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let targets = p.py("out(len(c('events').list_targets_by_rule(Rule='fintech-tracker-dev-daily-ingest')['Targets']))");
    assert_eq!(targets, 1);
    // The same page changed twice: two invalidations, not the first one answered again.
    for v in ["v2", "v3"] {
        std::fs::write(
            p.path("app/frontend/out/index.html"),
            format!("<html><body>Fintech Tracker {v}</body></html>"),
        )
        .unwrap();
        p.run(&["deploy", "--yes"]).expect(0);
    }
    let count = p.py("cf = c('cloudfront')\n\
         d = cf.list_distributions()['DistributionList']['Items'][0]['Id']\n\
         out(len(cf.list_invalidations(DistributionId=d)['InvalidationList']['Items']))");
    assert_eq!(count, 2);
    // Destroyed right after a change: disabled, waited for until Deployed, then deleted.
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    let left =
        p.py("out(len(c('cloudfront').list_distributions()['DistributionList'].get('Items', [])))");
    assert_eq!(left, 0);
    let log = moto.realism_log();
    assert!(!log.contains("repeated invalidation"), "{log}");
    assert!(log.contains("events_partial events PutTargets"), "{log}");
    assert!(
        log.contains("cloudfront_states cloudfront GET cloudfront"),
        "{log}"
    );
}

#[test]
fn deploy_waits_for_cloudfront_to_roll_out_only_when_asked() {
    // The layer answers fintech (not the test's boto3) `InProgress` for 3 s after each change.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "cloudfront_states"),
        ("FINTECH_REALISM_DURATIONS", "cloudfront=3"),
    ]);
    let p = Project::new(&moto);
    let polled = |log: &str| log.matches("cloudfront_states cloudfront GET").count();
    // By default the deploy ends without asking whether the distribution is deployed yet.
    let run = p.run(&["deploy", "--yes"]).expect(0);
    assert!(!run.stderr().contains("rolled out"), "{}", run.stderr());
    assert_eq!(polled(&moto.realism_log()), 0, "{}", moto.realism_log());
    // With --wait, a change ends once CloudFront reports it Deployed: it was asked while the
    // answer was still InProgress, and then once more.
    p.edit(
        "stacks/common.yaml",
        "    default_root_object: index.html",
        "    default_root_object: home.html",
    );
    let run = p.run(&["deploy", "--yes", "--wait"]).expect(0);
    assert!(
        run.stderr().contains("cdn: rolled out in"),
        "{}",
        run.stderr()
    );
    assert!(polled(&moto.realism_log()) >= 1, "{}", moto.realism_log());
    // Nothing to change: --wait changes nothing either.
    moto.reset_recording();
    p.run(&["deploy", "--yes", "--wait"]).expect(0);
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
}

#[test]
fn a_service_whose_tasks_never_start_is_a_failed_deploy_not_a_success() {
    // The deployment circuit breaker gives up on tasks that never get healthy and rolls back.
    let moto = Moto::with_registry_and(&[
        ("FINTECH_REALISM", "ecs_states"),
        ("FINTECH_REALISM_SECONDS", "1"),
        ("FINTECH_REALISM_ECS_FAIL", "api-service"),
    ]);
    let p = Project::new(&moto);
    let err = p
        .run(&["deploy", "--yes", "--option", "containers"])
        .expect(1)
        .stderr();
    assert!(
        err.contains("api_service: the deployment of ECS service fintech-tracker-dev-api-service failed and the circuit breaker rolled it back: ECS deployment circuit breaker: tasks failed to start."),
        "{err}"
    );
    assert!(
        moto.realism_log()
            .contains("ecs_states rolling out fintech-tracker-dev-api-service"),
        "{}",
        moto.realism_log()
    );
}

#[test]
fn a_new_account_that_cannot_reserve_concurrency_deploys_and_says_its_limit_caps_the_functions() {
    // New accounts have a Lambda concurrency limit of 10, all of which Lambda keeps unreserved:
    // every PutFunctionConcurrency is refused. The deploy goes through, the account limit being
    // the cap, and the plan says so instead of planning the reservation for ever.
    let moto = Moto::start_with(&[("FINTECH_REALISM", "lambda_quota")]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code(), 0, "{}", plan.stdout());
    let out = plan.stdout();
    assert!(
        out.contains(
            "api: reserved_concurrency 10 not set: the account's Lambda concurrency limit is 10"
        ),
        "{out}"
    );
    let reserved = p.py(
        "out(c('lambda').get_function_concurrency(FunctionName='fintech-tracker-dev-api').get('ReservedConcurrentExecutions'))",
    );
    assert_eq!(reserved, Value::Null);
    let log = moto.realism_log();
    assert!(
        log.contains("lambda_quota lambda"),
        "the layer refused the reservation: {log}"
    );
}

#[test]
fn alert_subscriptions_waiting_for_confirmation_are_neither_sent_again_nor_planned_for_ever() {
    // SNS keeps an e-mail subscription pending until its address follows the link: here for longer
    // than the test.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "sns_pending"),
        ("FINTECH_REALISM_SECONDS", "600"),
    ]);
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("No changes."), "{plan}");
    assert!(
        plan.contains("alerts: waiting for founders@example.com to confirm the subscription"),
        "{plan}"
    );
    // Pending counts as subscribed: a deploy does not mail the link again.
    crate::harness::redeploy_changes_nothing(&moto, &p);

    // An address dropped before it confirmed cannot be unsubscribed (SNS refuses while pending):
    // the deploy leaves it, says so, and the plan does not ask for it again.
    p.edit(
        "fintech.yaml",
        "alert_emails: [founders@example.com]",
        "alert_emails: [ops@example.com]",
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("No changes."), "{plan}");
    assert!(
        plan.contains("alerts: founders@example.com never confirmed the subscription"),
        "{plan}"
    );
    assert!(
        !moto
            .calls()
            .iter()
            .any(|c| c.body.contains("Action=Unsubscribe")),
        "a pending subscription is not unsubscribed"
    );
    assert!(
        moto.realism_log()
            .contains("sns_pending sns ListSubscriptionsByTopic"),
        "{}",
        moto.realism_log()
    );
}

#[test]
fn a_web_acl_is_deleted_once_cloudfront_lets_go_of_it() {
    // WAF refuses to delete an ACL the distribution still uses until its change is deployed.
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "waf_associated"),
        ("FINTECH_REALISM_SECONDS", "2"),
    ]);
    let p = Project::new(&moto);
    p.edit("fintech.yaml", "  waf: false ", "  waf: true ");
    p.run(&["deploy", "--yes"]).expect(0);
    p.edit("fintech.yaml", "  waf: true ", "  waf: false ");
    p.run(&["deploy", "--yes"]).expect(0);
    assert!(
        moto.realism_log()
            .contains("waf_associated wafv2 DeleteWebACL"),
        "{}",
        moto.realism_log()
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("No changes."), "{plan}");
    let acls = p.py("out(c('wafv2').list_web_acls(Scope='CLOUDFRONT')['WebACLs'])");
    assert_eq!(acls, serde_json::json!([]));
}

#[test]
fn a_certificate_is_used_once_its_validation_record_answers_and_deleted_once_cloudfront_lets_go() {
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "dns_validation"),
        ("FINTECH_REALISM_SECONDS", "2"),
        // CloudFront lets go of a certificate well after the records' changes are in sync.
        ("FINTECH_REALISM_DURATIONS", "cloudfront=15"),
    ]);
    let p = Project::new(&moto);
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: { domain: tracker.example.com }",
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let log = moto.realism_log();
    // ACM named the record only after a moment, and issued the certificate only once the record
    // was in the zone; Route 53's changes were pending before in sync. CloudFront took the alias
    // (it refuses one without an issued certificate covering it).
    for line in [
        "dns_validation acm DescribeCertificate",
        "dns_validation route53 POST route53",
        "dns_validation route53 GET route53",
    ] {
        assert!(log.contains(line), "{line} in\n{log}");
    }
    let aliases = p.py("cf = c('cloudfront')\n\
         d = cf.list_distributions()['DistributionList']['Items'][0]['Id']\n\
         out(cf.get_distribution_config(Id=d)['DistributionConfig']['Aliases'].get('Items', []))");
    assert_eq!(aliases, serde_json::json!(["tracker.example.com"]));
    p.edit(
        "fintech.yaml",
        "  dev: { domain: tracker.example.com }",
        "  dev: {}",
    );
    p.run(&["deploy", "--yes"]).expect(0);
    assert!(
        moto.realism_log()
            .contains("dns_validation acm DeleteCertificate"),
        "the certificate was still held by CloudFront, and its deletion retried:\n{}",
        moto.realism_log()
    );
    let certs = p.py("out(c('acm').list_certificates()['CertificateSummaryList'])");
    assert_eq!(certs, serde_json::json!([]));
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
}

#[test]
fn a_nat_gateway_is_waited_for_and_its_address_released_only_once_it_is_gone() {
    let moto = Moto::start_with(&[
        ("FINTECH_REALISM", "nat_states"),
        ("FINTECH_REALISM_SECONDS", "3"),
    ]);
    let p = Project::new(&moto);
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: { params: { network: dedicated, nat: gateway } }",
    );
    p.run(&["deploy", "--yes"]).expect(0);
    p.edit("fintech.yaml", "nat: gateway", "nat: none");
    p.run(&["deploy", "--yes"]).expect(0);
    let log = moto.realism_log();
    assert!(
        log.contains("nat_states ec2 DescribeNatGateways"),
        "the gateway was pending, then deleting, and waited for:\n{log}"
    );
    assert!(
        !log.contains("nat_states ec2 ReleaseAddress"),
        "its address was released only once the gateway was gone:\n{log}"
    );
    let addresses = p.py("out(c('ec2').describe_addresses()['Addresses'])");
    assert_eq!(addresses, serde_json::json!([]));
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
}
