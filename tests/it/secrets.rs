//! Secrets: deployed with known values, then everything the tool printed (text, `--json`, `-v`,
//! errors, progress lines) and every file it wrote (the project, its build directory, the caches
//! under HOME) is searched for them: zero occurrences, even when AWS echoes a value in an error.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::harness::{Moto, Project};
use crate::proxy::{Proxy, Request};

const VALUES: &[(&str, &str)] = &[
    ("FINPREP_API_KEY", "fp-7c1e5a9d3b44"),
    ("ALPHAVANTAGE_API_KEY", "av-2f8b6e04c1aa"),
    ("MARKETAUX_API_KEY", "mx-9a3d7f15e2cc"),
];

/// Every file under `dir`, as bytes, with its path.
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            out.extend(files(&path));
        } else if kind.is_file() {
            out.push((
                path.display().to_string(),
                std::fs::read(&path).unwrap_or_default(),
            ));
        }
    }
    out
}

#[test]
fn no_secret_value_is_printed_or_written_anywhere() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    let home = tempfile::tempdir().unwrap();
    p.env
        .push(("HOME".into(), home.path().display().to_string()));
    for (k, v) in VALUES {
        p.env.push((k.to_string(), v.to_string()));
    }
    // AWS answers the first CreateSecret with an error that echoes the request's value, as some
    // validation errors do.
    let once = Arc::new(AtomicBool::new(false));
    let proxy = Proxy::start(
        &moto.url,
        Duration::ZERO,
        Arc::new(move |r: &Request| {
            let target = r
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
                .map(|(_, v)| v.as_str());
            if target != Some("secretsmanager.CreateSecret") || once.swap(true, Ordering::SeqCst) {
                return None;
            }
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let value = body["SecretString"].as_str().unwrap_or_default();
            Some((
                400,
                "ValidationException".to_string(),
                format!("Invalid SecretString {value}: it is not what the policy allows"),
            ))
        }),
    );
    p.endpoint = proxy.url.clone();
    let mut printed = Vec::new();
    let failed = p.run(&["deploy", "--yes", "-v"]).expect(1);
    assert!(
        failed.stderr().contains("Invalid SecretString (secret)"),
        "{}",
        failed.stderr()
    );
    printed.push(failed);
    printed.push(p.run(&["deploy", "--yes"]).expect(0));
    p.endpoint = moto.url.clone();
    for args in [
        &["plan", "-v"][..],
        &["plan", "--json"],
        &["outputs", "--json"],
        &["outputs"],
        &["deploy", "--yes", "-v"],
        &["cost"],
        &["validate"],
    ] {
        printed.push(p.run(args).expect(0));
    }
    // The values are in Secrets Manager, and nowhere else.
    let stored = p.py("out(sorted(c('secretsmanager').get_secret_value(SecretId='fintech-tracker/dev/' + k)['SecretString'] for k in ['FINPREP_API_KEY', 'ALPHAVANTAGE_API_KEY', 'MARKETAUX_API_KEY']))");
    let mut want: Vec<&str> = VALUES.iter().map(|(_, v)| *v).collect();
    want.sort();
    assert_eq!(stored, serde_json::json!(want));
    let written: Vec<(String, Vec<u8>)> = files(p.dir.path())
        .into_iter()
        .chain(files(home.path()))
        .collect();
    assert!(
        written.iter().any(|(path, _)| path.contains(".fintech")),
        "the build directory was searched too"
    );
    for (_, value) in VALUES {
        for run in &printed {
            assert!(
                !run.stdout().contains(value) && !run.stderr().contains(value),
                "{value} printed:\n{}\n{}",
                run.stdout(),
                run.stderr()
            );
        }
        for (path, bytes) in &written {
            assert!(
                !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
                "{value} written to {path}"
            );
        }
    }
}

#[test]
fn rotating_the_origin_token_keeps_the_old_value_valid_and_the_next_deploy_rolls_it_out() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    let read = "sm = c('secretsmanager')\n\
        name = 'fintech-tracker/dev/generated/origin_token'\n\
        v = lambda stage: sm.get_secret_value(SecretId=name, VersionStage=stage)['SecretString']\n\
        cf = c('cloudfront')\n\
        d = cf.list_distributions()['DistributionList']['Items'][0]['Id']\n\
        api = [o for o in cf.get_distribution_config(Id=d)['DistributionConfig']['Origins']['Items'] if o['Id'] == 'api'][0]\n\
        sent = [h['HeaderValue'] for h in api['CustomHeaders']['Items'] if h['HeaderName'] == 'X-Origin-Verify']\n\
        try:\n    prev = v('AWSPREVIOUS')\nexcept Exception:\n    prev = None\n\
        out({'current': v('AWSCURRENT'), 'previous': prev, 'sent': sent})";
    let before = p.py(read);
    let token = before["current"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 48);
    assert_eq!(
        before["sent"],
        serde_json::json!([token]),
        "CloudFront sends it"
    );

    let rotated = p.run(&["rotate", "origin_token"]).expect(0).stdout();
    assert!(rotated.contains("Rotated `origin_token`"), "{rotated}");
    assert!(
        !rotated.contains(&token),
        "the value is never shown: {rotated}"
    );
    let after = p.py(read);
    assert_ne!(after["current"], before["current"]);
    assert_eq!(
        after["previous"], before["current"],
        "the old value stays valid"
    );
    assert_eq!(
        after["sent"],
        serde_json::json!([token]),
        "nothing rolled out yet"
    );

    // Rotating again before the first reached CloudFront would strand it with a value nobody
    // accepts: refused.
    let again = p.run(&["rotate", "origin_token"]).expect(1).stderr();
    assert!(
        again.contains("the last rotation is not rolled out yet (cdn"),
        "{again}"
    );
    assert_eq!(p.py(read)["current"], after["current"]);

    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("cdn (cloudfront.distribution) will be updated in place")
            && plan.contains("api_origin_secret: \"stale\" ->"),
        "{plan}"
    );
    let new = after["current"].as_str().unwrap();
    assert!(!plan.contains(new) && !plan.contains(&token), "{plan}");
    p.run(&["deploy", "--yes"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert_eq!(p.py(read)["sent"], serde_json::json!([new]));

    let wrong = p.run(&["rotate", "db"]).expect(1).stderr();
    assert!(wrong.contains("`db` is a rds.postgres"), "{wrong}");
}
