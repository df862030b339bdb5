//! Alarms: CloudWatch alarms on the API, the functions, the database and the cache, telling an SNS
//! topic that e-mails the stage's alert addresses; thresholds per stage, planned and priced like
//! everything else. (CloudWatch is reached through the SDK's CBOR protocol: scripts/emulator.)

use serde_json::{Value, json};

use crate::harness::{Project, deployed};

/// The stage's alarms: name -> [namespace, metric, dimensions, threshold, operator, actions].
fn alarms(p: &Project) -> Value {
    p.py(
        "a = c('cloudwatch').describe_alarms(AlarmNamePrefix='fintech-tracker-dev-')['MetricAlarms']\n\
         out({x['AlarmName'].removeprefix('fintech-tracker-dev-'): [x['Namespace'], x['MetricName'], {d['Name']: d['Value'] for d in x['Dimensions']}, x['Threshold'], x['ComparisonOperator'], x['AlarmActions'], x['OKActions']] for x in a})",
    )
}

/// The topic's e-mail subscriptions, as SNS has them.
fn subscribed(p: &Project) -> Value {
    p.py(
        "s = c('sns').list_subscriptions()['Subscriptions']\n\
         out(sorted(x['Endpoint'] for x in s if x['TopicArn'].endswith(':fintech-tracker-dev-alerts')))",
    )
}

/// Plans until SNS has every subscription confirmed (the realism layer keeps them pending a while,
/// as an address's owner takes a while to follow the link); the last plan's text.
fn plan_once_confirmed(p: &Project) -> String {
    for _ in 0..60 {
        let plan = p.run(&["plan"]).expect(0).stdout();
        if !plan.contains("to confirm the subscription") {
            return plan;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!("subscriptions still pending after 15 s");
}

#[test]
fn alarms_watch_the_stack_and_mail_the_stages_alert_addresses() {
    let (moto, p) = deployed();
    let all = alarms(&p);
    let topic = "arn:aws:sns:us-east-1:123456789012:fintech-tracker-dev-alerts";
    let mut names: Vec<&str> = all
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api-5xx-alarm",
            "api-errors-alarm",
            "api-throttles-alarm",
            "cache-memory-alarm",
            "db-cpu-alarm",
            "db-storage-alarm",
            "ingest-errors-alarm"
        ]
    );
    for (name, a) in all.as_object().unwrap() {
        assert_eq!(a[5], json!([topic]), "{name} fires to the topic");
        assert_eq!(a[6], json!([topic]), "{name} tells the topic it cleared");
    }
    // Each watches the stage's own resource, by the dimension CloudWatch reports it under.
    let ids = p.py(
        "api = [a for a in c('apigatewayv2').get_apis()['Items'] if a['Name'] == 'fintech-tracker-dev-api-origin'][0]['ApiId']\n\
         g = c('elasticache').describe_replication_groups(ReplicationGroupId='fintech-tracker-dev-cache')['ReplicationGroups'][0]\n\
         out({'api': api, 'node': g['MemberClusters'][0]})",
    );
    assert_eq!(
        all["db-cpu-alarm"][2],
        json!({"DBInstanceIdentifier": "fintech-tracker-dev-db"})
    );
    assert_eq!(
        all["db-storage-alarm"].as_array().unwrap()[..5],
        [
            json!("AWS/RDS"),
            json!("FreeStorageSpace"),
            json!({"DBInstanceIdentifier": "fintech-tracker-dev-db"}),
            json!(2e9),
            json!("LessThanThreshold")
        ]
    );
    assert_eq!(
        all["cache-memory-alarm"][2],
        json!({"CacheClusterId": ids["node"]})
    );
    assert_eq!(all["api-5xx-alarm"][2], json!({"ApiId": ids["api"]}));
    assert_eq!(
        all["api-errors-alarm"][2],
        json!({"FunctionName": "fintech-tracker-dev-api"})
    );
    assert_eq!(
        all["ingest-errors-alarm"][2],
        json!({"FunctionName": "fintech-tracker-dev-ingest"})
    );
    assert_eq!(subscribed(&p), json!(["founders@example.com"]));
    plan_once_confirmed(&p);

    // Someone drops the alarm's "back to OK" e-mails by hand: drift, planned and undone.
    p.py(
        "cw = c('cloudwatch')\n\
         a = cw.describe_alarms(AlarmNames=['fintech-tracker-dev-db-cpu-alarm'])['MetricAlarms'][0]\n\
         keep = ['AlarmName', 'AlarmDescription', 'Namespace', 'MetricName', 'Dimensions', 'Statistic', 'Period', 'EvaluationPeriods', 'Threshold', 'ComparisonOperator', 'TreatMissingData', 'AlarmActions']\n\
         cw.put_metric_alarm(OKActions=[], **{k: a[k] for k in keep})\n\
         out(0)",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("~ db_cpu_alarm (cloudwatch.alarm) will be updated in place")
            && plan.contains("notify: (none) -> "),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(alarms(&p)["db-cpu-alarm"][6], json!([topic]));

    // A stage's threshold and addresses: an attribute each, changed in place, then nothing to do.
    p.edit(
        "fintech.yaml",
        "alarm_db_cpu_percent: 80 ",
        "alarm_db_cpu_percent: 90 ",
    );
    p.edit(
        "fintech.yaml",
        "alert_emails: [founders@example.com]",
        "alert_emails: [ops@example.com]",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "~ db_cpu_alarm (cloudwatch.alarm) will be updated in place",
        "threshold: 80 -> 90",
        "~ alerts (sns.topic) will be updated in place",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(alarms(&p)["db-cpu-alarm"][3], 90.0);
    assert_eq!(subscribed(&p), json!(["ops@example.com"]));
    let plan = plan_once_confirmed(&p);
    assert!(plan.contains("No changes."), "{plan}");
    crate::harness::redeploy_changes_nothing(&moto, &p);

    // Priced: seven alarms, inside the ten CloudWatch keeps free.
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let lines: Vec<&Value> = cost["estimates"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["key"] == "cloudwatch.alarm")
        .collect();
    assert_eq!(lines.len(), 7);
    assert!(
        lines.iter().all(|l| l["list"] == 0.1 && l["after"] == 0.0),
        "{lines:?}"
    );

    // Destroyed with the stage.
    p.run(&["destroy", "--yes", "--allow-data-loss"]).expect(0);
    assert_eq!(alarms(&p), json!({}));
    let topics = p.py("out([t['TopicArn'] for t in c('sns').list_topics()['Topics']])");
    assert_eq!(topics, json!([]));
}
