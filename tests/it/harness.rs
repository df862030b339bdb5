//! The test harness: a moto_server per test on a free loopback port (killed on drop), a project
//! directory copied from the repo with a small payload, the binary run as a user would, moto's
//! request recorder to count mutating calls, and boto3 (which moto ships with) to look behind the
//! tool's back or to change things there.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

pub struct Moto {
    child: Child,
    pub url: String,
    dir: tempfile::TempDir,
    /// The registry behind ECR (`http://127.0.0.1:PORT`) and the Python base image pushed to it
    /// (see [`Moto::with_registry`]).
    pub registry: Option<String>,
    pub base_image: Option<String>,
}

impl Moto {
    /// Starts the emulator (`scripts/emulator`: moto_server plus the read calls moto lacks) on a free
    /// port with the request recorder on, and waits until it answers.
    pub fn start() -> Moto {
        // FINTECH_TEST_REALISM=real-aws (or behaviour names) runs every plain test with the layer.
        match std::env::var("FINTECH_TEST_REALISM") {
            Ok(r) if !r.is_empty() => Moto::start_with(&[("FINTECH_REALISM", r.as_str())]),
            _ => Moto::start_with(&[]),
        }
    }

    /// [`Moto::start`] with the AWS-realism layer's settings (`FINTECH_REALISM=...` and its knobs,
    /// see tests/emulator/realism.py); what the layer does is logged, see [`Moto::realism_log`].
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        Moto::launch(env, None)
    }

    /// [`Moto::start`] with a registry behind ECR (Debian's docker-registry, which the emulator
    /// starts: see scripts/emulator) and a Python base image in it, made from this machine's
    /// python3 by tests/emulator/base_image.py (no registry on the internet is reachable here).
    pub fn with_registry() -> Moto {
        let realism = std::env::var("FINTECH_TEST_REALISM").unwrap_or_default();
        if realism.is_empty() {
            Moto::with_registry_and(&[])
        } else {
            Moto::with_registry_and(&[("FINTECH_REALISM", realism.as_str())])
        }
    }

    /// [`Moto::with_registry`] with the realism layer's settings (see [`Moto::start_with`]).
    pub fn with_registry_and(env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let mut moto = Moto::launch(env, Some(port));
        let registry = format!("http://127.0.0.1:{port}");
        wait_for_port(
            port,
            "docker-registry did not start (apt-get install docker-registry)",
        );
        let out = Command::new("python3")
            .arg(repo().join("tests/emulator/base_image.py"))
            .arg(&registry)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "base image: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        moto.base_image = Some(String::from_utf8_lossy(&out.stdout).trim().to_string());
        moto.registry = Some(registry);
        moto
    }

    /// What the registry was sent (each push of a blob or manifest, in order), as it notified.
    pub fn registry_pushes(&self) -> Vec<Value> {
        let out = Command::new("curl")
            .args(["-sf", &format!("{}/_fintech/registry-events", self.url)])
            .output()
            .unwrap();
        let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        all.into_iter().filter(|e| e["action"] == "push").collect()
    }

    fn launch(env: &[(&str, &str)], registry: Option<u16>) -> Moto {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/emulator"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ENABLE_RECORDING", "true")
            .env("MOTO_RECORDER_FILEPATH", dir.path().join("recording"))
            .env("FINTECH_REALISM_LOG", dir.path().join("realism.log"))
            .env(
                "FINTECH_EMULATOR_REGISTRY",
                registry.map_or("off".to_string(), |p| p.to_string()),
            )
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server is installed (pip install 'moto[server]')");
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
            registry: None,
            base_image: None,
        };
        wait_for_port(port, "moto_server did not start");
        moto.reset_recording();
        moto
    }

    fn post(&self, path: &str) -> String {
        let out = Command::new("curl")
            .args(["-sf", "-X", "POST", &format!("{}{path}", self.url)])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// What the realism layer did, one `behaviour service operation` line each.
    pub fn realism_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("realism.log")).unwrap_or_default()
    }

    /// Forgets the requests recorded so far.
    pub fn reset_recording(&self) {
        self.post("/moto-api/recorder/reset-recording");
    }

    /// Operations recorded since the last reset, as `service:Operation` (or `METHOD path` for REST APIs).
    pub fn calls(&self) -> Vec<Call> {
        let out = Command::new("curl")
            .args([
                "-sf",
                &format!("{}/moto-api/recorder/download-recording", self.url),
            ])
            .output()
            .unwrap();
        // moto appends each entry and its newline in separate writes: concurrent requests can put two
        // entries on one line, so read a stream of JSON values rather than lines.
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .map(|v| Call::parse(&v.expect("a recorded request")))
            .collect()
    }

    /// The recorded calls that change something in the stage (the stage lock's writes, taken by
    /// every deploy that changes something, are left out: tests of the lock look at them).
    pub fn mutating_calls(&self) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.is_mutating() && !c.path.contains("-fintech-locks-"))
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (up to 30 s) until something listens on loopback `port`, else fails with `what`.
fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port free on loopback now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// The operation for query (`Action=`) and JSON (`X-Amz-Target`) protocols.
    pub op: Option<String>,
    pub body: String,
}

impl Call {
    fn parse(v: &Value) -> Call {
        let method = v["method"].as_str().unwrap_or_default().to_string();
        let url = v["url"].as_str().unwrap_or_default();
        let path = url
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_default();
        let headers = v["headers"].as_object().cloned().unwrap_or_default();
        let target = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
            .and_then(|(_, v)| v.as_str());
        let body = match (v["body"].as_str(), v["body_encoded"].as_bool()) {
            (Some(b), Some(true)) => String::from_utf8_lossy(
                &base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .unwrap_or_default(),
            )
            .to_string(),
            (Some(b), _) => b.to_string(),
            _ => String::new(),
        };
        Call::new(method, path, target, body)
    }

    /// A request from its method, path, `X-Amz-Target` header (JSON protocols) and body.
    pub fn new(method: String, path: String, target: Option<&str>, body: String) -> Call {
        // The RPC v2 CBOR protocol (CloudWatch) names the operation in the path.
        let rpc = path
            .split_once("/operation/")
            .filter(|(service, _)| service.starts_with("/service/"))
            .map(|(_, op)| op.split('?').next().unwrap_or(op).to_string());
        let op = target
            .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
            .or(rpc)
            .or_else(|| {
                body.split('&')
                    .find_map(|kv| kv.strip_prefix("Action="))
                    .map(str::to_string)
            });
        Call {
            method,
            path,
            op,
            body,
        }
    }

    pub fn is_mutating(&self) -> bool {
        match &self.op {
            Some(op) => !["Describe", "List", "Get", "Head"]
                .iter()
                .any(|p| op.starts_with(p)),
            None => !matches!(self.method.as_str(), "GET" | "HEAD"),
        }
    }

    pub fn name(&self) -> String {
        self.op.clone().unwrap_or_else(|| {
            format!(
                "{} {}",
                self.method,
                self.path.split('?').next().unwrap_or_default()
            )
        })
    }
}

/// A project directory: the repo's fintech.yaml and stacks/, a small backend and a built site
/// (or, through [`Project::at`], a project of one's own).
pub struct Project {
    pub dir: tempfile::TempDir,
    pub endpoint: String,
    pub env: Vec<(String, String)>,
}

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        // What a working copy may have beside its files (git ignores them, a clone has none).
        let name = e.file_name();
        if [".venv", "__pycache__", ".pytest_cache", "node_modules"]
            .contains(&name.to_string_lossy().as_ref())
        {
            continue;
        }
        let dest = to.join(name);
        // Links are followed (the examples link the bundled app's stacks/): a copy stands alone.
        if std::fs::metadata(e.path()).unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

impl Project {
    /// The bundled stack files with a tiny payload (no Python dependencies to install).
    pub fn new(moto: &Moto) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::copy(repo().join("fintech.yaml"), root.join("fintech.yaml")).unwrap();
        copy_dir(&repo().join("stacks"), &root.join("stacks"));
        let backend = root.join("app/backend");
        std::fs::create_dir_all(&backend).unwrap();
        std::fs::write(
            backend.join("lambda_handler.py"),
            "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n",
        )
        .unwrap();
        std::fs::write(
            backend.join("ingest.py"),
            "def handler(event, context):\n    return {'ingested': 0}\n",
        )
        .unwrap();
        let site = root.join("app/frontend/out");
        std::fs::create_dir_all(site.join("_next/static/chunks")).unwrap();
        std::fs::write(
            site.join("index.html"),
            "<html><body>Fintech Tracker</body></html>",
        )
        .unwrap();
        std::fs::write(
            site.join("_next/static/chunks/app.js"),
            "console.log('app')",
        )
        .unwrap();
        let p = Project {
            dir,
            endpoint: moto.url.clone(),
            env: Vec::new(),
        };
        // The site here is prebuilt: no npm build (the bundled app's own test builds it).
        p.edit("stacks/common.yaml", "    build: ${payload.frontend}\n", "");
        // The container image: one small dependency with compiled code (so a wheel of the
        // task's platform), on the emulator's base image when it has a registry.
        std::fs::write(
            backend.join("requirements-server.txt"),
            "markupsafe==3.0.2\n",
        )
        .unwrap();
        if let Some(base) = &moto.base_image {
            p.edit(
                "fintech.yaml",
                "base_image: public.ecr.aws/docker/library/python:3.12-slim",
                &format!("base_image: {base}"),
            );
        }
        p
    }

    /// A copy of the project in `from` (the repository's examples/, a directory `fintech init`
    /// made), talking to `moto`.
    pub fn at(moto: &Moto, from: &Path) -> Project {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(from, dir.path());
        Project {
            dir,
            endpoint: moto.url.clone(),
            env: Vec::new(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Replaces `from` with `to` in a project file (the test fails if `from` is not there).
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let p = self.path(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        std::fs::write(p, text.replacen(from, to, 1)).unwrap();
    }

    /// Starts `fintech ARGS` in the background, its output discarded (to be killed half-way).
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs `fintech ARGS` in the project, against this project's endpoint.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().unwrap())
    }

    /// The `fintech ARGS` command, ready to run or spawn.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fintech"));
        cmd.args(args)
            .arg("--no-progress")
            .current_dir(self.dir.path())
            .env_remove("AWS_PROFILE")
            .env_remove("FINTECH_STAGE")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs a boto3 snippet against the endpoint; it must print one JSON value.
    pub fn py(&self, code: &str) -> Value {
        py(&self.endpoint, code)
    }
}

/// Runs Python with boto3 against `endpoint`; `code` prints one JSON value with `out(...)`.
pub fn py(endpoint: &str, code: &str) -> Value {
    let prelude = "import boto3, json\n\
        def c(s): return boto3.client(s, region_name='us-east-1', endpoint_url=ENDPOINT, aws_access_key_id='testing', aws_secret_access_key='testing')\n\
        def out(v): print(json.dumps(v, default=str))\n";
    let script = format!("ENDPOINT = {endpoint:?}\n{prelude}{code}");
    let o = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python failed:\n{}\n{}",
        script,
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// A finished run of the binary.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).to_string()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).to_string()
    }
    /// Asserts exit code `code`, showing the output when it is not.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("{e}: {}", self.stdout()))
    }
}

/// Deploys again and checks that nothing was changed: not one mutating call.
pub fn redeploy_changes_nothing(moto: &Moto, p: &Project) {
    moto.reset_recording();
    p.run(&["deploy", "--yes"]).expect(0);
    assert_eq!(
        moto.mutating_calls().len(),
        0,
        "{:?}",
        moto.mutating_calls()
    );
}

/// A fresh emulator and a project deployed to stage dev.
pub fn deployed() -> (Moto, Project) {
    let moto = Moto::start();
    let p = Project::new(&moto);
    p.run(&["deploy", "--yes"]).expect(0);
    moto.reset_recording();
    (moto, p)
}

/// A seed for a test that varies between runs: `var` from the environment (to replay a run), or
/// the clock.
pub fn seed(var: &str) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        })
}
