//! The container image fintech builds without docker: pushed to a real registry (docker-registry
//! behind moto's ECR), pulled back and checked file by file, reproducible across clones, pushed
//! once, a changed file one new layer; and run (runc, the OCI runtime podman uses) to answer
//! /api/health.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::containers::{built_digest, containers};
use crate::harness::{Moto, Project, copy_dir, free_port, repo};

const REPO: &str = "fintech-tracker-dev-repo";
const URL: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fintech-tracker-dev-repo";

/// The image `reference` of `repo`, pulled back from the registry by tests/emulator/pull.py
/// (its own client, checking every digest), unpacked into `rootfs` when given.
fn pull(moto: &Moto, repo_name: &str, reference: &str, rootfs: Option<&Path>) -> Value {
    let mut cmd = Command::new("python3");
    cmd.arg(repo().join("tests/emulator/pull.py")).args([
        moto.registry.as_deref().unwrap(),
        repo_name,
        reference,
    ]);
    if let Some(r) = rootfs {
        cmd.arg(r);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "pull: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The image the service's current task definition runs.
fn running_image(p: &Project) -> String {
    p.py("s = c('ecs').describe_services(cluster='fintech-tracker-dev-cluster', services=['fintech-tracker-dev-api-service'])['services'][0]\n\
          out(c('ecs').describe_task_definition(taskDefinition=s['taskDefinition'])['taskDefinition']['containerDefinitions'][0]['image'])")
        .as_str()
        .unwrap()
        .to_string()
}

/// The registry's pushes since `from`, as (kind, repository): `blob` or `manifest`.
fn pushes_since(moto: &Moto, from: usize) -> Vec<(String, String)> {
    moto.registry_pushes()[from..]
        .iter()
        .map(|e| {
            let kind = if e["mediaType"]
                .as_str()
                .unwrap_or_default()
                .contains("manifest")
            {
                "manifest"
            } else {
                "blob"
            };
            (
                kind.to_string(),
                e["repository"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn image_built_by_fintech_is_pushed_once_and_a_changed_file_pushes_one_layer() {
    let (moto, p, digest) = containers();
    // The task definition runs the image fintech built, by digest, and ECR lists what was pushed.
    assert_eq!(running_image(&p), format!("{URL}@{digest}"));
    let listed = p.py(&format!(
        "out([[d['imageDigest'], d['imageTags']] for d in c('ecr').describe_images(repositoryName='{REPO}')['imageDetails']])"
    ));
    let tag = format!("src-{}", &digest[7..23]);
    assert_eq!(listed, json!([[digest, [tag]]]));
    let pushed = pushes_since(&moto, 0);
    let to_repo: Vec<&(String, String)> = pushed.iter().filter(|(_, r)| r == REPO).collect();
    assert_eq!(
        to_repo.iter().filter(|(k, _)| k == "blob").count(),
        4,
        "base layer, dependencies, code, config: {pushed:?}"
    );
    assert_eq!(to_repo.iter().filter(|(k, _)| k == "manifest").count(), 1);

    // Deployed again: nothing pushed, not one mutating call, no change planned.
    let before = moto.registry_pushes().len();
    moto.reset_recording();
    let again = p
        .run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert!(
        again.stdout().contains("0 mutating API calls"),
        "{}",
        again.stdout()
    );
    assert!(!again.stderr().contains("pushed"), "{}", again.stderr());
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
    assert_eq!(pushes_since(&moto, before), vec![]);
    p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(0);

    // One backend file changed: one new layer (and the config naming it) and a manifest pushed,
    // a new task definition revision, the service rolled onto it.
    p.edit(
        "app/backend/lambda_handler.py",
        "'body': 'ok'",
        "'body': 'ok, changed'",
    );
    let plan = p
        .run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(2)
        .stdout();
    let new_digest = built_digest(&p);
    assert_ne!(new_digest, digest);
    assert!(
        plan.contains(&format!(
            "image_ref: \"{URL}@{digest}\" -> \"{URL}@{new_digest}\""
        )),
        "the plan names the new digest before anything is pushed:\n{plan}"
    );
    let before = moto.registry_pushes().len();
    moto.reset_recording();
    let run = p
        .run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    assert!(
        run.stderr().contains("api_service: pushed 2 of 4 blobs"),
        "{}",
        run.stderr()
    );
    let mut kinds: Vec<String> = pushes_since(&moto, before)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["blob", "blob", "manifest"]);
    let names: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    assert!(
        names.contains(&"RegisterTaskDefinition".to_string())
            && names.contains(&"UpdateService".to_string()),
        "{names:?}"
    );
    assert_eq!(running_image(&p), format!("{URL}@{new_digest}"));
    let revision = p.py("s = c('ecs').describe_services(cluster='fintech-tracker-dev-cluster', services=['fintech-tracker-dev-api-service'])['services'][0]\n\
                         out(s['taskDefinition'].split(':')[-1])");
    assert_eq!(revision, "2");
    p.run(&["plan", "--option", "containers", "--detailed-exitcode"])
        .expect(0);
}

#[test]
fn image_pulled_back_holds_the_app_its_platform_dependencies_and_runs_as_no_root() {
    let (moto, p, digest) = containers();
    let image = pull(&moto, REPO, &digest, None);
    assert_eq!(image["digest"], digest.as_str());
    assert_eq!(
        image["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    let base = moto.base_image.as_deref().unwrap();
    assert_eq!(
        image["annotations"]["org.opencontainers.image.base.name"],
        base
    );
    let layers = image["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3, "base, dependencies, code");
    let files = |i: usize| -> Vec<Value> { layers[i]["files"].as_array().unwrap().clone() };
    let paths = |i: usize| -> Vec<String> {
        files(i)
            .iter()
            .map(|f| {
                f["path"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string()
            })
            .collect()
    };
    // The dependencies: MarkupSafe's compiled speedups for CPython 3.11 on x86-64 Linux (the
    // task's platform and the base's Python), under /opt/packages.
    let deps = paths(1);
    assert!(
        deps.iter().any(
            |f| f.starts_with("opt/packages/markupsafe/_speedups.cpython-311-x86_64-linux-gnu")
        ),
        "{deps:?}"
    );
    assert!(deps.iter().all(|f| f.starts_with("opt")), "{deps:?}");
    // The code: the app's files under /srv, tests and caches left out.
    assert_eq!(
        paths(2),
        [
            "srv",
            "srv/ingest.py",
            "srv/lambda_handler.py",
            "srv/requirements-server.txt"
        ]
    );
    // Reproducible metadata: time 0, owned by root (the app cannot change its own code).
    for i in [1, 2] {
        for f in files(i) {
            assert_eq!(
                (f["mtime"].as_i64(), f["uid"].as_i64(), f["gid"].as_i64()),
                (Some(0), Some(0), Some(0)),
                "{f}"
            );
            let mode = f["mode"].as_i64().unwrap();
            assert!(mode == 0o644 || mode == 0o755, "{f}");
        }
    }
    let config = &image["config"];
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(config["config"]["User"], "10001:10001");
    assert_eq!(
        config["config"]["Entrypoint"],
        json!([
            "python",
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ])
    );
    assert_eq!(config["config"]["WorkingDir"], "/srv");
    assert_eq!(config["config"]["ExposedPorts"], json!({"8000/tcp": {}}));
    let env: Vec<&str> = config["config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for e in [
        "PYTHONPATH=/opt/packages",
        "HOME=/tmp",
        "PYTHONDONTWRITEBYTECODE=1",
    ] {
        assert!(env.contains(&e), "{env:?}");
    }
    assert!(
        env.iter().any(|e| e.starts_with("PYTHON_VERSION=3.11")),
        "the base's environment is kept: {env:?}"
    );
    // The digest the task definition pins is the one pulled back.
    assert_eq!(
        running_image(&p),
        format!("{URL}@{}", image["digest"].as_str().unwrap())
    );

    // An arm64 task needs an arm64 base: the base here has only amd64, and the plan says so.
    p.edit(
        "stacks/containers.yaml",
        "    port: 8000\n",
        "    port: 8000\n    architecture: arm64\n",
    );
    let err = p
        .run(&["plan", "--option", "containers"])
        .expect(1)
        .stderr();
    assert!(
        err.contains(&format!(
            "base image {base} has no linux/arm64 image (it has linux/amd64)"
        )),
        "{err}"
    );
}

#[test]
fn image_digest_is_the_same_from_two_clones_in_other_directories_with_other_times() {
    let moto = Moto::with_registry();
    let a = Project::new(&moto);
    let b = Project::new(&moto);
    // Other modification times, other caches (each builds its layers and installs its
    // dependencies itself), other directories.
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for f in ["ingest.py", "lambda_handler.py", "requirements-server.txt"] {
        std::fs::File::options()
            .write(true)
            .open(b.path("app/backend").join(f))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let caches = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = a;
    let mut b = b;
    a.env.push((
        "FINTECH_CACHE_DIR".into(),
        caches.0.path().display().to_string(),
    ));
    b.env.push((
        "FINTECH_CACHE_DIR".into(),
        caches.1.path().display().to_string(),
    ));
    assert_ne!(a.path(""), b.path(""));
    let (da, db) = (built_digest(&a), built_digest(&b));
    assert_eq!(da, db);
    // The local OCI layout under .fintech/image names it.
    let index: Value =
        serde_json::from_slice(&std::fs::read(a.path(".fintech/image/index.json")).unwrap())
            .unwrap();
    assert_eq!(index["manifests"][0]["digest"], da.as_str());
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "dev-api_service"
    );
    assert!(
        a.path(&format!(".fintech/image/blobs/sha256/{}", &da[7..]))
            .is_file()
    );
}

#[test]
fn image_of_the_bundled_backend_runs_under_runc_and_answers_health() {
    // runc is the OCI runtime podman and docker run containers with; crun (Debian's, 1.8) refuses
    // this machine's hybrid cgroups. Root is needed to unpack the image's owners and run it.
    let moto = Moto::with_registry();
    let p = Project::new(&moto);
    let backend = p.path("app/backend");
    std::fs::remove_dir_all(&backend).unwrap();
    copy_dir(&repo().join("app/backend"), &backend);
    let port = free_port();
    p.edit(
        "stacks/containers.yaml",
        "    port: 8000\n",
        &format!("    port: {port}\n"),
    );
    let digest = built_digest(&p);
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    let dir = tempfile::tempdir().unwrap();
    let rootfs = dir.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let image = pull(&moto, REPO, &digest, Some(&rootfs));
    let c = &image["config"]["config"];
    // The OCI runtime config: the image's command, environment, user and working directory; a
    // read-only root with /tmp writable (as the task runs); the host's network, to reach it.
    let spec = Command::new("runc")
        .args(["spec"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        spec.status.success(),
        "runc spec: {}",
        String::from_utf8_lossy(&spec.stderr)
    );
    let mut config: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    config["process"]["terminal"] = json!(false);
    config["process"]["args"] = c["Entrypoint"].clone();
    config["process"]["env"] = c["Env"].clone();
    config["process"]["cwd"] = c["WorkingDir"].clone();
    config["process"]["user"] = json!({"uid": 10001, "gid": 10001});
    config["root"]["readonly"] = json!(true);
    config["mounts"].as_array_mut().unwrap().push(json!({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}));
    config["linux"]["namespaces"]
        .as_array_mut()
        .unwrap()
        .retain(|n| n["type"] != "network");
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::to_vec(&config).unwrap(),
    )
    .unwrap();
    let id = format!("fintech-image-test-{port}");
    let log = std::fs::File::create(dir.path().join("container.log")).unwrap();
    let mut child = Command::new("runc")
        .args(["run", &id])
        .current_dir(dir.path())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let answer = loop {
        let out = Command::new("curl")
            .args(["-s", &format!("http://127.0.0.1:{port}/api/health")])
            .output()
            .unwrap();
        if out.status.success() && !out.stdout.is_empty() {
            break String::from_utf8_lossy(&out.stdout).to_string();
        }
        if start.elapsed() > std::time::Duration::from_secs(60)
            || child.try_wait().unwrap().is_some()
        {
            let _ = Command::new("runc")
                .args(["delete", "--force", &id])
                .output();
            panic!(
                "the container never answered:\n{}",
                std::fs::read_to_string(dir.path().join("container.log")).unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let _ = Command::new("runc").args(["kill", &id, "KILL"]).output();
    let _ = child.wait();
    let _ = Command::new("runc")
        .args(["delete", "--force", &id])
        .output();
    // No database or cache here: the app answers, and says what it cannot reach.
    let health: Value = serde_json::from_str(&answer).unwrap_or_else(|_| panic!("{answer}"));
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(
        health["database"].as_str().unwrap().starts_with("error"),
        "{health}"
    );
}

#[test]
fn image_from_its_own_dockerfile_is_built_by_docker_or_podman_for_the_tasks_platform() {
    // No docker daemon or podman here: the deploy says how to build and push it elsewhere.
    let moto = Moto::with_registry();
    let p = Project::new(&moto);
    std::fs::write(p.path("app/backend/Dockerfile"), "FROM scratch\n").unwrap();
    p.edit(
        "stacks/containers.yaml",
        "    build: ${payload.backend}",
        "    build: ${payload.backend}\n    dockerfile: Dockerfile",
    );
    let err = p
        .run(&["deploy", "--option", "containers", "--yes"])
        .expect(1)
        .stderr();
    assert!(
        err.contains("neither docker nor podman can build images on this machine")
            && err.contains(&format!(
                "docker build --platform linux/amd64 -f ./app/backend/Dockerfile -t {URL}:src-"
            )),
        "{err}"
    );
    assert!(
        moto.registry_pushes()
            .iter()
            .all(|e| e["repository"] != REPO)
    );
}

#[test]
fn image_push_and_base_pull_survive_a_registry_that_throttles_fails_and_redirects() {
    // The realism layer puts a proxy before the registry: `throttle` answers the first request of
    // each kind with 429 TOOMANYREQUESTS, as ECR's registry does past its quotas; `registry` fails
    // the first upload's closing PUT with 500 and answers 416 to its session after (as ECR does),
    // and sends blob reads to storage elsewhere that refuses the registry's Authorization.
    let moto = Moto::with_registry_and(&[("FINTECH_REALISM", "throttle,registry")]);
    let mut p = Project::new(&moto);
    // A cache of its own: the base image is pulled, not found.
    let cache = tempfile::tempdir().unwrap();
    p.env.push((
        "FINTECH_CACHE_DIR".into(),
        cache.path().display().to_string(),
    ));
    p.run(&["deploy", "--option", "containers", "--yes"])
        .expect(0);
    let digest = built_digest(&p);
    assert_eq!(running_image(&p), format!("{URL}@{digest}"));
    let log = moto.realism_log();
    for kind in [
        "GET manifests",
        "GET blobs",
        "HEAD blobs",
        "POST uploads",
        "PUT uploads",
        "PUT manifests",
    ] {
        assert!(
            log.contains(&format!("throttle registry {kind}")),
            "{kind} was never throttled:\n{log}"
        );
    }
    for what in ["registry PUT failed", "registry redirect"] {
        assert!(log.contains(what), "{what} never happened:\n{log}");
    }
    // The failed upload was made again in a new session, not sent again into the failed one; the
    // redirected reads went without the registry's credentials.
    for never in ["registry 416", "registry storage refused Authorization"] {
        assert!(!log.contains(never), "{never}:\n{log}");
    }
    assert_eq!(pull(&moto, REPO, &digest, None)["digest"], digest.as_str());
}
