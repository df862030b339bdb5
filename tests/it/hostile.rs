//! Hostile stack files: every syntax error class, wrong types and unknown keys at every level,
//! empty, missing, binary, huge, deeply nested and self-multiplying files, dangling and cyclic
//! references, names and expressions AWS would refuse, payload paths that leave the project or are
//! no app. Each one: exit code 1, a located human error (file:line:col, message, hint), no panic,
//! bounded memory (the process runs with 2 GiB of address space), and not one request to AWS.

use std::os::unix::process::CommandExt;

use crate::harness::{Moto, Project};

/// One malformed project: what it breaks, the options to run with, and the located error wanted.
struct Case {
    name: &'static str,
    setup: fn(&Project),
    args: &'static [&'static str],
    file: &'static str,
    says: &'static str,
}

fn write(p: &Project, file: &str, bytes: &[u8]) {
    std::fs::write(p.path(file), bytes).unwrap();
}

/// The project's fintech.yaml with `extra` lines added under `params:`.
fn with_params(p: &Project, extra: &str) {
    p.edit("fintech.yaml", "params:\n", &format!("params:\n{extra}"));
}

const CASES: &[Case] = &[
    Case {
        name: "unclosed quote",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "app: fintech-tracker",
                "app: \"fintech-tracker",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "invalid YAML",
    },
    Case {
        name: "unclosed list",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "[founders@example.com]",
                "[founders@example.com",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "invalid YAML",
    },
    Case {
        name: "unclosed mapping",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "{ from_env: FINPREP_API_KEY }",
                "{ from_env: FINPREP_API_KEY",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "invalid YAML",
    },
    Case {
        name: "bad indentation",
        setup: |p| {
            p.edit(
                "stacks/serverless.yaml",
                "    handler: lambda_handler.handler",
                "   handler: lambda_handler.handler",
            )
        },
        args: &[],
        file: "stacks/serverless.yaml",
        says: "invalid YAML",
    },
    Case {
        name: "duplicate key",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "region: us-east-1\n",
                "region: us-east-1\nregion: eu-west-1\n",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "duplicate mapping key: region",
    },
    Case {
        name: "tab indentation",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "  db_class: db.t3.micro",
                "\tdb_class: db.t3.micro",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "tab",
    },
    Case {
        name: "invalid escape",
        setup: |p| {
            p.edit(
                "stacks/common.yaml",
                "description: fintech app (functions and tasks)",
                "description: \"fintech \\q app\"",
            )
        },
        args: &[],
        file: "stacks/common.yaml",
        says: "unknown escape",
    },
    Case {
        name: "second document",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "region: us-east-1\n",
                "region: us-east-1\n---\n",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "a second YAML document",
    },
    Case {
        name: "unknown anchor",
        setup: |p| p.edit("fintech.yaml", "db_class: db.t3.micro", "db_class: *nope"),
        args: &[],
        file: "fintech.yaml",
        says: "unknown anchor",
    },
    Case {
        name: "unknown top-level key",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "region: us-east-1\n",
                "region: us-east-1\nregoin: eu-west-1\n",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "unknown key `regoin` in the project file",
    },
    Case {
        name: "wrong type at the top",
        setup: |p| p.edit("fintech.yaml", "region: us-east-1", "region: 42"),
        args: &[],
        file: "fintech.yaml",
        says: "expected a string, found an integer `42`",
    },
    Case {
        name: "wrong type in params",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "api_memory_mb: 512",
                "api_memory_mb: {mb: 512}",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "expected a whole number, found a mapping",
    },
    Case {
        name: "unknown key in a stage",
        setup: |p| p.edit("fintech.yaml", "protect: true", "protekt: true"),
        args: &[],
        file: "fintech.yaml",
        says: "unknown key `protekt` in a stage",
    },
    Case {
        name: "stage sets an undeclared parameter",
        setup: |p| p.edit("fintech.yaml", "db_backup_days: 14", "db_backup_dayz: 14"),
        args: &["--stage", "prod"],
        file: "fintech.yaml",
        says: "stage `prod` sets `db_backup_dayz`, which `params` does not declare",
    },
    Case {
        name: "unknown key in a secret",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "{ from_env: FINPREP_API_KEY }",
                "{ form_env: FINPREP_API_KEY }",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "unknown key `form_env` in a secret",
    },
    Case {
        name: "negative budget",
        setup: |p| p.edit("fintech.yaml", "monthly_usd: 30", "monthly_usd: -30"),
        args: &[],
        file: "fintech.yaml",
        says: "-30 is negative",
    },
    Case {
        name: "wrong type in usage",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "avg_duration_ms: 120",
                "avg_duration_ms: fast",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "expected a number, found a string",
    },
    Case {
        name: "unknown key in a stack file",
        setup: |p| {
            p.edit(
                "stacks/serverless.yaml",
                "include: [common.yaml]\n",
                "include: [common.yaml]\nparameters: {}\n",
            )
        },
        args: &[],
        file: "stacks/serverless.yaml",
        says: "unknown key `parameters` in a stack file",
    },
    Case {
        name: "resource without a type",
        setup: |p| {
            p.edit(
                "stacks/common.yaml",
                "  site_bucket:\n    type: s3.bucket",
                "  site_bucket:\n    kind: s3.bucket",
            )
        },
        args: &[],
        file: "stacks/common.yaml",
        says: "resource `site_bucket` has no `type`",
    },
    Case {
        name: "wrong type in a nested field",
        setup: |p| {
            p.edit(
                "stacks/common.yaml",
                "{ port: 5432,",
                "{ port: \"fivefour\",",
            )
        },
        args: &[],
        file: "stacks/common.yaml",
        says: "expected a whole number, found a string",
    },
    Case {
        name: "empty project file",
        setup: |p| write(p, "fintech.yaml", b""),
        args: &[],
        file: "fintech.yaml",
        says: "the project file has no `app` name",
    },
    Case {
        name: "missing project file",
        setup: |p| std::fs::remove_file(p.path("fintech.yaml")).unwrap(),
        args: &[],
        file: "fintech.yaml",
        says: "cannot read the file",
    },
    Case {
        name: "empty stack file",
        setup: |p| write(p, "stacks/serverless.yaml", b""),
        args: &[],
        file: "stacks/serverless.yaml",
        says: "stacks/serverless.yaml declares no resources",
    },
    Case {
        name: "comment-only stack file",
        setup: |p| write(p, "stacks/serverless.yaml", b"# nothing yet\n"),
        args: &[],
        file: "stacks/serverless.yaml",
        says: "declares no resources",
    },
    Case {
        name: "base image that is no image reference",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "base_image: public.ecr.aws/docker/library/python:3.12-slim",
                "base_image: Python:3.12",
            )
        },
        args: &["--option", "containers"],
        file: "fintech.yaml",
        says: "image `Python:3.12`: `library/Python` is not a repository name",
    },
    Case {
        name: "no stack file for the option asked",
        setup: |p| std::fs::remove_file(p.path("stacks/containers.yaml")).unwrap(),
        args: &["--option", "containers"],
        file: "stacks",
        says: "no stack file stacks/containers.yaml for option `containers`",
    },
    Case {
        name: "no stack file for the default option",
        setup: |p| std::fs::remove_file(p.path("stacks/serverless.yaml")).unwrap(),
        args: &[],
        file: "stacks",
        says: "no stack file stacks/serverless.yaml for option `serverless`",
    },
    Case {
        name: "binary data",
        setup: |p| {
            write(
                p,
                "fintech.yaml",
                &(0..4096u32)
                    .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                    .collect::<Vec<u8>>(),
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "",
    },
    Case {
        name: "NUL bytes",
        setup: |p| write(p, "fintech.yaml", &[0u8; 1000]),
        args: &[],
        file: "fintech.yaml",
        says: "invalid YAML",
    },
    Case {
        name: "invalid UTF-8",
        setup: |p| {
            let mut b = std::fs::read(p.path("fintech.yaml")).unwrap();
            let at = b.windows(4).position(|w| w == b"app:").unwrap() + 5;
            b.splice(at..at, [0xff, 0xfe]);
            write(p, "fintech.yaml", &b)
        },
        args: &[],
        file: "fintech.yaml",
        says: "not UTF-8 text",
    },
    Case {
        name: "a 50 MB file",
        setup: |p| {
            let mut t = std::fs::read(p.path("fintech.yaml")).unwrap();
            t.extend(b"# ");
            t.extend(std::iter::repeat_n(b'x', 50 << 20));
            write(p, "fintech.yaml", &t)
        },
        args: &[],
        file: "fintech.yaml",
        says: "a project or stack file may be at most 1 MB",
    },
    Case {
        name: "deeply nested lists",
        setup: |p| {
            with_params(
                p,
                &format!("  deep: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "invalid YAML",
    },
    Case {
        name: "deeply nested mappings",
        setup: |p| {
            with_params(
                p,
                &format!("  deep: {}1{}\n", "{a: ".repeat(10_000), "}".repeat(10_000)),
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "nested more than 64 levels deep",
    },
    Case {
        name: "alias bomb",
        setup: |p| {
            with_params(p, &{
                let mut s = "  lol0: &l0 \"lol\"\n".to_string();
                for i in 1..10 {
                    s.push_str(&format!(
                        "  lol{i}: &l{i} [{}]\n",
                        vec![format!("*l{}", i - 1); 10].join(", ")
                    ));
                }
                s
            })
        },
        args: &[],
        file: "fintech.yaml",
        says: "an alias bomb",
    },
    Case {
        name: "parameter expansion bomb",
        setup: |p| {
            with_params(p, &{
                let mut s = "  b0: xxxxxxxxxx\n".to_string();
                for i in 1..8 {
                    s.push_str(&format!(
                        "  b{i}: \"{}\"\n",
                        format!("${{params.b{}}}", i - 1).repeat(16)
                    ));
                }
                s
            });
            p.edit(
                "stacks/common.yaml",
                "description: fintech app (functions and tasks)",
                "description: ${params.b7}",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "parameters expand too much",
    },
    Case {
        name: "huge number",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "api_memory_mb: 512",
                "api_memory_mb: 99999999999999999999999",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "expected a whole number",
    },
    Case {
        name: "negative number",
        setup: |p| p.edit("fintech.yaml", "db_storage_gb: 20", "db_storage_gb: -5"),
        args: &[],
        file: "fintech.yaml",
        says: "-5 is out of range",
    },
    Case {
        name: "infinite number",
        setup: |p| p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1e400"),
        args: &[],
        file: "fintech.yaml",
        says: "is not a finite number",
    },
    Case {
        name: "dangling parameter",
        setup: |p| {
            p.edit(
                "stacks/serverless.yaml",
                "${params.api_memory_mb}",
                "${params.api_memroy_mb}",
            )
        },
        args: &[],
        file: "stacks/serverless.yaml",
        says: "there is no parameter `api_memroy_mb`",
    },
    Case {
        name: "dangling resource",
        setup: |p| {
            p.edit(
                "stacks/serverless.yaml",
                "${artifacts.name}",
                "${artefacts.name}",
            )
        },
        args: &[],
        file: "stacks/serverless.yaml",
        says: "reference to `artefacts`, which is not declared",
    },
    Case {
        name: "resource referring to itself",
        setup: |p| {
            p.edit(
                "stacks/serverless.yaml",
                "handler: lambda_handler.handler",
                "handler: ${api.name}",
            )
        },
        args: &[],
        file: "stacks/serverless.yaml",
        says: "dependency cycle: api -> api",
    },
    Case {
        name: "parameters referring to each other",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "api_memory_mb: 512",
                "api_memory_mb: ${params.api_timeout_s}",
            );
            p.edit(
                "fintech.yaml",
                "api_timeout_s: 30",
                "api_timeout_s: ${params.api_memory_mb}",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "parameters refer to each other too deeply",
    },
    Case {
        name: "unclosed expression",
        setup: |p| p.edit("stacks/serverless.yaml", "${fn_role.arn}", "${fn_role.arn"),
        args: &[],
        file: "stacks/serverless.yaml",
        says: "is never closed with `}`",
    },
    Case {
        name: "nested expression",
        setup: |p| p.edit("stacks/serverless.yaml", "${fn_role.arn}", "${${x}}"),
        args: &[],
        file: "stacks/serverless.yaml",
        says: "is not a reference",
    },
    Case {
        name: "app name AWS would refuse",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "app: fintech-tracker",
                "app: Fintech_Tracker",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "`Fintech_Tracker` is not a valid app name",
    },
    Case {
        name: "stage name with a space",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "  dev: {}\n",
                "  dev: {}\n  \"my stage\": {}\n",
            )
        },
        args: &["--stage", "my stage"],
        file: "fintech.yaml",
        says: "`my stage` is not a valid stage name",
    },
    Case {
        name: "cron with five fields",
        setup: |p| p.edit("fintech.yaml", "cron(0 6 * * ? *)", "cron(0 6 * * ?)"),
        args: &[],
        file: "fintech.yaml",
        says: "a cron expression has 6 fields",
    },
    Case {
        name: "rate of zero",
        setup: |p| p.edit("fintech.yaml", "cron(0 6 * * ? *)", "rate(0 minutes)"),
        args: &[],
        file: "fintech.yaml",
        says: "invalid schedule `rate(0 minutes)`",
    },
    Case {
        name: "unknown region",
        setup: |p| p.edit("fintech.yaml", "region: us-east-1", "region: us-east-9"),
        args: &[],
        file: "fintech.yaml",
        says: "`us-east-9` is not an AWS region",
    },
    Case {
        name: "unknown instance class",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "db_class: db.t3.micro",
                "db_class: db.x99.huge",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "expected an RDS instance class",
    },
    Case {
        name: "unknown runtime",
        setup: |p| {
            p.edit(
                "stacks/serverless.yaml",
                "runtime: python3.12",
                "runtime: python2.7",
            )
        },
        args: &[],
        file: "stacks/serverless.yaml",
        says: "is not one of python3",
    },
    Case {
        name: "unknown option",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "default_option: serverless",
                "default_option: kubernetes",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "unknown option `kubernetes`",
    },
    Case {
        name: "payload leaving the project",
        setup: |p| p.edit("fintech.yaml", "backend: app/backend", "backend: ../../etc"),
        args: &[],
        file: "fintech.yaml",
        says: "payload `backend` is `../../etc`, outside the project directory",
    },
    Case {
        name: "payload at the root",
        setup: |p| p.edit("fintech.yaml", "site: app/frontend/out", "site: /"),
        args: &[],
        file: "fintech.yaml",
        says: "outside the project directory",
    },
    Case {
        name: "payload that is no app",
        setup: |p| {
            std::fs::create_dir_all(p.path("app/empty")).unwrap();
            p.edit("fintech.yaml", "backend: app/backend", "backend: app/empty")
        },
        args: &[],
        file: "stacks/common.yaml",
        says: "app/empty has no `ingest.py` for the handler `ingest.handler`",
    },
    Case {
        name: "payload that does not exist",
        setup: |p| p.edit("fintech.yaml", "backend: app/backend", "backend: app/nope"),
        args: &[],
        file: "stacks/common.yaml",
        says: "code `app/nope` does not exist",
    },
    Case {
        name: "include outside the stacks",
        setup: |p| {
            p.edit(
                "stacks/serverless.yaml",
                "include: [common.yaml]",
                "include: [common.yaml, /etc/hostname]",
            )
        },
        args: &[],
        file: "stacks/serverless.yaml",
        says: "included file `/etc/hostname` is outside stacks/",
    },
    Case {
        name: "terminal escape sequences",
        setup: |p| {
            p.edit(
                "fintech.yaml",
                "app: fintech-tracker",
                "app: \"\\e]0;pwned\\a\\e[2J\"",
            )
        },
        args: &[],
        file: "fintech.yaml",
        says: "`\\u{1b}]0;pwned\\u{7}\\u{1b}[2J` is not a valid app name",
    },
    Case {
        name: "a pipe for a project file",
        setup: |p| {
            std::fs::remove_file(p.path("fintech.yaml")).unwrap();
            let path = std::ffi::CString::new(p.path("fintech.yaml").to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0)
        },
        args: &[],
        file: "fintech.yaml",
        says: "not a regular file",
    },
];

/// `fintech ARGS` in the project with 2 GiB of address space at most.
fn bounded(p: &Project, args: &[&str]) -> crate::harness::Run {
    let mut cmd = p.command(args);
    // SAFETY: setrlimit in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    crate::harness::Run(cmd.output().unwrap())
}

/// The first error line names `file:line:col` (line 0 only for a file that cannot be read at
/// all) and says `says`; a hint follows.
fn located(err: &str, file: &str, says: &str) -> bool {
    err.lines().any(|l| {
        let Some(rest) = l.strip_prefix(&format!("{file}:")) else {
            return false;
        };
        let mut parts = rest.splitn(3, ':');
        let (line, col) = (parts.next(), parts.next());
        line.is_some_and(|n| n.parse::<u32>().is_ok())
            && col.is_some_and(|n| n.parse::<u32>().is_ok())
            && parts.next().is_some_and(|m| m.starts_with(" error: "))
            && l.contains(says)
    }) && err.contains("\n  hint: ")
}

#[test]
fn every_hostile_input_is_one_located_error_and_no_request() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let moto = Moto::start();
    let mut wrong = Vec::new();
    for case in CASES {
        let p = Project::new(&moto);
        (case.setup)(&p);
        for command in [&["validate"][..], &["deploy", "--yes"][..]] {
            let args: Vec<&str> = command.iter().chain(case.args).copied().collect();
            let run = bounded(&p, &args);
            let err = run.stderr();
            let fine = run.code() == 1
                && located(&err, case.file, case.says)
                && !err.contains("panicked")
                && !err.contains('\u{1b}')
                && err.len() < 20_000;
            if !fine {
                wrong.push(format!(
                    "{} ({args:?}): exit {}\n{}",
                    case.name,
                    run.code(),
                    err.chars().take(2000).collect::<String>()
                ));
            }
        }
        let calls = moto.calls();
        if !calls.is_empty() {
            wrong.push(format!("{}: reached AWS: {:?}", case.name, calls));
            moto.reset_recording();
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn an_empty_or_missing_stack_file_never_plans_deleting_a_deployed_stage() {
    let (moto, p) = crate::harness::deployed();
    write(&p, "stacks/serverless.yaml", b"\n");
    moto.reset_recording();
    let err = p
        .run(&["deploy", "--yes", "--allow-data-loss"])
        .expect(1)
        .stderr();
    assert!(
        err.contains("stacks/serverless.yaml declares no resources"),
        "{err}"
    );
    std::fs::remove_file(p.path("stacks/serverless.yaml")).unwrap();
    let run = p.run(&["plan"]).expect(1);
    assert!(
        run.stderr()
            .contains("no stack file stacks/serverless.yaml"),
        "{}",
        run.stderr()
    );
    assert!(!run.stdout().contains("delete"), "{}", run.stdout());
    assert!(moto.calls().is_empty(), "{:?}", moto.calls());
}
