//! Deploying the serverless option: everything created and tagged, idempotent, exact diffs, state-loss
//! proof, drift repair, progress lines, and the outputs.

use crate::harness::{Moto, Project, deployed};

const SECRET: &str = "sk-live-do-not-print-4242";

#[test]
fn fresh_deploy_creates_every_resource_tagged_and_prints_outputs_without_secrets() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    p.env.push(("FINPREP_API_KEY".into(), SECRET.into()));
    let run = p
        .run(&[
            "deploy",
            "--option",
            "serverless",
            "--stage",
            "dev",
            "--yes",
        ])
        .expect(0);
    let all = format!("{}{}", run.stdout(), run.stderr());
    assert!(all.contains("29 created"), "{all}");
    assert!(
        !all.contains(SECRET),
        "the secret leaked into the output:\n{all}"
    );

    // Every resource of the stage, as AWS has it, with its ownership tags.
    let found = p.py(
        "tags = lambda l: {t['Key']: t['Value'] for t in l}\n\
         r = {}\n\
         r['db'] = tags(c('rds').describe_db_instances(DBInstanceIdentifier='fintech-tracker-dev-db')['DBInstances'][0]['TagList'])\n\
         rg = c('elasticache').describe_replication_groups(ReplicationGroupId='fintech-tracker-dev-cache')['ReplicationGroups'][0]\n\
         r['cache'] = tags(c('elasticache').list_tags_for_resource(ResourceName=rg['ARN'])['TagList'])\n\
         for sg in c('ec2').describe_security_groups(Filters=[{'Name': 'tag:fintech:stage', 'Values': ['dev']}])['SecurityGroups']:\n\
         \x20   r['sg ' + '-'.join(sg['GroupName'].split('-')[:-1])] = tags(sg['Tags'])\n\
         r['role'] = tags(c('iam').list_role_tags(RoleName='fintech-tracker-dev-fn-role')['Tags'])\n\
         for f in ['api', 'ingest']:\n\
         \x20   r[f] = c('lambda').get_function(FunctionName='fintech-tracker-dev-' + f)['Tags']\n\
         api = [a for a in c('apigatewayv2').get_apis()['Items'] if a['Name'] == 'fintech-tracker-dev-api-origin'][0]\n\
         r['http'] = api['Tags']\n\
         r['routes'] = sorted(x['RouteKey'] for x in c('apigatewayv2').get_routes(ApiId=api['ApiId'])['Items'])\n\
         r['stages'] = [s['StageName'] for s in c('apigatewayv2').get_stages(ApiId=api['ApiId'])['Items']]\n\
         b = 'fintech-tracker-dev-site-bucket-123456789012-us-east-1'\n\
         r['bucket'] = tags(c('s3').get_bucket_tagging(Bucket=b)['TagSet'])\n\
         r['bucket_block'] = c('s3').get_public_access_block(Bucket=b)['PublicAccessBlockConfiguration']\n\
         r['objects'] = sorted(o['Key'] for o in c('s3').list_objects_v2(Bucket=b)['Contents'])\n\
         d = c('cloudfront').list_distributions()['DistributionList']['Items'][0]\n\
         r['cdn'] = tags(c('cloudfront').list_tags_for_resource(Resource=d['ARN'])['Tags']['Items'])\n\
         rule = c('events').describe_rule(Name='fintech-tracker-dev-daily-ingest')\n\
         r['rule'] = tags(c('events').list_tags_for_resource(ResourceARN=rule['Arn'])['Tags'])\n\
         r['schedule'] = rule['ScheduleExpression']\n\
         r['target'] = c('events').list_targets_by_rule(Rule=rule['Name'])['Targets'][0]['Arn']\n\
         s = c('secretsmanager').describe_secret(SecretId='fintech-tracker/dev/FINPREP_API_KEY')\n\
         r['secret'] = tags(s['Tags'])\n\
         r['secret_value'] = c('secretsmanager').get_secret_value(SecretId=s['ARN'])['SecretString']\n\
         r['budget'] = c('budgets').describe_budget(AccountId='123456789012', BudgetName='fintech-tracker/dev/spend-budget')['Budget']['BudgetLimit']\n\
         r['db_public'] = c('rds').describe_db_instances(DBInstanceIdentifier='fintech-tracker-dev-db')['DBInstances'][0]['PubliclyAccessible']\n\
         out(r)",
    );
    for (key, id) in [
        ("db", "db"),
        ("cache", "cache"),
        // Group names end in a hash of what forces their replacement.
        ("sg fintech-tracker-dev-app-sg", "app_sg"),
        ("sg fintech-tracker-dev-data-sg", "data_sg"),
        ("role", "fn_role"),
        ("api", "api"),
        ("ingest", "ingest"),
        ("http", "api_origin"),
        ("bucket", "site_bucket"),
        ("cdn", "cdn"),
        ("rule", "daily_ingest"),
        ("secret", "secrets.FINPREP_API_KEY"),
    ] {
        assert_eq!(
            found[key]["fintech:app"], "fintech-tracker",
            "{key}: {}",
            found[key]
        );
        assert_eq!(found[key]["fintech:stage"], "dev", "{key}");
        assert_eq!(found[key]["fintech:id"], id, "{key}");
    }
    assert_eq!(
        found["routes"],
        serde_json::json!(["ANY /api/{proxy+}", "GET /api/health"])
    );
    assert_eq!(found["stages"], serde_json::json!(["$default"]));
    assert_eq!(
        found["objects"],
        serde_json::json!(["_next/static/chunks/app.js", "index.html"])
    );
    assert_eq!(found["bucket_block"]["BlockPublicPolicy"], true);
    assert_eq!(found["schedule"], "cron(0 6 * * ? *)");
    assert!(
        found["target"]
            .as_str()
            .unwrap()
            .ends_with(":function:fintech-tracker-dev-ingest")
    );
    assert_eq!(
        found["secret_value"], SECRET,
        "the secret reached Secrets Manager"
    );
    assert_eq!(
        found["budget"]["Amount"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        30.0
    );
    assert_eq!(found["db_public"], false);

    let outputs = p.run(&["outputs", "--json"]).expect(0);
    let o = outputs.json();
    assert!(
        o["api_url"].as_str().unwrap().starts_with("https://"),
        "{o}"
    );
    assert!(
        o["site_domain"]
            .as_str()
            .unwrap()
            .ends_with(".cloudfront.net"),
        "{o}"
    );
    assert!(
        o["db_endpoint"]
            .as_str()
            .unwrap()
            .contains("fintech-tracker-dev-db"),
        "{o}"
    );
    assert!(
        !outputs.stdout().contains(SECRET) && !outputs.stdout().to_lowercase().contains("password")
    );
}

#[test]
fn a_second_deploy_makes_no_mutating_call_and_plan_says_no_changes() {
    let (moto, p) = deployed();
    let run = p
        .run(&["deploy", "--option", "serverless", "--yes"])
        .expect(0);
    assert!(run.stdout().contains("No changes."), "{}", run.stdout());
    assert!(
        run.stdout().contains("0 mutating API calls"),
        "{}",
        run.stdout()
    );
    let mutating = moto.mutating_calls();
    assert!(
        mutating.is_empty(),
        "a no-op deploy changed things: {:?}",
        mutating.iter().map(|c| c.name()).collect::<Vec<_>>()
    );
    assert!(!moto.calls().is_empty(), "the recorder saw the reads");
    let plan = p.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(plan.stdout().contains("No changes."), "{}", plan.stdout());
}

#[test]
fn one_changed_parameter_is_one_attribute_in_the_plan_and_one_call_in_the_deploy() {
    let (moto, p) = deployed();
    p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1024");
    let plan = p.run(&["plan", "--detailed-exitcode"]).expect(2);
    let text = plan.stdout();
    assert!(
        text.contains("~ api (lambda.function) will be updated in place"),
        "{text}"
    );
    assert!(text.contains("memory_mb: 512 -> 1024"), "{text}");
    assert!(!text.contains("forces replacement"), "{text}");
    assert!(
        text.contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete"),
        "{text}"
    );

    let json = p.run(&["plan", "--json"]).expect(0).json();
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["changes"], true);
    let changed: Vec<&serde_json::Value> = json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] != "no_op" && r["action"] != "read")
        .collect();
    assert_eq!(changed.len(), 1, "{json}");
    assert_eq!(changed[0]["id"], "api");
    assert_eq!(changed[0]["action"], "update");
    assert_eq!(
        changed[0]["changes"],
        serde_json::json!([{"attribute": "memory_mb", "before": 512, "after": 1024, "forces_replacement": false, "sensitive": false, "known_after_apply": false, "drift": false}])
    );

    moto.reset_recording();
    p.run(&["deploy", "--yes"]).expect(0);
    let names: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["PUT /2015-03-31/functions/fintech-tracker-dev-api/configuration"],
        "only that change is applied"
    );
    p.run(&["plan", "--detailed-exitcode"]).expect(0);

    // An environment variable change is shown entry by entry.
    p.edit(
        "stacks/serverless.yaml",
        "REDIS_URL: ${cache.url}",
        "REDIS_URL: ${cache.url}\n      FEATURE_FLAGS: charts",
    );
    let text = p.run(&["plan", "--detailed-exitcode"]).expect(2).stdout();
    assert!(
        text.contains("      env:\n        + FEATURE_FLAGS: \"charts\"\n"),
        "{text}"
    );

    // A replacement is marked as such.
    p.edit(
        "stacks/common.yaml",
        "db_name: fintech_tracker",
        "db_name: tracker",
    );
    let text = p.run(&["plan"]).expect(0).stdout();
    assert!(
        text.contains("-/+ db (rds.postgres) will be replaced"),
        "{text}"
    );
    assert!(
        text.contains("db_name: \"fintech_tracker\" -> \"tracker\"  # forces replacement"),
        "{text}"
    );
}

#[test]
fn losing_every_local_file_changes_nothing() {
    let (moto, p) = deployed();
    assert!(
        p.path(".fintech").exists(),
        "the build directory exists before"
    );
    std::fs::remove_dir_all(p.path(".fintech")).unwrap();
    let plan = p.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(plan.stdout().contains("No changes."), "{}", plan.stdout());
    p.run(&["deploy", "--yes"]).expect(0);
    assert!(moto.mutating_calls().is_empty());
}

#[test]
fn drift_behind_the_tools_back_is_shown_and_repaired() {
    let (_moto, p) = deployed();
    p.py("c('lambda').update_function_configuration(FunctionName='fintech-tracker-dev-api', MemorySize=256)\n\
          c('s3').put_object(Bucket='fintech-tracker-dev-site-bucket-123456789012-us-east-1', Key='index.html', Body=b'defaced')\n\
          out(1)");
    let text = p.run(&["plan", "--detailed-exitcode"]).expect(2).stdout();
    // Changed outside fintech, and said so: the stack still says what was deployed.
    assert!(
        text.contains("memory_mb: 256 -> 512  # drift: changed outside fintech"),
        "{text}"
    );
    assert!(
        text.contains("      files:  # drift: changed outside fintech\n        ~ index.html: "),
        "{text}"
    );
    // A change of the stack files beside it is not drift.
    p.edit("fintech.yaml", "api_timeout_s: 30", "api_timeout_s: 40");
    let text = p.run(&["plan"]).expect(0).stdout();
    assert!(text.contains("timeout_s: 30 -> 40\n"), "{text}");
    assert!(text.contains("memory_mb: 256 -> 512  # drift"), "{text}");
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let mem = p.py("out(c('lambda').get_function_configuration(FunctionName='fintech-tracker-dev-api')['MemorySize'])");
    assert_eq!(mem, 512);
}

#[test]
fn progress_is_plain_lines_without_a_terminal() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    let err = p.run(&["deploy", "--yes"]).expect(0).stderr();
    for id in ["db", "cache", "api", "cdn", "site"] {
        assert!(err.contains(&format!("] {id}: creating")), "{err}");
        assert!(err.contains(&format!("] {id}: created in ")), "{err}");
    }
    assert!(!err.contains('\u{1b}'), "no terminal escapes in plain mode");
}

#[test]
fn a_resource_removed_from_the_stack_is_planned_as_a_delete_and_deleted() {
    let (moto, p) = deployed();
    let common = std::fs::read_to_string(p.path("stacks/common.yaml")).unwrap();
    let start = common.find("  daily_ingest:").unwrap();
    let end = common[start..].find("\n\n").unwrap() + start;
    std::fs::write(
        p.path("stacks/common.yaml"),
        format!("{}{}", &common[..start], &common[end + 2..]),
    )
    .unwrap();
    let text = p.run(&["plan", "--detailed-exitcode"]).expect(2).stdout();
    assert!(
        text.contains(
            "- daily_ingest (events.schedule) will be deleted: fintech-tracker-dev-daily-ingest"
        ),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to create, 0 to update, 0 to replace, 1 to delete"),
        "{text}"
    );
    let json = p.run(&["plan", "--json"]).expect(0).json();
    let last = json["resources"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["id"].as_str(), last["action"].as_str()),
        (Some("daily_ingest"), Some("delete"))
    );

    moto.reset_recording();
    p.run(&["deploy", "--yes"]).expect(0);
    let names: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["RemoveTargets", "DeleteRule"]);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);

    // Renaming the cache deletes the old one: a data-destroying plan, refused without the flag.
    for file in ["stacks/common.yaml", "stacks/serverless.yaml"] {
        let text = std::fs::read_to_string(p.path(file)).unwrap();
        std::fs::write(
            p.path(file),
            text.replace("  cache:\n", "  cache2:\n")
                .replace("${cache.", "${cache2."),
        )
        .unwrap();
    }
    let run = p.run(&["deploy", "--yes"]).expect(1);
    assert!(
        run.stderr().contains(
            "refusing to replace or delete data-bearing resources: cache (elasticache.redis)"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn progress_is_spinners_on_a_terminal() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    // `script` gives the binary a pseudo-terminal, as a user's shell would.
    let bin = env!("CARGO_BIN_EXE_fintech");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{bin} deploy --yes"), "/dev/null"])
        .current_dir(p.dir.path())
        .env("AWS_ENDPOINT_URL", &p.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("script (util-linux) is installed");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("✓ db: created in"),
        "result lines per resource:\n{screen}"
    );
    assert!(
        screen.contains('\u{1b}'),
        "a terminal gets a live display:\n{screen}"
    );
    assert!(
        !screen.contains("] db: creating"),
        "not the plain lines:\n{screen}"
    );
}
