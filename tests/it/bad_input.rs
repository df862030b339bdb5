//! Bad stack files: one located error each (file:line:col, what was expected, a hint), exit 1, and
//! not a single request to AWS.

use crate::harness::{Moto, Project};

/// `file:line:col` of the first `needle` in the repo's copy of `file` (col is where `needle` starts).
fn at(file: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(crate::harness::repo().join(file)).unwrap();
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {file}"));
    format!("{file}:{}:{}", n + 1, line.find(needle).unwrap() + 1)
}

/// Breaks the project with `edit`, runs `deploy`, and returns stderr after checking the exit code
/// and that the emulator saw no request at all.
fn rejected(edit: impl Fn(&Project)) -> String {
    let moto = Moto::start();
    let p = Project::new(&moto);
    edit(&p);
    let run = p.run(&["deploy", "--yes"]).expect(1);
    assert!(
        moto.calls().is_empty(),
        "an invalid stack reached AWS: {:?}",
        moto.calls()
    );
    let validate = p.run(&["validate"]).expect(1);
    assert!(
        validate.stderr().contains("nothing was sent to AWS"),
        "{}",
        validate.stderr()
    );
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    run.stderr()
}

#[test]
fn unknown_key_names_the_key_and_suggests_the_right_one() {
    let err = rejected(|p| {
        p.edit(
            "stacks/serverless.yaml",
            "    memory_mb: ${params.api_memory_mb}",
            "    memroy_mb: ${params.api_memory_mb}",
        )
    });
    assert!(
        err.contains(&format!(
            "{}: error: unknown key `memroy_mb` in a `lambda.function`",
            at("stacks/serverless.yaml", "memory_mb:")
        )),
        "{err}"
    );
    assert!(err.contains("hint: did you mean `memory_mb`?"), "{err}");
}

#[test]
fn wrong_type_says_what_was_expected() {
    let err = rejected(|p| p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: lots"));
    assert!(
        err.contains(&format!(
            "{}: error: expected a whole number, found a string `\"lots\"`",
            at("fintech.yaml", "512")
        )),
        "{err}"
    );
}

#[test]
fn dangling_reference_is_located_with_a_suggestion() {
    let err = rejected(|p| {
        p.edit(
            "stacks/serverless.yaml",
            "role: ${fn_role.arn}",
            "role: ${fn_rol.arn}",
        )
    });
    assert!(
        err.contains(&format!(
            "{}: error: reference to `fn_rol`, which is not declared",
            at("stacks/serverless.yaml", "${fn_role.arn}")
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `fn_role`?"), "{err}");
    let err = rejected(|p| {
        p.edit(
            "stacks/common.yaml",
            "endpoint: ${db.endpoint}",
            "endpoint: ${db.endpiont}",
        )
    });
    assert!(
        err.contains("`db` (a rds.postgres) has no output `endpiont`"),
        "{err}"
    );
    assert!(err.contains("did you mean `db.endpoint`?"), "{err}");
}

#[test]
fn a_cycle_is_reported_with_its_path() {
    let err = rejected(|p| {
        p.edit(
            "stacks/common.yaml",
            "description: fintech app (functions and tasks)",
            "description: ${cdn.id}",
        )
    });
    assert!(err.contains("error: dependency cycle: "), "{err}");
    for id in ["app_sg", "cdn", "api_origin", "api"] {
        assert!(err.contains(id), "{id} in {err}");
    }
    assert!(
        err.contains("hint: a resource cannot depend on itself"),
        "{err}"
    );
}

#[test]
fn invalid_cron_is_caught_before_aws_would() {
    let err = rejected(|p| p.edit("fintech.yaml", "cron(0 6 * * ? *)", "cron(0 25 * * ? *)"));
    assert!(err.contains("fintech.yaml:"), "{err}");
    assert!(
        err.contains("invalid schedule `cron(0 25 * * ? *)`: hours field `25`: 25 is outside 0-23"),
        "{err}"
    );
    assert!(err.contains("hint: e.g. `cron(0 6 * * ? *)`"), "{err}");
}

#[test]
fn unknown_instance_class_is_named_with_the_nearest_known_one() {
    let err = rejected(|p| {
        p.edit(
            "fintech.yaml",
            "db_class: db.t3.micro",
            "db_class: db.t3.mirco",
        )
    });
    assert!(
        err.contains(&format!(
            "{}: error: unknown value `\"db.t3.mirco\"`: expected an RDS instance class",
            at("fintech.yaml", "db.t3.micro")
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `db.t3.micro`?"), "{err}");
    assert!(
        err.contains("1 error in the stack"),
        "only that error, no cascade: {err}"
    );
}

#[test]
fn broken_yaml_is_one_located_error() {
    let err = rejected(|p| {
        p.edit(
            "stacks/common.yaml",
            "    type: rds.postgres",
            "    type: [rds.postgres",
        )
    });
    assert!(err.contains("stacks/common.yaml:"), "{err}");
    assert!(err.contains("error: invalid YAML"), "{err}");
    assert_eq!(
        err.matches("error:").count(),
        1,
        "one diagnostic, no cascade:\n{err}"
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let err = rejected(|p| {
        p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 99999");
        p.edit(
            "stacks/common.yaml",
            "    type: s3.bucket",
            "    type: s3.bukket",
        );
    });
    assert!(err.contains("99999 is out of range"), "{err}");
    assert!(err.contains("unknown resource type `s3.bukket`"), "{err}");
    assert!(err.contains("did you mean `s3.bucket`?"), "{err}");
    assert!(err.contains("2 errors in the stack"), "{err}");
}

#[test]
fn secrets_may_not_be_written_in_the_project_file() {
    let err = rejected(|p| {
        p.edit(
            "fintech.yaml",
            "FINPREP_API_KEY: { from_env: FINPREP_API_KEY }",
            "FINPREP_API_KEY: { value: sk-123 }",
        )
    });
    assert!(
        err.contains("secret values must not be written in the stack file"),
        "{err}"
    );
}

#[test]
fn a_fallback_is_checked_like_any_reference() {
    // A misspelt fallback is an error even where the first reference is taken.
    let err = rejected(|p| {
        p.edit(
            "stacks/serverless.yaml",
            "${db_proxy.url ?? db.url}",
            "${db_proxy.url ?? db.urll}",
        )
    });
    assert!(
        err.contains(&format!(
            "{}: error: `db` (a rds.postgres) has no output `urll`",
            at("stacks/serverless.yaml", "${db_proxy.url ?? db.url}")
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `db.url`?"), "{err}");
    // Half a fallback says what a fallback looks like.
    let err = rejected(|p| {
        p.edit(
            "stacks/serverless.yaml",
            "${db_proxy.url ?? db.url}",
            "${db_proxy.url ??}",
        )
    });
    assert!(
        err.contains("or several joined by `??`, like `${db_proxy.url ?? db.url}`"),
        "{err}"
    );
}
