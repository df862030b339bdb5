//! Reproducible zips: sorted entries, fixed timestamps and permissions, so the same tree gives the same bytes.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use walkdir::WalkDir;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Directory and file names never packaged (tests, caches, local environments, VCS).
const SKIP: &[&str] = &[
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    "tests",
    ".git",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".fintech",
    ".complete",
    "Dockerfile",
    ".dockerignore",
    "requirements-dev.txt",
];

/// What pip writes into a `*.dist-info` directory about the install itself rather than the package
/// (its file list with hashes, the installer's name, how it was requested). Nothing reads them at
/// run time, and they depend on the pip that installed them: zips leave them out, so the same
/// sources and requirements give the same zip on any machine.
const INSTALL_RECORDS: &[&str] = &["RECORD", "INSTALLER", "REQUESTED", "direct_url.json"];

fn is_install_record(e: &walkdir::DirEntry) -> bool {
    INSTALL_RECORDS.contains(&e.file_name().to_string_lossy().as_ref())
        && e.path()
            .parent()
            .and_then(|p| p.extension())
            .is_some_and(|x| x == "dist-info")
}

/// Files of `dir` as (path in the zip, path on disk), sorted by zip path.
pub fn files(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>> {
    let mut out = Vec::new();
    let walk = WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(SKIP.contains(&name.as_ref())
                    || name.ends_with(".pyc")
                    || is_install_record(e))
        });
    for entry in walk {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).expect("under dir");
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, entry.path().to_path_buf()));
        }
    }
    out.sort();
    Ok(out)
}

/// The installed dependencies in `deps` to package: all but the console scripts pip writes into
/// `bin/`, whose first line names the Python of the machine that installed them (so they would
/// differ from machine to machine, and could not run on the target anyway).
pub fn dependency_files(deps: &Path) -> Result<Vec<(String, std::path::PathBuf)>> {
    let mut all = files(deps)?;
    all.retain(|(name, _)| !name.starts_with("bin/"));
    Ok(all)
}

/// What a zip of `src` holds (and, at its root, the installed dependencies in `deps`): (path in
/// the zip, path on disk), sorted. Files of `src` win over dependencies of the same path.
pub fn entries(src: &Path, deps: Option<&Path>) -> Result<Vec<(String, std::path::PathBuf)>> {
    let mut entries = files(src)?;
    if let Some(d) = deps {
        let own: std::collections::BTreeSet<String> =
            entries.iter().map(|(n, _)| n.clone()).collect();
        entries.extend(
            dependency_files(d)?
                .into_iter()
                .filter(|(n, _)| !own.contains(n)),
        );
        entries.sort();
    }
    Ok(entries)
}

/// What the zip of `entries` will be, without building it: a hash of each entry's path and
/// content hash (remembered per file by `hashes`). The zip's bytes follow from these alone
/// (fixed times and permissions), so equal keys are equal zips.
pub fn key(entries: &[(String, std::path::PathBuf)]) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"fintech-zip-1\0");
    for (name, path) in entries {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(super::hashes::of(path, super::hashes::Algo::Sha256)?.as_bytes());
        h.update([0]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Zips `entries` reproducibly.
pub fn build_from(entries: Vec<(String, std::path::PathBuf)>) -> Result<Vec<u8>> {
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, path) in entries {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        zip.start_file(name, opts)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(src: &Path, deps: Option<&Path>) -> Result<Vec<u8>> {
        build_from(entries(src, deps)?)
    }

    fn tree(dir: &Path, stamp: bool) {
        std::fs::create_dir_all(dir.join("app/sub")).unwrap();
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::create_dir_all(dir.join("__pycache__")).unwrap();
        std::fs::write(dir.join("app/sub/b.py"), "b = 2\n").unwrap();
        std::fs::write(dir.join("app/a.py"), "a = 1\n").unwrap();
        std::fs::write(dir.join("lambda_handler.py"), "handler = None\n").unwrap();
        std::fs::write(dir.join("tests/test_x.py"), "x").unwrap();
        std::fs::write(dir.join("__pycache__/a.pyc"), "x").unwrap();
        if stamp {
            let f = std::fs::File::options()
                .write(true)
                .open(dir.join("app/a.py"))
                .unwrap();
            f.set_modified(
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000),
            )
            .unwrap();
        }
    }

    #[test]
    fn same_tree_in_other_places_and_times_gives_the_same_bytes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        tree(a.path(), false);
        tree(&b.path().join("elsewhere"), true);
        let za = build(a.path(), None).unwrap();
        let zb = build(&b.path().join("elsewhere"), None).unwrap();
        assert_eq!(
            crate::package::digest_hex(&za),
            crate::package::digest_hex(&zb)
        );
        let names: Vec<String> = files(a.path())
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["app/a.py", "app/sub/b.py", "lambda_handler.py"]);
    }

    #[test]
    fn pips_install_records_are_left_out_and_package_metadata_kept() {
        let deps = tempfile::tempdir().unwrap();
        let info = deps.path().join("fastapi-0.115.0.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        for f in [
            "RECORD",
            "INSTALLER",
            "REQUESTED",
            "METADATA",
            "entry_points.txt",
        ] {
            std::fs::write(info.join(f), f).unwrap();
        }
        std::fs::create_dir_all(deps.path().join("fastapi")).unwrap();
        std::fs::write(deps.path().join("fastapi/RECORD"), "a module's own file").unwrap();
        let names: Vec<String> = files(deps.path())
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "fastapi-0.115.0.dist-info/METADATA",
                "fastapi-0.115.0.dist-info/entry_points.txt",
                "fastapi/RECORD",
            ]
        );
    }

    #[test]
    fn a_changed_file_changes_the_hash() {
        let a = tempfile::tempdir().unwrap();
        tree(a.path(), false);
        let before = build(a.path(), None).unwrap();
        std::fs::write(a.path().join("app/a.py"), "a = 3\n").unwrap();
        assert_ne!(before, build(a.path(), None).unwrap());
    }
}
