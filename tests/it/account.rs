//! Credentials and account: no credentials, an expired SSO session, an unknown profile, nothing
//! at the endpoint, an account without a default VPC — each one paragraph naming cause and fix,
//! exit code 1, before any plan is printed.

use crate::harness::{Moto, Project};

/// Runs `plan` with `env` on top of the project's (credentials removed first).
fn plan_with(p: &Project, env: &[(&str, &str)]) -> (String, String) {
    let mut cmd = p.command(&["plan"]);
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = crate::harness::Run(cmd.output().unwrap()).expect(1);
    (out.stdout(), out.stderr())
}

#[test]
fn credential_problems_are_one_paragraph_with_the_fix_and_no_plan() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    let (out, err) = plan_with(&p, &[]);
    assert!(out.is_empty(), "no plan: {out}");
    assert!(
        err.starts_with("error: no AWS credentials found: run `aws configure`"),
        "{err}"
    );

    // An SSO profile whose cached token has expired (the SDK would need AWS to refresh it).
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
    std::fs::write(
        aws.join("config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    // The cache file is named after the SHA-1 of the session name.
    let key = p.py("import hashlib\nout(hashlib.sha1(b'corp').hexdigest())");
    std::fs::write(
        aws.join(format!("sso/cache/{}.json", key.as_str().unwrap())),
        r#"{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "x", "expiresAt": "2020-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let config = aws.join("config");
    let (out, err) = plan_with(
        &p,
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_PROFILE", "dev"),
            ("HOME", home.path().to_str().unwrap()),
        ],
    );
    assert!(out.is_empty(), "no plan: {out}");
    assert!(
        err.starts_with(
            "error: the SSO session of profile `dev` has expired: run `aws sso login --profile dev`"
        ),
        "{err}"
    );
    let (_, err) = plan_with(
        &p,
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_PROFILE", "nope"),
            ("HOME", home.path().to_str().unwrap()),
        ],
    );
    assert!(
        err.starts_with("error: profile `nope` is not in the AWS config files"),
        "{err}"
    );

    // Keys, but nothing listening at the endpoint.
    let (_, err) = plan_with(
        &p,
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    assert!(
        err.starts_with(
            "error: nothing answers at http://127.0.0.1:9 (AWS_ENDPOINT_URL or --endpoint-url)"
        ),
        "{err}"
    );
}

#[test]
fn an_account_without_a_default_vpc_is_told_how_to_make_one() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    p.py("ec2 = c('ec2')\n\
          for v in ec2.describe_vpcs(Filters=[{'Name': 'isDefault', 'Values': ['true']}])['Vpcs']:\n\
          \x20   for s in ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [v['VpcId']]}])['Subnets']:\n\
          \x20       ec2.delete_subnet(SubnetId=s['SubnetId'])\n\
          \x20   for g in ec2.describe_internet_gateways(Filters=[{'Name': 'attachment.vpc-id', 'Values': [v['VpcId']]}])['InternetGateways']:\n\
          \x20       ec2.detach_internet_gateway(InternetGatewayId=g['InternetGatewayId'], VpcId=v['VpcId'])\n\
          \x20       ec2.delete_internet_gateway(InternetGatewayId=g['InternetGatewayId'])\n\
          \x20   ec2.delete_vpc(VpcId=v['VpcId'])\n\
          out(1)");
    moto.reset_recording();
    let run = p.run(&["deploy", "--yes"]).expect(1);
    assert!(run.stdout().is_empty(), "no plan: {}", run.stdout());
    let err = run.stderr();
    assert!(
        err.contains("error: reading the stage failed, nothing was changed:\n  network: account 123456789012 has no default VPC in us-east-1")
            && err.contains("create it with `aws ec2 create-default-vpc --region us-east-1`"),
        "{err}"
    );
    assert!(!err.contains("not attempted"), "{err}");
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
}
