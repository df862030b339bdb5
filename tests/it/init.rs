//! `fintech init`: a project from the embedded templates that validates, deploys unchanged with
//! either option, and plans clean; an existing project or app is never overwritten.

use std::path::Path;
use std::process::Command;

use crate::examples::deploy_and_destroy;
use crate::harness::{Moto, Project, Run};

fn init(cwd: &Path, args: &[&str]) -> Run {
    Run(Command::new(env!("CARGO_BIN_EXE_fintech"))
        .arg("init")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap())
}

#[test]
fn a_new_serverless_project_validates_deploys_and_plans_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let out = init(tmp.path(), &["shop"]).expect(0).stdout();
    for f in [
        "+ fintech.yaml",
        "+ stacks/serverless.yaml",
        "+ stacks/containers.yaml",
        "+ .gitignore",
        "+ .github/workflows/fintech.yml",
        "+ backend/app/main.py",
        "+ web/index.html",
    ] {
        assert!(out.contains(f), "{f} in\n{out}");
    }
    let dir = tmp.path().join("shop");
    let yaml = std::fs::read_to_string(dir.join("fintech.yaml")).unwrap();
    assert!(yaml.contains("app: shop\n") && yaml.contains("default_option: serverless\n"));
    let moto = Moto::start();
    let p = Project::at(&moto, &dir);
    let valid = p.run(&["validate"]).expect(0).stdout();
    assert!(
        valid.contains("serverless/dev") && valid.contains("containers/dev"),
        "{valid}"
    );
    let deployed = deploy_and_destroy(&moto, &p, "serverless");
    assert!(deployed.contains("site_url = https://"), "{deployed}");
}

/// The containers template deploys as made, but for its base image: nothing on the internet is
/// reachable here, so (as in every containers test) it comes from the emulator's registry.
#[test]
fn a_new_containers_project_deploys_its_image_behind_the_balancer() {
    let tmp = tempfile::tempdir().unwrap();
    init(
        tmp.path(),
        &["--option", "containers", "--app", "api-shop", "svc"],
    )
    .expect(0);
    let moto = Moto::with_registry();
    let p = Project::at(&moto, &tmp.path().join("svc"));
    if let Some(base) = &moto.base_image {
        p.edit(
            "fintech.yaml",
            "base_image: public.ecr.aws/docker/library/python:3.12-slim",
            &format!("base_image: {base}"),
        );
    }
    let deployed = deploy_and_destroy(&moto, &p, "containers");
    assert!(deployed.contains("13 created"), "{deployed}");
}

#[test]
fn init_never_overwrites_and_adds_no_app_beside_existing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = tmp.path().join("taken");
    init(tmp.path(), &["taken"]).expect(0);
    let again = init(tmp.path(), &["taken"]).expect(1);
    assert!(
        again.stderr().contains("already has fintech.yaml"),
        "{}",
        again.stderr()
    );

    let mine = tmp.path().join("mine");
    std::fs::create_dir_all(mine.join("src")).unwrap();
    std::fs::write(mine.join(".gitignore"), "/target\n").unwrap();
    std::fs::write(mine.join("src/app.py"), "print('mine')\n").unwrap();
    let out = init(&mine, &["--app", "mine"]).expect(0).stdout();
    assert!(
        !mine.join("backend").exists() && !mine.join("web").exists(),
        "{out}"
    );
    assert!(out.contains("no app was added"), "{out}");
    let ignore = std::fs::read_to_string(mine.join(".gitignore")).unwrap();
    assert!(
        ignore.starts_with("/target\n") && ignore.contains(".fintech/\n"),
        "{ignore}"
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("src/app.py")).unwrap(),
        "print('mine')\n"
    );

    let made = init(tmp.path(), &["--json", "--app", "third", "third"])
        .expect(0)
        .json();
    assert_eq!(made["app"], "third");
    assert_eq!(made["app_added"], true);
    assert!(
        made["written"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "stacks/serverless.yaml"),
        "{made}"
    );
    let bad = init(tmp.path(), &["--option", "lambda", "x"]).expect(1);
    assert!(
        bad.stderr().contains("options: serverless, containers"),
        "{}",
        bad.stderr()
    );
    let bad = init(tmp.path(), &["--app", "Bad_Name", "y"]).expect(1);
    assert!(
        bad.stderr().contains("not a valid app name"),
        "{}",
        bad.stderr()
    );
    assert!(taken.join("fintech.yaml").is_file());
}
