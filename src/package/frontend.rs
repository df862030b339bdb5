//! The frontend build: `npm ci` when its dependencies changed, then `npm run build`, skipped when the
//! sources are the ones the last build was made from. The build id is a hash of the sources, so the
//! same sources always export the same files. One build of a directory at a time (two stages
//! deployed at once share it), and a `node_modules` that a killed `npm ci` left half-written is
//! thrown away and installed again.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// Directories that are build products, caches or local environments, not sources (a backend's
/// virtualenv and test caches too: running its tests must not change its image tag).
const NOT_SOURCES: &[&str] = &[
    "node_modules",
    ".next",
    "out",
    ".turbo",
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".fintech",
];

/// A hash of every source file of `dir` (paths and contents; each file's hash remembered by
/// `hashes`, so an unchanged tree is not read again).
pub fn source_hash(dir: &Path) -> Result<String> {
    let mut h = Sha256::new();
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !NOT_SOURCES.contains(&e.file_name().to_string_lossy().as_ref())
        });
    for e in walk {
        let e = e.with_context(|| format!("reading {}", dir.display()))?;
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).expect("under dir");
            h.update(rel.to_string_lossy().as_bytes());
            h.update([0]);
            h.update(super::hashes::of(e.path(), super::hashes::Algo::Sha256)?.as_bytes());
            h.update([0]);
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// Builds `dir` into `out` unless `stamp` says `out` came from the same sources. Returns whether it built.
pub fn build(dir: &Path, out: &Path, stamp: &Path) -> Result<bool> {
    if !dir.join("package.json").is_file() {
        bail!("{} has no package.json to build", dir.display());
    }
    let hash = source_hash(dir)?;
    let built = || out.is_dir() && std::fs::read_to_string(stamp).is_ok_and(|s| s.trim() == hash);
    if built() {
        return Ok(false);
    }
    let _held = super::scratch::Exclusive::take(&stamp.with_extension("lock"))?;
    // Built meanwhile by the run that held the lock.
    if built() {
        return Ok(false);
    }
    let lock = dir.join("package-lock.json");
    let lock_hash = match std::fs::read(&lock) {
        Ok(b) => hex::encode(Sha256::digest(b)),
        Err(_) => String::new(),
    };
    let deps_stamp = dir.join("node_modules").join(".fintech-lock.sha256");
    if std::fs::read_to_string(&deps_stamp)
        .map(|s| s.trim() != lock_hash)
        .unwrap_or(true)
    {
        // No stamp: npm never finished here (killed half-way) or someone else's install; npm ci
        // would remove it too, but a leftover it cannot remove ends in ENOTEMPTY.
        super::scratch::remove_dir(&dir.join("node_modules"))?;
        let verb = if lock.is_file() { "ci" } else { "install" };
        npm(
            dir,
            &[verb, "--no-audit", "--no-fund", "--loglevel=error"],
            &hash,
        )?;
        std::fs::write(&deps_stamp, &lock_hash)?;
    }
    npm(dir, &["run", "build"], &hash)?;
    if !out.is_dir() {
        bail!(
            "`npm run build` in {} did not produce {}",
            dir.display(),
            out.display()
        );
    }
    std::fs::create_dir_all(stamp.parent().expect("stamp has a parent"))?;
    std::fs::write(stamp, &hash)?;
    Ok(true)
}

fn npm(dir: &Path, args: &[&str], hash: &str) -> Result<()> {
    let mut cmd = Command::new("npm");
    cmd.args(args)
        .current_dir(dir)
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .env("FINTECH_BUILD_ID", &hash[..16]);
    let out =
        super::child::output(&mut cmd, None).context("running npm (is Node.js installed?)")?;
    if !out.status.success() {
        bail!(
            "`npm {}` failed in {}:\n{}{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_hash_ignores_build_products_and_follows_sources() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("app")).unwrap();
        std::fs::create_dir_all(d.path().join("node_modules/x")).unwrap();
        std::fs::write(d.path().join("app/page.js"), "a").unwrap();
        let h1 = source_hash(d.path()).unwrap();
        std::fs::write(d.path().join("node_modules/x/i.js"), "b").unwrap();
        std::fs::create_dir_all(d.path().join("out")).unwrap();
        std::fs::write(d.path().join("out/index.html"), "c").unwrap();
        assert_eq!(h1, source_hash(d.path()).unwrap());
        std::fs::write(d.path().join("app/page.js"), "changed").unwrap();
        assert_ne!(h1, source_hash(d.path()).unwrap());
    }
}
