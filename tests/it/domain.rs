//! A stage's own domain (`domain:` in fintech.yaml): its hosted zone (the account's own above the
//! name, or one fintech makes), ACM certificates validated through DNS records fintech writes,
//! CloudFront serving the name, alias records, and for containers the load balancer's own name
//! (api.<domain>) reached by CloudFront over HTTPS. Each is planned, deployed, priced and destroyed;
//! a name someone else made is never taken over.

use serde_json::{Value, json};

use crate::harness::{Moto, Project};

/// What Route 53, ACM and CloudFront hold for the stage: zones (name, made by fintech), the records
/// of each zone but SOA and NS, the certificates (region, domain, status) and the distribution's
/// aliases, certificate and API origin.
fn live(p: &Project) -> Value {
    p.py(
        "r = c('route53')\n\
         zones = r.list_hosted_zones()['HostedZones']\n\
         recs = {}\n\
         for z in zones:\n\
         \x20   sets = r.list_resource_record_sets(HostedZoneId=z['Id'])['ResourceRecordSets']\n\
         \x20   recs[z['Name']] = sorted([s['Name'], s['Type'], s.get('AliasTarget', {}).get('DNSName', '').rstrip('.'), s.get('AliasTarget', {}).get('HostedZoneId', '')] for s in sets if s['Type'] not in ('SOA', 'NS'))\n\
         a = c('acm')\n\
         certs = [[d['DomainName'], d['Status'], d['CertificateArn']] for d in (a.describe_certificate(CertificateArn=s['CertificateArn'])['Certificate'] for s in a.list_certificates()['CertificateSummaryList'])]\n\
         cf = c('cloudfront')\n\
         items = cf.list_distributions()['DistributionList'].get('Items', [])\n\
         dist = {}\n\
         if items:\n\
         \x20   cfg = cf.get_distribution_config(Id=items[0]['Id'])['DistributionConfig']\n\
         \x20   api = [o for o in cfg['Origins']['Items'] if o['Id'] == 'api']\n\
         \x20   dist = {'domain': items[0]['DomainName'], 'aliases': cfg['Aliases'].get('Items', []), 'cert': cfg['ViewerCertificate'].get('ACMCertificateArn', ''),\n\
         \x20           'sni': cfg['ViewerCertificate'].get('SSLSupportMethod', ''), 'tls': cfg['ViewerCertificate'].get('MinimumProtocolVersion', ''),\n\
         \x20           'api': [api[0]['DomainName'], api[0]['CustomOriginConfig']['OriginProtocolPolicy']] if api else None}\n\
         out({'zones': sorted([z['Name'], z['CallerReference'].startswith('fintech/fintech-tracker/dev/zone/')] for z in zones), 'records': recs, 'certs': sorted(certs), 'dist': dist})",
    )
}

#[test]
fn a_stage_with_a_domain_gets_a_zone_a_certificate_and_cloudfront_on_its_name() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: { domain: tracker.example.com }",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "+ zone (route53.zone) will be created",
        "+ site_cert (acm.certificate) will be created",
        "+ site_dns (route53.alias) will be created",
        "alias: \"tracker.example.com\"",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    let run = p.run(&["deploy", "--yes"]).expect(0);
    let found = live(&p);
    // No zone in the account served the name: fintech made one, and owns it.
    assert_eq!(found["zones"], json!([["tracker.example.com.", true]]));
    let dist = &found["dist"];
    let certs = found["certs"].as_array().unwrap();
    assert_eq!(certs.len(), 1, "{found}");
    assert_eq!(certs[0][0], "tracker.example.com");
    assert_eq!(certs[0][1], "ISSUED");
    assert_eq!(dist["aliases"], json!(["tracker.example.com"]));
    assert_eq!(
        dist["cert"], certs[0][2],
        "CloudFront serves the name with it"
    );
    assert_eq!(
        (dist["sni"].as_str(), dist["tls"].as_str()),
        (Some("sni-only"), Some("TLSv1.2_2021"))
    );
    let records = &found["records"]["tracker.example.com."];
    let cf = dist["domain"].as_str().unwrap();
    for want in [
        json!(["tracker.example.com.", "A", cf, "Z2FDTNDATAQYW2"]),
        json!(["tracker.example.com.", "AAAA", cf, "Z2FDTNDATAQYW2"]),
        json!([
            "_fintech-fintech-tracker-dev-site-dns.tracker.example.com.",
            "TXT",
            "",
            ""
        ]),
    ] {
        assert!(
            records.as_array().unwrap().contains(&want),
            "{want} in {records}"
        );
    }
    let validation = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[1] == "CNAME")
        .count();
    assert_eq!(validation, 1, "ACM's validation record: {records}");
    let outputs = p.run(&["outputs", "--json"]).expect(0).json();
    assert_eq!(
        outputs["site_url"],
        "https://tracker.example.com",
        "{outputs} {}",
        run.stderr()
    );
    assert!(
        p.run(&["plan"]).expect(0).stdout().contains("No changes."),
        "plan after deploy is clean"
    );
    crate::harness::redeploy_changes_nothing(&moto, &p);

    // Priced: the zone fintech made.
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let zone: f64 = cost["estimates"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["service"] == "Route 53")
        .map(|l| l["after"].as_f64().unwrap())
        .sum();
    assert!((zone - 0.5).abs() < 1e-9, "{zone}");

    // Without the domain again: CloudFront lets go of the name first, then the records, the
    // certificate and the zone go.
    p.edit(
        "fintech.yaml",
        "  dev: { domain: tracker.example.com }",
        "  dev: {}",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "- zone (route53.zone) will be deleted",
        "- site_cert (acm.certificate) will be deleted",
        "- site_dns (route53.alias) will be deleted",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    let after = live(&p);
    assert_eq!(after["zones"], json!([]));
    assert_eq!(after["certs"], json!([]));
    assert_eq!(after["dist"]["aliases"], json!([]));
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));
}

#[test]
fn containers_on_a_domain_use_the_accounts_zone_and_reach_the_balancer_over_https_by_name() {
    let moto = Moto::with_registry();
    let p = Project::new(&moto);
    // The account's own zone for example.com, with a record of its own, and a name already taken.
    p.py(
        "r = c('route53')\n\
         z = r.create_hosted_zone(Name='example.com', CallerReference='the-users-own')['HostedZone']['Id']\n\
         ch = lambda a, n, v: {'Action': a, 'ResourceRecordSet': {'Name': n, 'Type': 'A', 'TTL': 60, 'ResourceRecords': [{'Value': v}]}}\n\
         r.change_resource_record_sets(HostedZoneId=z, ChangeBatch={'Changes': [ch('CREATE', 'www.example.com', '192.0.2.1'), ch('CREATE', 'tracker.example.com', '192.0.2.2')]})\n\
         out(z)",
    );
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: { domain: tracker.example.com }",
    );
    let err = p
        .run(&["plan", "--option", "containers"])
        .expect(1)
        .stderr();
    assert!(
        err.contains("tracker.example.com already has an address record in hosted zone example.com that fintech did not make"),
        "{err}"
    );
    p.py(
        "r = c('route53')\n\
         z = r.list_hosted_zones()['HostedZones'][0]['Id']\n\
         r.change_resource_record_sets(HostedZoneId=z, ChangeBatch={'Changes': [{'Action': 'DELETE', 'ResourceRecordSet': {'Name': 'tracker.example.com', 'Type': 'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.2'}]}}]})\n\
         out(1)",
    );
    let plan = p
        .run(&["plan", "--option", "containers"])
        .expect(0)
        .stdout();
    assert!(
        !plan.contains("+ zone (route53.zone)"),
        "the account's zone serves the name: none is made\n{plan}"
    );
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    let found = live(&p);
    assert_eq!(found["zones"], json!([["example.com.", false]]));
    let certs: Vec<&str> = found["certs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap())
        .collect();
    assert_eq!(certs, ["api.tracker.example.com", "tracker.example.com"]);
    let lb = p.py(
        "elb = c('elbv2')\n\
         lb = elb.describe_load_balancers(Names=['fintech-tracker-dev-api-origin'])['LoadBalancers'][0]\n\
         ls = elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners']\n\
         out({'dns': lb['DNSName'], 'zone': lb['CanonicalHostedZoneId'], 'https': [l['Certificates'][0]['CertificateArn'] for l in ls if l['Protocol'] == 'HTTPS']})",
    );
    let api_cert = found["certs"][0][2].clone();
    assert_eq!(
        lb["https"],
        json!([api_cert]),
        "the balancer's HTTPS listener has api.<domain>'s certificate"
    );
    let records = found["records"]["example.com."].as_array().unwrap().clone();
    let alias = json!(["api.tracker.example.com.", "A", lb["dns"], lb["zone"]]);
    assert!(records.contains(&alias), "{alias} in {records:?}");
    assert!(
        records.contains(&json!(["www.example.com.", "A", "", ""])),
        "the account's own record stays: {records:?}"
    );
    assert_eq!(
        found["dist"]["api"],
        json!(["api.tracker.example.com", "https-only"]),
        "CloudFront reaches the balancer by a name its certificate covers"
    );
    assert!(
        p.run(&["plan", "--option", "containers"])
            .expect(0)
            .stdout()
            .contains("No changes.")
    );

    let destroy = p
        .run(&[
            "destroy",
            "--option",
            "containers",
            "--yes",
            "--allow-data-loss",
        ])
        .expect(0)
        .stdout();
    assert!(
        !destroy.contains("zone (route53.zone)") && destroy.contains("- api_dns (route53.alias)"),
        "the account's zone is read, not deleted:\n{destroy}"
    );
    let after = live(&p);
    assert_eq!(
        after["zones"],
        json!([["example.com.", false]]),
        "the account's zone stays"
    );
    assert_eq!(
        after["records"]["example.com."],
        json!([["www.example.com.", "A", "", ""]]),
        "only the account's own record is left"
    );
    assert_eq!(after["certs"], json!([]));
}

#[test]
fn a_domain_that_is_not_a_name_is_refused_before_any_call() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    p.edit(
        "fintech.yaml",
        "  dev: {}",
        "  dev: { domain: https://Tracker.example.com/ }",
    );
    let err = p.run(&["validate"]).expect(1).stderr();
    assert!(
        err.contains("fintech.yaml:")
            && err.contains("is not a domain name")
            && err.contains("tracker.example.com"),
        "{err}"
    );
    moto.reset_recording();
    p.run(&["plan"]).expect(1);
    assert!(moto.calls().is_empty(), "{:?}", moto.calls());
}
