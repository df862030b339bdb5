//! The containers option against moto and a real registry behind its ECR (docker-registry): the
//! image is built and pushed by fintech and pinned by digest; idempotent; task changes roll a new
//! revision; switching options keeps data.

use serde_json::{Value, json};

use crate::harness::{Moto, Project};

const REPO: &str = "fintech-tracker-dev-repo";

/// The digest of the image fintech built for the service (`fintech package` prints it).
pub(crate) fn built_digest(p: &Project) -> String {
    let out = p
        .run(&["package", "--option", "containers"])
        .expect(0)
        .stdout();
    let at = out
        .find("api_service: image sha256:")
        .unwrap_or_else(|| panic!("no image digest in\n{out}"));
    out[at + "api_service: image ".len()..][..71].to_string()
}

/// A project deployed with `--option containers`: its image built and pushed by fintech.
pub(crate) fn containers() -> (Moto, Project, String) {
    let moto = Moto::with_registry();
    let p = Project::new(&moto);
    let run = p
        .run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert!(
        run.stderr().contains("api_service: pushed 4 of 4 blobs"),
        "{}",
        run.stderr()
    );
    let digest = built_digest(&p);
    (moto, p, digest)
}

#[test]
fn a_fresh_deploy_creates_the_container_stack_pinned_by_digest() {
    let (moto, p, digest) = containers();
    let found = p.py(
        "ecs, elb = c('ecs'), c('elbv2')\n\
         svc = ecs.describe_services(cluster='fintech-tracker-dev-cluster', services=['fintech-tracker-dev-api-service'], include=['TAGS'])['services'][0]\n\
         td = ecs.describe_task_definition(taskDefinition=svc['taskDefinition'])['taskDefinition']\n\
         cd = td['containerDefinitions'][0]\n\
         lb = elb.describe_load_balancers(Names=['fintech-tracker-dev-api-origin'])['LoadBalancers'][0]\n\
         tg = elb.describe_target_groups(LoadBalancerArn=lb['LoadBalancerArn'])['TargetGroups'][0]\n\
         ls = elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners']\n\
         repo = c('ecr').describe_repositories(repositoryNames=['fintech-tracker-dev-repo'])['repositories'][0]\n\
         lg = c('logs').describe_log_groups(logGroupNamePrefix='/ecs/fintech-tracker-dev-api-logs')['logGroups'][0]\n\
         out({'image': cd['image'], 'cpu': td['cpu'], 'memory': td['memory'], 'mode': td['networkMode'], 'compat': td['requiresCompatibilities'],\n\
              'secrets': sorted(s['name'] for s in cd.get('secrets', [])), 'env': sorted(e['name'] for e in cd.get('environment', [])),\n\
              'log': cd['logConfiguration']['options']['awslogs-group'], 'count': svc['desiredCount'],\n\
                            'tags': {t['key']: t['value'] for t in svc['tags']},\n\
              'public': svc['networkConfiguration']['awsvpcConfiguration']['assignPublicIp'],\n\
              'azs': len(lb['AvailabilityZones']), 'scheme': lb['Scheme'], 'health': tg['HealthCheckPath'], 'tg_port': tg['Port'],\n\
              'listeners': [(l['Protocol'], l['Port']) for l in ls], 'scan': repo['imageScanningConfiguration']['scanOnPush'],\n\
              'lifecycle': json.loads(c('ecr').get_lifecycle_policy(repositoryName='fintech-tracker-dev-repo')['lifecyclePolicyText'])['rules'][0]['selection']['countNumber'],\n\
              'retention': lg.get('retentionInDays')})",
    );
    assert_eq!(
        found["image"],
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{REPO}@{digest}")
    );
    assert_eq!(
        (
            found["cpu"].as_str(),
            found["memory"].as_str(),
            found["mode"].as_str()
        ),
        (Some("256"), Some("512"), Some("awsvpc"))
    );
    assert_eq!(found["compat"], json!(["FARGATE"]));
    assert_eq!(
        found["secrets"],
        json!([
            "ALPHAVANTAGE_API_KEY",
            "DB_CREDENTIALS",
            "FINPREP_API_KEY",
            "MARKETAUX_API_KEY"
        ]),
        "secrets come from Secrets Manager"
    );
    assert_eq!(
        found["env"],
        json!(["DATABASE_URL", "REDIS_URL"]),
        "no secret in plain environment values"
    );
    assert_eq!(found["log"], "/ecs/fintech-tracker-dev-api-logs");
    assert_eq!(found["retention"], 14);
    assert_eq!(found["count"], 1);
    // moto quirk: DescribeServices leaves out deploymentConfiguration; the request shows it was asked for.
    let create = moto
        .calls()
        .into_iter()
        .find(|c| c.name() == "CreateService")
        .expect("CreateService recorded");
    assert!(
        create
            .body
            .contains("\"deploymentCircuitBreaker\":{\"enable\":true,\"rollback\":true}"),
        "{}",
        create.body
    );
    assert_eq!(found["tags"]["fintech:id"], "api_service");
    assert_eq!(
        (found["azs"].as_i64(), found["scheme"].as_str()),
        (Some(2), Some("internet-facing"))
    );
    assert_eq!(
        (found["health"].as_str(), found["tg_port"].as_i64()),
        (Some("/api/health"), Some(8000))
    );
    assert_eq!(found["listeners"], json!([["HTTP", 80]]));
    assert_eq!(
        (found["scan"].as_bool(), found["lifecycle"].as_i64()),
        (Some(true), Some(10))
    );

    let o = p
        .run(&["outputs", "--option", "containers", "--json"])
        .expect(0)
        .json();
    assert!(
        o["api_url"]
            .as_str()
            .unwrap()
            .starts_with("http://fintech-tracker-dev-api-origin"),
        "{o}"
    );
    assert!(
        o["site_url"].as_str().unwrap().ends_with(".cloudfront.net"),
        "{o}"
    );
    // CloudFront sends /api/* to the load balancer, over HTTP as it has no certificate.
    let origin = p.py(
        "d = c('cloudfront').list_distributions()['DistributionList']['Items'][0]['Id']\n\
                       cfg = c('cloudfront').get_distribution_config(Id=d)['DistributionConfig']\n\
                       api = [o for o in cfg['Origins']['Items'] if o['Id'] == 'api'][0]\n\
                       out([api['DomainName'], api['CustomOriginConfig']['OriginProtocolPolicy']])",
    );
    assert_eq!(origin[1], "http-only");
    assert!(
        origin[0].as_str().unwrap().contains("elb.amazonaws.com"),
        "{origin}"
    );
}

#[test]
fn a_second_deploy_changes_nothing_and_task_changes_roll_a_new_revision_only() {
    let (moto, p, _) = containers();
    moto.reset_recording();
    let run = p
        .run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert!(
        run.stdout().contains("0 mutating API calls"),
        "{}",
        run.stdout()
    );
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
    p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(0);

    // CPU, memory and an environment variable: a new task definition revision and a service update.
    p.edit("fintech.yaml", "task_cpu: \"256\"", "task_cpu: \"512\"");
    p.edit(
        "fintech.yaml",
        "task_memory_mb: 512",
        "task_memory_mb: 1024",
    );
    p.edit(
        "stacks/containers.yaml",
        "REDIS_URL: ${cache.url}",
        "REDIS_URL: ${cache.url}\n      LOG_LEVEL: info",
    );
    let plan = p
        .run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(2)
        .stdout();
    assert!(
        plan.contains("~ api_service (ecs.service) will be updated in place"),
        "{plan}"
    );
    assert!(
        plan.contains("cpu: \"256\" -> \"512\"")
            && plan.contains("memory_mb: 512 -> 1024")
            && plan.contains("      env:\n        + LOG_LEVEL: \"info\"\n"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete"),
        "{plan}"
    );
    moto.reset_recording();
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    let names: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "RegisterTaskDefinition",
            "UpdateService",
            "DeregisterTaskDefinition"
        ],
        "the revision it replaced is deregistered once the new one rolled out"
    );
    let revisions = p.py("s = c('ecs').describe_services(cluster='fintech-tracker-dev-cluster', services=['fintech-tracker-dev-api-service'])['services'][0]\n\
                          out([s['taskDefinition'].split('/')[-1], [a.split('/')[-1] for a in c('ecs').list_task_definitions(status='ACTIVE')['taskDefinitionArns']]])");
    assert_eq!(
        revisions,
        json!([
            "fintech-tracker-dev-api-service:2",
            ["fintech-tracker-dev-api-service:2"]
        ])
    );

    // The desired count: the service in place, no new revision.
    p.edit("fintech.yaml", "task_count: 1", "task_count: 2");
    moto.reset_recording();
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    let names: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["UpdateService"]);
    p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(0);
}

#[test]
fn switching_a_stage_from_serverless_to_containers_keeps_the_data() {
    let moto = Moto::with_registry();
    let p = Project::new(&moto);
    p.run(&["deploy", "--option", "serverless", "--yes"])
        .expect(0);
    let plan = p
        .run(&["plan", "--option", "containers", "--json"])
        .expect(0)
        .json();
    let actions: Vec<(String, String, String)> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] != "no_op" && r["action"] != "read")
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                r["type"].as_str().unwrap().into(),
                r["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    let has = |id: &str, t: &str, a: &str| {
        actions.contains(&(id.to_string(), t.to_string(), a.to_string()))
    };
    assert!(
        has("api", "lambda.function", "delete")
            && has("api_origin", "apigateway.http_api", "delete"),
        "{actions:?}"
    );
    for (id, t) in [
        ("api_origin", "elbv2.load_balancer"),
        ("api_service", "ecs.service"),
        ("repo", "ecr.repository"),
        ("cluster", "ecs.cluster"),
    ] {
        assert!(has(id, t, "create"), "{id} {t}: {actions:?}");
    }
    for kept in ["db", "cache", "site_bucket"] {
        assert!(
            !actions.iter().any(|(id, _, _)| id == kept),
            "{kept} is kept as it is: {actions:?}"
        );
    }
    assert!(
        has("cdn", "cloudfront.distribution", "update"),
        "the distribution is kept and repointed: {actions:?}"
    );
    assert_eq!(
        plan["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["data_loss"] == true)
            .count(),
        0
    );

    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(0);
    let gone = p.py(
        "out([len([f for f in c('lambda').list_functions()['Functions'] if f['FunctionName'] == 'fintech-tracker-dev-api']),\n\
              len([a for a in c('apigatewayv2').get_apis()['Items'] if a['Name'] == 'fintech-tracker-dev-api-origin']),\n\
              c('rds').describe_db_instances()['DBInstances'][0]['DBInstanceIdentifier']])",
    );
    assert_eq!(gone, json!([0, 0, "fintech-tracker-dev-db"]));
    let _: Value = gone;
}

#[test]
fn destroying_the_container_stage_leaves_nothing_of_it() {
    let (_moto, p, _) = containers();
    let run = p
        .run(&[
            "destroy",
            "--option",
            "containers",
            "--yes",
            "--allow-data-loss",
        ])
        .expect(0);
    assert!(
        run.stdout()
            .contains("Destroyed 34 resources of stage `dev`."),
        "{}",
        run.stdout()
    );
    let left = p.py(
        "active = [x['clusterName'] for x in c('ecs').describe_clusters(clusters=c('ecs').list_clusters()['clusterArns'])['clusters'] if x['status'] == 'ACTIVE']\n\
         out([active, c('elbv2').describe_load_balancers()['LoadBalancers'], c('elbv2').describe_target_groups()['TargetGroups'],\n\
              c('ecr').describe_repositories()['repositories'], c('logs').describe_log_groups(logGroupNamePrefix='/ecs/')['logGroups'],\n\
              [s['serviceArn'] for s in c('ecs').describe_services(cluster='fintech-tracker-dev-cluster', services=['fintech-tracker-dev-api-service'])['services'] if s['status'] == 'ACTIVE'] if c('ecs').list_clusters()['clusterArns'] else []])",
    );
    // moto quirk: a deleted cluster stays in ListClusters (as INACTIVE), hence `active`.
    assert_eq!(left, json!([[], [], [], [], [], []]));
}

#[test]
fn a_deployed_stage_given_a_domain_gets_https_at_the_load_balancer() {
    let (_moto, p, _) = containers();
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: { domain: tracker.example.com }",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    for line in [
        "+ api_cert (acm.certificate) will be created",
        "certificate_arn: (none) -> (known after apply)",
        "api_protocol: \"http\" -> (known after apply)",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(0);
    let found = p.py(
        "elb = c('elbv2')\n\
         lb = elb.describe_load_balancers(Names=['fintech-tracker-dev-api-origin'])['LoadBalancers'][0]\n\
         ls = sorted((l['Protocol'], l['Port'], l['DefaultActions'][0]['Type']) for l in elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'])\n\
         d = c('cloudfront').list_distributions()['DistributionList']['Items'][0]['Id']\n\
         cfg = c('cloudfront').get_distribution_config(Id=d)['DistributionConfig']\n\
         api = [o for o in cfg['Origins']['Items'] if o['Id'] == 'api'][0]\n\
         https = [l for l in elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'] if l['Protocol'] == 'HTTPS'][0]\n\
         rules = [[r['Actions'][0]['Type'], r['Conditions'][0]['HttpHeaderConfig']['HttpHeaderName']] for r in elb.describe_rules(ListenerArn=https['ListenerArn'])['Rules'] if not r['IsDefault']]\n\
         out([ls, rules, api['CustomOriginConfig']['OriginProtocolPolicy']])",
    );
    // HTTPS refuses by default; only requests carrying CloudFront's origin header are forwarded.
    assert_eq!(
        found,
        json!([
            [["HTTP", 80, "redirect"], ["HTTPS", 443, "fixed-response"]],
            [["forward", "X-Origin-Verify"]],
            "https-only"
        ])
    );
}

#[test]
fn a_stage_whose_balancer_name_is_shortened_deploys_once_and_plans_clean() {
    // Balancer names are at most 32 characters: `fintech-tracker-staging-api-origin` (34) is
    // shortened with a hash, from which the id cannot be read back. The balancer was then listed
    // as one the stack no longer declares, and every second deploy deleted it.
    let (moto, p, _) = containers();
    p.edit("fintech.yaml", "  dev: {}", "  dev: {}\n  staging: {}");
    let deploy = [
        "deploy",
        "--option",
        "containers",
        "--stage",
        "staging",
        "--yes",
    ];
    let first = p.run(&deploy).expect(0);
    assert!(
        first.stderr().contains("pushed 4 of 4 blobs"),
        "a registry answers for the blobs of each repository: {}",
        first.stderr()
    );
    let names = p.py(
        "out(sorted(lb['LoadBalancerName'] for lb in c('elbv2').describe_load_balancers()['LoadBalancers']))",
    );
    let staging: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.starts_with("fintech-tracker-staging-"))
        .collect();
    assert!(
        staging.len() == 1 && staging[0].len() <= 32 && !staging[0].ends_with("api-origin"),
        "one shortened balancer: {names}"
    );
    let plan = p.run(&[
        "plan",
        "--option",
        "containers",
        "--stage",
        "staging",
        "--detailed-exitcode",
    ]);
    assert_eq!(plan.code(), 0, "{}", plan.stdout());
    moto.reset_recording();
    p.run(&deploy).expect(0);
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
}

#[test]
fn after_a_rotation_the_balancer_admits_the_new_and_the_previous_token() {
    let (moto, p, _) = containers();
    let read = "sm = c('secretsmanager')\n\
        name = 'fintech-tracker/dev/generated/origin_token'\n\
        elb = c('elbv2')\n\
        lb = elb.describe_load_balancers(Names=['fintech-tracker-dev-api-origin'])['LoadBalancers'][0]\n\
        l = elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'][0]\n\
        rules = [r for r in elb.describe_rules(ListenerArn=l['ListenerArn'])['Rules'] if not r['IsDefault']]\n\
        out({'current': sm.get_secret_value(SecretId=name)['SecretString'], 'rules': [sorted(r['Conditions'][0]['HttpHeaderConfig']['Values']) for r in rules], 'default': l['DefaultActions'][0]['Type']})";
    let before = p.py(read);
    let old = before["current"].as_str().unwrap().to_string();
    assert_eq!(before["rules"], json!([[old]]));
    assert_eq!(before["default"], "fixed-response");
    p.run(&["rotate", "origin_token", "--option", "containers"])
        .expect(0);
    moto.reset_recording();
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    let after = p.py(read);
    let new = after["current"].as_str().unwrap().to_string();
    let mut both = vec![new, old];
    both.sort();
    assert_eq!(after["rules"], json!([both]), "one rule, both values");
    let calls: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    assert!(
        calls.iter().any(|c| c.contains("ModifyRule"))
            && !calls.iter().any(|c| c.contains("DeleteListener")),
        "the rule is modified in place, the listener kept: {calls:?}"
    );
    p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(0);
}
