//! WAF: a stage turns on a web ACL in front of CloudFront (`when:` a parameter), with AWS's common
//! rules and a rate limit; it is planned, changed in place, priced, and removed when turned off.

use serde_json::{Value, json};

use crate::harness::{Project, deployed};

/// The stage's CloudFront-scope ACLs, with their rules, and the distribution's web ACL.
fn live(p: &Project) -> Value {
    p.py(
        "w = c('wafv2')\n\
         acls = [a for a in w.list_web_acls(Scope='CLOUDFRONT')['WebACLs'] if a['Name'].startswith('fintech-tracker-dev-')]\n\
         full = [w.get_web_acl(Name=a['Name'], Scope='CLOUDFRONT', Id=a['Id'])['WebACL'] for a in acls]\n\
         cf = c('cloudfront')\n\
         d = cf.list_distributions()['DistributionList']['Items'][0]['Id']\n\
         out({'acls': [[a['Name'], a['ARN'], [r['Name'] for r in sorted(a['Rules'], key=lambda r: r['Priority'])], [r['Statement']['RateBasedStatement']['Limit'] for r in a['Rules'] if 'RateBasedStatement' in r['Statement']]] for a in full],\n\
              'attached': cf.get_distribution_config(Id=d)['DistributionConfig'].get('WebACLId', '')})",
    )
}

#[test]
fn a_stage_turns_waf_on_in_front_of_cloudfront_and_off_again() {
    let (moto, p) = deployed();
    assert_eq!(live(&p), json!({"acls": [], "attached": ""}));

    p.edit("fintech.yaml", "  waf: false ", "  waf: true ");
    let plan = p.run(&["plan"]).expect(0).stdout();
    for line in [
        "+ waf (wafv2.web_acl) will be created: fintech-tracker-dev-waf",
        "~ cdn (cloudfront.distribution) will be updated in place",
        "web_acl: (none) -> (known after apply)",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    p.run(&["deploy", "--yes"]).expect(0);
    let found = live(&p);
    let acl = &found["acls"][0];
    assert_eq!(acl[0], "fintech-tracker-dev-waf");
    assert_eq!(
        acl[2],
        json!(["AWSManagedRulesCommonRuleSet", "rate-limit"])
    );
    assert_eq!(acl[3], json!([2000]));
    assert_eq!(found["attached"], acl[1], "CloudFront uses the ACL");
    assert!(
        p.run(&["plan"]).expect(0).stdout().contains("No changes."),
        "plan after deploy is clean"
    );

    // A tighter limit: in place (WAF's lock token), the ACL and its ARN kept.
    p.edit(
        "fintech.yaml",
        "waf_rate_limit: 2000 ",
        "waf_rate_limit: 500 ",
    );
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("rate_limit: 2000 -> 500"), "{plan}");
    p.run(&["deploy", "--yes"]).expect(0);
    let after = live(&p);
    assert_eq!(after["acls"][0][3], json!([500]));
    assert_eq!(after["acls"][0][1], acl[1]);
    crate::harness::redeploy_changes_nothing(&moto, &p);

    // Priced where it is on.
    let cost = p.run(&["cost", "--json"]).expect(0).json();
    let waf: f64 = cost["estimates"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["service"] == "WAF")
        .map(|l| l["after"].as_f64().unwrap())
        .sum();
    assert!((waf - (5.0 + 2.0 + 0.6 * 3.0)).abs() < 1e-9, "{waf}");

    // Off again: the distribution lets go of it first, then it is deleted.
    p.edit("fintech.yaml", "  waf: true ", "  waf: false ");
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(
        plan.contains("- waf (wafv2.web_acl) will be deleted") && plan.contains("-> (none)"),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(live(&p), json!({"acls": [], "attached": ""}));
}

#[test]
fn a_condition_is_true_or_false_before_anything_is_deployed() {
    let moto = crate::harness::Moto::start();
    let p = Project::new(&moto);
    p.edit(
        "stacks/common.yaml",
        "    when: ${params.waf}",
        "    when: ${db.endpoint}",
    );
    let err = p.run(&["validate"]).expect(1).stderr();
    assert!(
        err.contains("stacks/common.yaml:")
            && err.contains("`when` must be known before anything is deployed"),
        "{err}"
    );
    p.edit(
        "stacks/common.yaml",
        "    when: ${db.endpoint}",
        "    when: sometimes",
    );
    let err = p.run(&["validate"]).expect(1).stderr();
    assert!(err.contains("true or false"), "{err}");
    // Off, a reference to it is none: the distribution has no web ACL.
    p.edit(
        "stacks/common.yaml",
        "    when: sometimes",
        "    when: false",
    );
    let out = p.run(&["validate"]).expect(0).stdout();
    assert!(out.contains("serverless/dev: 30 resources"), "{out}");
}
