//! Python dependencies installed for the Lambda platform (not the build machine's), cached by their inputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Installs `requirements.txt` of `src` for `runtime`/`arch` into a cache directory and returns it
/// (None when there is no requirements file). `offline` uses only what is cached.
pub fn install(src: &Path, runtime: &str, arch: &str, offline: bool) -> Result<Option<PathBuf>> {
    let req = src.join("requirements.txt");
    if !req.is_file() {
        return Ok(None);
    }
    let text = std::fs::read(&req).with_context(|| format!("reading {}", req.display()))?;
    let platform = if arch == "arm64" {
        "manylinux2014_aarch64"
    } else {
        "manylinux2014_x86_64"
    };
    let py = runtime.trim_start_matches("python");
    let key =
        crate::package::digest_hex(&[text.as_slice(), platform.as_bytes(), py.as_bytes()].concat());
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
    pip.args([
        "-m",
        "pip",
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
        py,
    ])
    .args(["--only-binary=:all:", "--target"])
    .arg(&tmp)
    .arg("-r")
    .arg(&req);
    let out =
        super::child::output(&mut pip, None).with_context(|| format!("running {python} -m pip"))?;
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

fn cache_root() -> PathBuf {
    super::cache_dir().join("deps")
}
