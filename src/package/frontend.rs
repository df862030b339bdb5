//! The frontend build: `npm ci` when its dependencies changed, then `npm run build`, skipped when the
//! sources are the ones the last build was made from, in a directory whose path is the same on every
//! machine. The build id is a hash of the sources, so the same sources export the same files wherever
//! they are built. One build of a directory at a time (two stages or two checkouts share it), and a
//! `node_modules` that a killed `npm ci` left half-written is thrown away and installed again.

use std::path::{Path, PathBuf};
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
    for e in sources(dir) {
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

/// Builds `dir` into `out` unless `stamp` says `out` came from the same sources. Returns whether it
/// built.
///
/// The build runs in [`work_dir`], not in `dir`: Next.js names chunks after absolute paths, so the
/// same sources built in two checkouts (a laptop, then a CI runner) would export different files and
/// the second deploy would upload the site again. The sources are copied there, built, and the
/// export copied back to `out`.
pub fn build(dir: &Path, out: &Path, stamp: &Path) -> Result<bool> {
    if !dir.join("package.json").is_file() {
        bail!("{} has no package.json to build", dir.display());
    }
    let hash = source_hash(dir)?;
    let built = || out.is_dir() && std::fs::read_to_string(stamp).is_ok_and(|s| s.trim() == hash);
    if built() {
        return Ok(false);
    }
    let lock = dir.join("package-lock.json");
    let lock_hash = match std::fs::read(&lock) {
        Ok(b) => hex::encode(Sha256::digest(b)),
        Err(_) => String::new(),
    };
    let work = work_dir(&lock_hash)?;
    // One build per work directory (two stages, or two checkouts of one app, share it).
    let _held = super::scratch::Exclusive::take(&work.with_extension("lock"))?;
    // Built meanwhile by the run that held the lock.
    if built() {
        return Ok(false);
    }
    sync(dir, &work)?;
    let deps_stamp = work.join("node_modules").join(".fintech-lock.sha256");
    if std::fs::read_to_string(&deps_stamp)
        .map(|s| s.trim() != lock_hash)
        .unwrap_or(true)
    {
        // No stamp: npm never finished here (killed half-way) or someone else's install; npm ci
        // would remove it too, but a leftover it cannot remove ends in ENOTEMPTY.
        super::scratch::remove_dir(&work.join("node_modules"))?;
        let verb = if lock.is_file() { "ci" } else { "install" };
        npm(
            &work,
            &[verb, "--no-audit", "--no-fund", "--loglevel=error"],
            &hash,
        )?;
        std::fs::write(&deps_stamp, &lock_hash)?;
    }
    let Ok(rel_out) = out.strip_prefix(dir) else {
        bail!(
            "the site {} is not inside the frontend {} that builds it",
            out.display(),
            dir.display()
        );
    };
    let exported = work.join(rel_out);
    super::scratch::remove_dir(&exported)?;
    npm(&work, &["run", "build"], &hash)?;
    if !exported.is_dir() {
        bail!(
            "`npm run build` of {} (built in {}) did not produce {}",
            dir.display(),
            work.display(),
            rel_out.display()
        );
    }
    super::scratch::remove_dir(out)?;
    copy_tree(&exported, out)?;
    std::fs::create_dir_all(stamp.parent().expect("stamp has a parent"))?;
    std::fs::write(stamp, &hash)?;
    Ok(true)
}

/// Where a frontend is built: `FINTECH_FRONTEND_BUILD_ROOT` (default `/tmp/fintech-frontend`, a path
/// every Linux and macOS machine has), then the first 16 hex digits of the lock file's hash, so
/// `node_modules` is installed once per set of dependencies and kept between builds. A directory
/// there that is not this user's alone (another user made it first, or it is open to others) is
/// not used: the build falls back to the user's cache, where the export is still correct but may
/// not match one built elsewhere.
fn work_dir(lock_hash: &str) -> Result<PathBuf> {
    let root = std::env::var_os("FINTECH_FRONTEND_BUILD_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/fintech-frontend"));
    let name = if lock_hash.is_empty() {
        "no-lock"
    } else {
        &lock_hash[..16]
    };
    let shared = root.join(name);
    if private_dir(&shared) {
        return Ok(shared);
    }
    let own = super::cache_dir().join("frontend").join(name);
    std::fs::create_dir_all(&own).with_context(|| format!("creating {}", own.display()))?;
    Ok(own)
}

/// Whether `dir` exists (created if not, readable by its owner only) and belongs to this user with
/// no write access for anyone else: what a shared `/tmp` needs before code is run from it.
fn private_dir(dir: &Path) -> bool {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    if let Some(parent) = dir.parent() {
        // The root is shared by every user: sticky and open, like /tmp itself.
        if std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o1777)
            .create(parent)
            .is_err()
        {
            return false;
        }
    }
    let _ = std::fs::DirBuilder::new().mode(0o700).create(dir);
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    std::fs::symlink_metadata(dir)
        .is_ok_and(|m| m.is_dir() && m.uid() == me && m.mode() & 0o022 == 0)
}

/// Makes `work` hold `dir`'s sources: files copied when their contents differ (hashes remembered,
/// as for [`source_hash`]; an unchanged copy keeps its times, and Next.js its build cache), files
/// `dir` no longer has removed; build products and `node_modules` left as they are.
fn sync(dir: &Path, work: &Path) -> Result<()> {
    let mut wanted = std::collections::BTreeSet::new();
    for e in sources(dir) {
        let e = e.with_context(|| format!("reading {}", dir.display()))?;
        let rel = e.path().strip_prefix(dir).expect("under dir").to_path_buf();
        let to = work.join(&rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).with_context(|| format!("creating {}", to.display()))?;
        } else if !same_content(e.path(), &to)? {
            std::fs::copy(e.path(), &to).with_context(|| format!("copying to {}", to.display()))?;
        }
        wanted.insert(rel);
    }
    let stale: Vec<PathBuf> = sources(work)
        .filter_map(|e| e.ok())
        .filter(|e| e.depth() > 0)
        .map(|e| {
            e.path()
                .strip_prefix(work)
                .expect("under work")
                .to_path_buf()
        })
        .filter(|rel| !wanted.contains(rel))
        .collect();
    for rel in stale {
        let p = work.join(rel);
        if p.is_dir() {
            super::scratch::remove_dir(&p)?;
        } else if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    Ok(())
}

/// Whether `copy` exists with `file`'s content.
fn same_content(file: &Path, copy: &Path) -> Result<bool> {
    use super::hashes::{Algo, of};
    Ok(copy.is_file() && of(file, Algo::Sha256)? == of(copy, Algo::Sha256)?)
}

/// Every entry of `dir` that is a source (build products and caches skipped), sorted.
fn sources(dir: &Path) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !NOT_SOURCES.contains(&e.file_name().to_string_lossy().as_ref())
        })
}

/// Copies the tree `from` to `to` (which must not exist).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for e in walkdir::WalkDir::new(from) {
        let e = e.with_context(|| format!("reading {}", from.display()))?;
        let dest = to.join(e.path().strip_prefix(from).expect("under from"));
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest)
                .with_context(|| format!("creating {}", dest.display()))?;
        } else {
            std::fs::copy(e.path(), &dest)
                .with_context(|| format!("copying to {}", dest.display()))?;
        }
    }
    Ok(())
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

    #[test]
    fn the_work_directory_gets_the_sources_and_loses_what_they_no_longer_have() {
        let (src, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::create_dir_all(src.path().join("app")).unwrap();
        std::fs::write(src.path().join("app/page.js"), "new").unwrap();
        std::fs::create_dir_all(work.path().join("app/gone")).unwrap();
        std::fs::write(work.path().join("app/page.js"), "old").unwrap();
        std::fs::write(work.path().join("app/gone/x.js"), "x").unwrap();
        std::fs::create_dir_all(work.path().join("node_modules/m")).unwrap();
        sync(src.path(), work.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(work.path().join("app/page.js")).unwrap(),
            "new"
        );
        assert!(!work.path().join("app/gone").exists());
        assert!(
            work.path().join("node_modules/m").is_dir(),
            "dependencies kept"
        );
    }

    #[test]
    fn a_build_directory_others_can_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("abc");
        assert!(private_dir(&dir));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(!private_dir(&dir));
    }
}
