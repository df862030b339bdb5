//! Reproducible image layers: a gzipped tar of files under a directory of the image, entries
//! sorted, every parent directory listed, times fixed at 0, owned by root, modes 0644 (0755 for
//! directories and executables), so the same files give the same bytes and digest on any machine.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::{Compression, GzBuilder};
use serde::{Deserialize, Serialize};

use super::store::Blobs;

/// A layer: the digest of its gzipped bytes, of its tar (the image config's `diff_id`) and its size.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Layer {
    pub digest: String,
    pub diff_id: String,
    pub size: u64,
}

/// What a layer of `files` will be, without building it: the layer's `kind`, the format's
/// version, each path with its content hash and whether it is executable (the only mode kept).
pub fn key(kind: &str, files: &[(String, PathBuf)]) -> Result<String> {
    let mut exec = String::new();
    for (_, p) in files {
        let m = std::fs::metadata(p).with_context(|| format!("reading {}", p.display()))?;
        exec.push(if m.permissions().mode() & 0o111 != 0 {
            'x'
        } else {
            '-'
        });
    }
    let entries = crate::package::zip::key(files)?;
    Ok(crate::package::digest_hex(
        format!("{kind}-layer-2\0{entries}\0{exec}").as_bytes(),
    ))
}

/// The layer of `files` (path in the image without the leading `/`, path on disk), built only
/// when no layer of the same `key` was (its record says which blob it is): an unchanged rebuild
/// compresses nothing.
pub fn layer(key: &str, files: &[(String, PathBuf)], blobs: &Blobs) -> Result<Layer> {
    let record = blobs.records().join(format!("layer-{}.json", &key[..32]));
    if let Some(l) = std::fs::read(&record)
        .ok()
        .and_then(|b| serde_json::from_slice::<Layer>(&b).ok())
        .filter(|l| blobs.has(&l.digest))
    {
        return Ok(l);
    }
    let tar = tar_of(files)?;
    let diff_id = format!("sha256:{}", crate::package::digest_hex(&tar));
    let gz = gzip(&tar)?;
    let digest = blobs.put(&gz)?;
    let l = Layer {
        digest,
        diff_id,
        size: gz.len() as u64,
    };
    crate::package::scratch::write_whole(&record, |tmp| {
        std::fs::write(tmp, serde_json::to_vec(&l)?).map_err(Into::into)
    })?;
    Ok(l)
}

/// The tar of `files` with their parent directories, sorted, with fixed metadata.
pub fn tar_of(files: &[(String, PathBuf)]) -> Result<Vec<u8>> {
    let mut dirs = BTreeSet::new();
    for (name, _) in files {
        let mut at = name.as_str();
        while let Some((parent, _)) = at.rsplit_once('/') {
            dirs.insert(format!("{parent}/"));
            at = parent;
        }
    }
    let mut entries: Vec<(&str, Option<&Path>)> = dirs.iter().map(|d| (d.as_str(), None)).collect();
    entries.extend(files.iter().map(|(n, p)| (n.as_str(), Some(p.as_path()))));
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut t = tar::Builder::new(Vec::new());
    for (name, path) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username("root")?;
        h.set_groupname("root")?;
        match path {
            None => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                t.append_data(&mut h, name, std::io::empty())?;
            }
            Some(p) => {
                let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
                let exec = std::fs::metadata(p)?.permissions().mode() & 0o111 != 0;
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(if exec { 0o755 } else { 0o644 });
                h.set_size(bytes.len() as u64);
                t.append_data(&mut h, name, bytes.as_slice())?;
            }
        }
    }
    Ok(t.into_inner()?)
}

/// `bytes` gzipped with a fixed header (no name, time 0) at level 6.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut gz = GzBuilder::new()
        .mtime(0)
        .operating_system(3)
        .write(Vec::new(), Compression::new(6));
    gz.write_all(bytes)?;
    Ok(gz.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_files_give_the_same_layer_whatever_their_times_and_the_tar_lists_parents() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for (d, t) in [(&a, 1_000_000_000), (&b, 1_700_000_000)] {
            std::fs::create_dir_all(d.path().join("app")).unwrap();
            std::fs::write(d.path().join("app/main.py"), "x = 1\n").unwrap();
            let f = std::fs::File::options()
                .write(true)
                .open(d.path().join("app/main.py"))
                .unwrap();
            f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t))
                .unwrap();
        }
        let files = |d: &Path| vec![("srv/app/main.py".to_string(), d.join("app/main.py"))];
        let (ta, tb) = (
            tar_of(&files(a.path())).unwrap(),
            tar_of(&files(b.path())).unwrap(),
        );
        assert_eq!(ta, tb);
        assert_eq!(gzip(&ta).unwrap(), gzip(&tb).unwrap());
        let mut names = Vec::new();
        for e in tar::Archive::new(ta.as_slice()).entries().unwrap() {
            let e = e.unwrap();
            let h = e.header();
            assert_eq!((h.mtime().unwrap(), h.uid().unwrap()), (0, 0));
            names.push(e.path().unwrap().to_string_lossy().to_string());
        }
        assert_eq!(names, ["srv/", "srv/app/", "srv/app/main.py"]);
    }
}
