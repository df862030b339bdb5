//! The payload: the bundled app packaged and shipped (the code Lambda holds is the zip we built), an
//! unchanged app uploads nothing, a changed page uploads and invalidates only its files, a changed
//! backend file is one new zip, builds are reproducible, and big zips go through S3.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::harness::{Moto, Project, deployed, repo};

const SITE_BUCKET: &str = "fintech-tracker-dev-site-bucket-123456789012-us-east-1";

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The one zip in the project's build directory.
fn built_zip(p: &Project) -> Vec<u8> {
    let zips: Vec<_> = std::fs::read_dir(p.path(".fintech/build"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".zip"))
        .collect();
    assert_eq!(zips.len(), 1, "one zip for both functions: {zips:?}");
    std::fs::read(zips[0].path()).unwrap()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_bundled_app_is_built_packaged_and_shipped_once() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    // The real payload: app/backend with its dependencies for Lambda, app/frontend built by npm
    // (the repo's app/, linked into the project: payload paths stay in the project directory).
    std::fs::remove_dir_all(p.path("app")).unwrap();
    std::os::unix::fs::symlink(repo().join("app"), p.path("app")).unwrap();
    p.edit(
        "stacks/common.yaml",
        "    source: ${payload.site}\n",
        "    source: ${payload.site}\n    build: ${payload.frontend}\n",
    );
    let run = p.run(&["deploy", "--yes"]).expect(0);
    assert!(
        run.stderr().contains("api: packaged in") || run.stderr().contains("site: packaged in"),
        "{}",
        run.stderr()
    );

    // The code Lambda holds is, byte for byte, the zip built here. moto quirk: `Code.Location` is a
    // URL on amazonaws.com that cannot be fetched, so the proof is what Lambda computed from the
    // bytes it received: CodeSha256 (base64 of their SHA-256, as on AWS) and CodeSize.
    let zip = built_zip(&p);
    let held = p.py(
        "import base64\n\
         cfg = {f: c('lambda').get_function(FunctionName='fintech-tracker-dev-' + f)['Configuration'] for f in ['api', 'ingest']}\n\
         out({f: [base64.b64decode(v['CodeSha256']).hex(), v['CodeSize']] for f, v in cfg.items()})",
    );
    assert_eq!(
        held["api"],
        serde_json::json!([sha256_hex(&zip), zip.len()])
    );
    assert_eq!(
        held["ingest"],
        serde_json::json!([sha256_hex(&zip), zip.len()])
    );
    let names: Vec<String> = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&zip)).unwrap();
        (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().to_string())
            .collect()
    };
    for want in [
        "lambda_handler.py",
        "ingest.py",
        "app/main.py",
        "fastapi/__init__.py",
        "mangum/__init__.py",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in the zip");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("tests/")
            || n.contains("__pycache__")
            || n.starts_with(".venv")),
        "no tests or caches shipped"
    );
    assert!(
        names
            .iter()
            .any(|n| n.contains("pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so")),
        "dependencies are built for Lambda's Python 3.12 on x86_64"
    );

    // The bucket holds the exported site, with types and cache headers by kind.
    let site = p.py(&format!(
        "s3 = c('s3')\n\
         keys = sorted(o['Key'] for o in s3.list_objects_v2(Bucket='{SITE_BUCKET}')['Contents'])\n\
         js = [k for k in keys if k.startswith('_next/static/') and k.endswith('.js')][0]\n\
         h = s3.head_object(Bucket='{SITE_BUCKET}', Key='index.html')\n\
         j = s3.head_object(Bucket='{SITE_BUCKET}', Key=js)\n\
         out({{'keys': keys, 'html': [h['ContentType'], h['CacheControl']], 'js': [j['ContentType'], j['CacheControl']]}})"
    ));
    assert_eq!(
        site["keys"],
        serde_json::json!(files_under(&repo().join("app/frontend/out")))
    );
    assert_eq!(
        site["html"],
        serde_json::json!(["text/html; charset=utf-8", "no-cache"])
    );
    assert_eq!(
        site["js"],
        serde_json::json!([
            "application/javascript",
            "public, max-age=31536000, immutable"
        ])
    );

    // Nothing changed: nothing is built, uploaded or updated; and losing the build directory
    // rebuilds the same bytes.
    std::fs::remove_dir_all(p.path(".fintech")).unwrap();
    moto.reset_recording();
    p.run(&["deploy", "--yes"]).expect(0);
    let mutating: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    assert!(
        mutating.is_empty(),
        "a redeploy of the same app uploaded: {mutating:?}"
    );
    assert_eq!(sha256_hex(&built_zip(&p)), sha256_hex(&zip));
}

#[test]
fn a_changed_page_uploads_and_invalidates_only_its_files() {
    let (moto, p) = deployed();
    std::fs::write(
        p.path("app/frontend/out/index.html"),
        "<html><body>Fintech Tracker v2</body></html>",
    )
    .unwrap();
    std::fs::write(p.path("app/frontend/out/about.html"), "<html>about</html>").unwrap();
    std::fs::remove_file(p.path("app/frontend/out/_next/static/chunks/app.js")).unwrap();
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("        ~ index.html: "), "{plan}");
    assert!(plan.contains("        + about.html: "), "{plan}");
    assert!(
        plan.contains("        - _next/static/chunks/app.js: "),
        "{plan}"
    );
    p.run(&["deploy", "--yes"]).expect(0);
    let mut names: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    names.sort();
    let invalidations = names
        .iter()
        .filter(|n| n.starts_with("POST /2020-05-31/distribution/") && n.ends_with("/invalidation"))
        .count();
    names.retain(|n| !n.ends_with("/invalidation"));
    assert_eq!(
        names,
        [
            format!("POST /{SITE_BUCKET}/"),
            format!("PUT /{SITE_BUCKET}/about.html"),
            format!("PUT /{SITE_BUCKET}/index.html")
        ],
        "one upload per changed file and one batch delete"
    );
    assert_eq!(invalidations, 1, "one invalidation");
    let paths = p.py(
        "cf = c('cloudfront')\n\
         d = cf.list_distributions()['DistributionList']['Items'][0]['Id']\n\
         inv = cf.list_invalidations(DistributionId=d)['InvalidationList']['Items']\n\
         out([sorted(cf.get_invalidation(DistributionId=d, Id=i['Id'])['Invalidation']['InvalidationBatch']['Paths']['Items']) for i in inv])",
    );
    assert_eq!(
        paths,
        serde_json::json!([[
            "/",
            "/_next/static/chunks/app.js",
            "/about",
            "/about.html",
            "/index.html"
        ]])
    );
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_changed_backend_file_is_one_new_zip_and_a_code_update_per_function() {
    let (moto, p) = deployed();
    let before = built_zip(&p);
    std::fs::write(
        p.path("app/backend/ingest.py"),
        "def handler(event, context):\n    return {'ingested': 1}\n",
    )
    .unwrap();
    std::fs::remove_dir_all(p.path(".fintech")).unwrap();
    let plan = p.run(&["plan"]).expect(0).stdout();
    assert!(plan.contains("code_sha256:"), "{plan}");
    p.run(&["deploy", "--yes"]).expect(0);
    let mut names: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    names.sort();
    // `api` and `ingest` are packaged from the same directory: one zip, each function's code updated.
    assert_eq!(
        names,
        [
            "PUT /2015-03-31/functions/fintech-tracker-dev-api/code",
            "PUT /2015-03-31/functions/fintech-tracker-dev-ingest/code"
        ]
    );
    assert_ne!(built_zip(&p), before);
}

#[test]
fn the_same_tree_in_another_place_and_time_packages_to_the_same_hash() {
    let moto = Moto::start();
    let (a, b) = (Project::new(&moto), Project::new(&moto));
    // Same files, other directory, other modification times.
    let f = std::fs::File::options()
        .write(true)
        .open(b.path("app/backend/ingest.py"))
        .unwrap();
    f.set_modified(
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400 * 365),
    )
    .unwrap();
    let hash = |p: &Project| {
        let out = p.run(&["package"]).expect(0).stdout();
        out.lines()
            .find(|l| l.starts_with("api:"))
            .and_then(|l| l.split("sha256 ").nth(1))
            .map(|s| s.split(')').next().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(hash(&a), hash(&b));
    assert!(moto.calls().is_empty(), "package makes no AWS call");
}

/// Replaces `rel` (`app` or `app/frontend`) in `p` with a copy of the repo's sources there, as a
/// fresh clone has them (no node_modules, no build, no virtualenv), and has the deploy build the
/// frontend.
fn fresh_checkout(p: &Project, rel: &str) {
    std::fs::remove_dir_all(p.path(rel)).unwrap();
    std::fs::create_dir_all(p.path(rel)).unwrap();
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            "tar -C \"$1\" --exclude=node_modules --exclude=out --exclude=.next --exclude=.venv \
             --exclude=__pycache__ --exclude=.pytest_cache -cf - . | tar -C \"$2\" -xf -",
            "copy",
        ])
        .arg(repo().join(rel))
        .arg(p.path(rel))
        .status()
        .unwrap();
    assert!(status.success());
    p.edit(
        "stacks/common.yaml",
        "    source: ${payload.site}\n",
        "    source: ${payload.site}\n    build: ${payload.frontend}\n",
    );
}

#[test]
fn the_same_sources_deployed_from_another_checkout_upload_nothing() {
    // A laptop deploys, then a CI runner deploys the same commit from another directory, with
    // fresh modification times: the site exports the same files, the zip has the same hash.
    let moto = Moto::start();
    let (laptop, runner) = (Project::new(&moto), Project::new(&moto));
    fresh_checkout(&laptop, "app");
    laptop.run(&["deploy", "--yes"]).expect(0);
    fresh_checkout(&runner, "app");
    moto.reset_recording();
    let run = runner.run(&["deploy", "--yes"]).expect(0);
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}\n{}",
        moto.mutating_calls(),
        run.stderr()
    );
    let export = |p: &Project| {
        let dir = p.path("app/frontend/out");
        files_under(&dir)
            .into_iter()
            .map(|f| (sha256_hex(&std::fs::read(dir.join(&f)).unwrap()), f))
            .collect::<Vec<_>>()
    };
    assert_eq!(export(&laptop), export(&runner));
    assert!(
        export(&runner)
            .iter()
            .any(|(_, f)| f.starts_with("_next/static/chunks/"))
    );
}

#[test]
fn a_zip_over_the_direct_upload_limit_goes_through_the_artifact_bucket() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    // 51 MB that does not compress.
    let mut data = vec![0u8; 51 * 1024 * 1024];
    let mut x: u64 = 0x9E3779B97F4A7C15;
    for chunk in data.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    std::fs::write(p.path("app/backend/model.bin"), &data).unwrap();
    p.run(&["deploy", "--yes"]).expect(0);
    let calls: Vec<String> = moto.mutating_calls().iter().map(|c| c.name()).collect();
    let uploads: Vec<&String> = calls
        .iter()
        .filter(|c| {
            c.starts_with("PUT /fintech-tracker-dev-artifacts-123456789012-us-east-1/lambda/")
        })
        .collect();
    assert_eq!(uploads.len(), 2, "one upload per function: {calls:?}");
    let size = p.py("out(c('lambda').get_function(FunctionName='fintech-tracker-dev-api')['Configuration']['CodeSize'])");
    assert!(size.as_u64().unwrap() > 50 * 1024 * 1024, "{size}");
    moto.reset_recording();
    p.run(&["deploy", "--yes"]).expect(0);
    assert!(
        moto.mutating_calls().is_empty(),
        "{:?}",
        moto.mutating_calls()
    );
}

/// Processes whose working directory is `dir` (an npm that outlived the run would be one).
fn processes_in(dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter(|e| std::fs::read_link(e.path().join("cwd")).is_ok_and(|c| c == dir))
        .map(|e| {
            std::fs::read_to_string(e.path().join("cmdline"))
                .unwrap_or_default()
                .replace('\0', " ")
        })
        .collect()
}

#[test]
fn a_run_killed_while_npm_installs_leaves_no_npm_behind_and_the_next_build_succeeds() {
    let moto = Moto::start();
    let mut p = Project::new(&moto);
    // A build root of its own: npm installs from nothing, and nothing else builds there.
    let root = tempfile::tempdir().unwrap();
    p.env.push((
        "FINTECH_FRONTEND_BUILD_ROOT".into(),
        root.path().to_string_lossy().into(),
    ));
    // The bundled frontend's sources, with no node_modules and no build.
    fresh_checkout(&p, "app/frontend");
    let frontend = p.path("app/frontend");
    let mut run = p.spawn(&["package"]);
    let work = || {
        std::fs::read_dir(root.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir())
    };
    let start = std::time::Instant::now();
    while work().map_or(0, |w| {
        std::fs::read_dir(w.join("node_modules")).map_or(0, |d| d.count())
    }) < 20
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(300),
            "npm ci never started writing node_modules"
        );
        assert!(
            run.try_wait().unwrap().is_none(),
            "package ended before npm wrote anything"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run.kill().unwrap();
    run.wait().unwrap();
    // The kernel kills npm with fintech: nothing goes on writing node_modules.
    let work = work().unwrap();
    let start = std::time::Instant::now();
    while !processes_in(&work).is_empty() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "still running after fintech was killed: {:?}",
            processes_in(&work)
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = p.run(&["package"]).expect(0).stdout();
    assert!(out.contains("site:"), "{out}");
    assert!(frontend.join("out/index.html").is_file());
    assert!(work.join("node_modules/.fintech-lock.sha256").is_file());
    assert!(
        !frontend.join("node_modules").exists(),
        "built in the build root, not in the project"
    );
}
