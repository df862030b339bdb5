//! The projects in examples/: each README shows what `fintech cost` prints for it, and each deploys
//! to the emulator as it is, deploys again without a change, and is destroyed leaving nothing.

use std::path::PathBuf;

use serde_json::json;

use crate::destroy::tagged;
use crate::harness::{Moto, Project, redeploy_changes_nothing, repo};

const EXAMPLES: &[&str] = &[
    "static-site",
    "api-only",
    "scheduled-job",
    "full-app-containers",
];

fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

#[test]
fn every_example_readme_shows_what_fintech_cost_prints() {
    let mut found: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    found.sort();
    let mut listed: Vec<String> = EXAMPLES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "every example is deployed by a test below");
    for name in EXAMPLES {
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_fintech"))
            .args(["cost", "--dir"])
            .arg(example(name))
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let readme = std::fs::read_to_string(example(name).join("README.md")).unwrap();
        let printed = String::from_utf8_lossy(&run.stdout);
        assert!(
            readme.contains(&format!("```text\n$ fintech cost\n{printed}```")),
            "examples/{name}/README.md does not show what `fintech cost` prints now (scripts/examples-cost rewrites it):\n{printed}"
        );
    }
}

/// Deploys `p`, checks a second deploy changes nothing and plan is clean, destroys it, and checks
/// that nothing tagged with its stage is left. Returns the first deploy's output.
pub(crate) fn deploy_and_destroy(moto: &Moto, p: &Project, option: &str) -> String {
    let out = p
        .run(&["deploy", "--option", option, "--yes"])
        .expect(0)
        .stdout();
    redeploy_changes_nothing(moto, p);
    let plan = p.run(&["plan", "--option", option]).expect(0).stdout();
    assert!(plan.contains("No changes."), "{plan}");
    let gone = p
        .run(&["destroy", "--option", option, "--yes", "--allow-data-loss"])
        .expect(0)
        .stdout();
    assert!(gone.contains("resources of stage `dev`"), "{gone}");
    assert_eq!(tagged(p, "dev"), json!([]));
    out
}

#[test]
fn the_static_site_example_is_a_bucket_behind_cloudfront() {
    let moto = Moto::start();
    let p = Project::at(&moto, &example("static-site"));
    let out = deploy_and_destroy(&moto, &p, "serverless");
    assert!(out.contains("4 created"), "{out}");
    assert!(out.contains("site_url = https://"), "{out}");
}

#[test]
fn the_api_only_example_is_a_function_behind_an_http_api_with_no_vpc() {
    let moto = Moto::start();
    let p = Project::at(&moto, &example("api-only"));
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(!plan.contains("(ec2.") && !plan.contains("(rds."), "{plan}");
    let out = deploy_and_destroy(&moto, &p, "serverless");
    assert!(out.contains("api_url = https://"), "{out}");
}

#[test]
fn the_scheduled_job_example_is_a_function_on_a_schedule_with_an_alarm() {
    let moto = Moto::start();
    let p = Project::at(&moto, &example("scheduled-job"));
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("schedule: \"rate(1 day)\""), "{plan}");
    deploy_and_destroy(&moto, &p, "serverless");
}

/// The full app's example links the bundled app: here its fintech.yaml goes with the harness's
/// small payload (the bundled app's own build is tested in payload.rs) and, as in every
/// containers test, the emulator's registry for the base image.
#[test]
fn the_full_app_example_deploys_on_containers_with_its_domain() {
    let moto = Moto::with_registry();
    let p = Project::new(&moto);
    let yaml =
        std::fs::read_to_string(example("full-app-containers").join("fintech.yaml")).unwrap();
    std::fs::write(p.path("fintech.yaml"), yaml).unwrap();
    if let Some(base) = &moto.base_image {
        p.edit(
            "fintech.yaml",
            "base_image: public.ecr.aws/docker/library/python:3.12-slim",
            &format!("base_image: {base}"),
        );
    }
    let out = deploy_and_destroy(&moto, &p, "containers");
    assert!(
        out.contains("site_url = https://dev.tracker.example.com"),
        "{out}"
    );
}
