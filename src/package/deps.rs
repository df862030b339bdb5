//! Python dependencies installed for the target's platform and Python (Lambda's, an image's), not
//! the build machine's, cached by their inputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Installs the requirements file `req` for `runtime` (`python3.12`, or `python3.11.2` when the
/// patch release is known) on `arch` into a cache directory and returns it (None when there is no
/// such file). `offline` uses only what is cached.
pub fn install(req: &Path, runtime: &str, arch: &str, offline: bool) -> Result<Option<PathBuf>> {
    if !req.is_file() {
        return Ok(None);
    }
    let text = requirements_text(req, 0)?;
    let platform = super::cpu(arch).wheels;
    let full = runtime.trim_start_matches("python");
    let py = full.splitn(3, '.').take(2).collect::<Vec<_>>().join(".");
    let key = crate::package::digest_hex(
        &[
            MARKERS_SALT,
            text.as_slice(),
            platform.as_bytes(),
            full.as_bytes(),
        ]
        .concat(),
    );
    let dir = cache_root().join(&key[..16]);
    if dir.join(".complete").is_file() {
        return Ok(Some(dir));
    }
    if offline {
        bail!(
            "dependencies for {} are not cached and --offline was given",
            req.display()
        );
    }
    // One install per key at a time; what a killed one left in the scratch directory goes.
    let _held = super::scratch::Exclusive::take(&dir.with_extension("lock"))?;
    if dir.join(".complete").is_file() {
        return Ok(Some(dir));
    }
    let tmp = dir.with_extension("partial");
    super::scratch::remove_dir(&tmp)?;
    let python = std::env::var("FINTECH_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut pip = Command::new(&python);
    pip.arg("-c")
        .arg(TARGET_MARKERS)
        .arg(target_environment(full, arch))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
        ])
        .args([
            "--platform",
            platform,
            "--implementation",
            "cp",
            "--python-version",
            &py,
        ])
        .args(["--only-binary=:all:", "--target"])
        .arg(&tmp)
        .arg("-r")
        .arg(req);
    let out = super::child::output(&mut pip, None)
        .with_context(|| format!("running pip with {python} (the target's markers)"))?;
    if !out.status.success() {
        bail!(
            "pip install for {platform} failed:\n{}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    // pip's install records (RECORD, INSTALLER, ...) stay here; the zip leaves them out (zip.rs).
    std::fs::write(tmp.join(".complete"), key.as_bytes())?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&tmp, &dir).with_context(|| format!("moving {} into place", dir.display()))?;
    Ok(Some(dir))
}

/// pip run with the target's environment markers. pip reads `--platform` and `--python-version`
/// for wheel tags and Requires-Python only: markers (`async-timeout; python_full_version <
/// "3.11.3"`, `greenlet; platform_machine == "x86_64"`) it evaluates for the interpreter running
/// it (pypa/pip#11664), so a build machine with another Python or CPU leaves out, or adds, what the
/// target needs. Here pip's own marker environment is the target's (argv[1], JSON).
const TARGET_MARKERS: &str = "import json, runpy, sys\n\
try:\n    import pip._vendor.packaging.markers as m\n\
except ImportError:\n    sys.exit('fintech: this pip has no pip._vendor.packaging.markers to evaluate markers for the target; upgrade pip (23 or later)')\n\
env = m.default_environment()\nenv.update(json.loads(sys.argv[1]))\nm.default_environment = lambda: dict(env)\n\
sys.argv = ['pip'] + sys.argv[2:]\nrunpy.run_module('pip', run_name='__main__', alter_sys=True)\n";

/// Part of the cache key of every install: installs made before pip ran with the target's
/// markers were made with the build machine's, and are not reused.
const MARKERS_SALT: &[u8] = b"target-markers-1\0";

/// The marker environment of CPython `full` (`3.12`, or `3.11.2`) on Linux `arch`. An unknown
/// patch release is taken as `.0`: a backport for early releases installed without need is
/// harmless, one left out is an ImportError.
fn target_environment(full: &str, arch: &str) -> String {
    let mut parts: Vec<&str> = full.split('.').collect();
    parts.resize(3, "0");
    let version = parts.join(".");
    serde_json::json!({
        "python_version": format!("{}.{}", parts[0], parts[1]),
        "python_full_version": version,
        "implementation_version": version,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_machine": super::cpu(arch).machine,
        "platform_system": "Linux",
        "sys_platform": "linux",
        "os_name": "posix",
    })
    .to_string()
}

/// A requirements file's text with the text of the files it includes (`-r other.txt`), so a
/// change to either is a new install.
fn requirements_text(req: &Path, depth: usize) -> Result<Vec<u8>> {
    if depth > 8 {
        bail!(
            "{}: requirements files include each other in a loop",
            req.display()
        );
    }
    let mut text = std::fs::read(req).with_context(|| format!("reading {}", req.display()))?;
    let included: Vec<PathBuf> = String::from_utf8_lossy(&text)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("-r ")
                .or_else(|| l.strip_prefix("--requirement "))
                .or_else(|| l.strip_prefix("--requirement="))
        })
        .map(|f| req.parent().unwrap_or(Path::new(".")).join(f.trim()))
        .collect();
    for f in included {
        text.extend(requirements_text(&f, depth + 1)?);
    }
    Ok(text)
}

fn cache_root() -> PathBuf {
    super::cache_dir().join("deps")
}
