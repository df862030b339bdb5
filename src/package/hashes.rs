//! Content hashes of files, remembered by what the file system says of them (size, modification
//! and change times, inode), so that an unchanged file is read and hashed once per machine, not on
//! every plan: a no-op run reads metadata only. The memory is one JSON file in the user's cache
//! directory, written atomically; a file whose metadata changed in any way is hashed again.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use md5::Md5;
use sha2::{Digest, Sha256};

/// Which hash: SHA-256 (artifact keys) or MD5 (S3 ETags of site files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algo {
    Sha256,
    Md5,
}

impl Algo {
    fn name(self) -> &'static str {
        match self {
            Algo::Sha256 => "sha256",
            Algo::Md5 => "md5",
        }
    }
}

/// What identifies a file's content without reading it.
fn stamp(m: &std::fs::Metadata) -> String {
    format!(
        "{}:{}.{}:{}.{}:{}:{}",
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.ino(),
        m.dev()
    )
}

struct Memory {
    /// "algo path" -> (stamp, hex digest)
    known: BTreeMap<String, (String, String)>,
    loaded: bool,
    changed: bool,
}

static MEMORY: Mutex<Memory> = Mutex::new(Memory {
    known: BTreeMap::new(),
    loaded: false,
    changed: false,
});

fn file() -> PathBuf {
    super::cache_dir().join("file-hashes.json")
}

fn load(m: &mut Memory) {
    if m.loaded {
        return;
    }
    m.loaded = true;
    if let Ok(text) = std::fs::read_to_string(file()) {
        m.known = serde_json::from_str(&text).unwrap_or_default();
    }
}

/// The hex digest of `path`'s content, from memory when its metadata is unchanged.
pub fn of(path: &Path, algo: Algo) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let key = format!("{} {}", algo.name(), path.display());
    let now = stamp(&meta);
    {
        let mut m = MEMORY.lock().unwrap_or_else(|e| e.into_inner());
        load(&mut m);
        if let Some((s, h)) = m.known.get(&key)
            && *s == now
        {
            return Ok(h.clone());
        }
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let hex = match algo {
        Algo::Sha256 => hex::encode(Sha256::digest(&bytes)),
        Algo::Md5 => hex::encode(Md5::digest(&bytes)),
    };
    // A file changed within the last seconds may change again within its timestamps' granularity,
    // keeping its stamp: not remembered until it has been still for a while (git does the same).
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if secs - meta.mtime() > 2 && secs - meta.ctime() > 2 {
        let mut m = MEMORY.lock().unwrap_or_else(|e| e.into_inner());
        m.known.insert(key, (now, hex.clone()));
        m.changed = true;
    }
    Ok(hex)
}

/// Writes what was learnt to the cache file (atomically: a temporary file renamed into place).
/// Losing it costs only hashing again, so a failure to write is not an error.
pub fn save() {
    let mut m = MEMORY.lock().unwrap_or_else(|e| e.into_inner());
    if !m.changed {
        return;
    }
    let bytes = serde_json::to_vec(&m.known).unwrap_or_default();
    if super::scratch::write_whole(&file(), |tmp| Ok(std::fs::write(tmp, &bytes)?)).is_ok() {
        m.changed = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_hashed_again_and_an_unchanged_one_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        std::fs::write(&f, "one").unwrap();
        let first = of(&f, Algo::Sha256).unwrap();
        assert_eq!(first, hex::encode(Sha256::digest(b"one")));
        assert_eq!(of(&f, Algo::Md5).unwrap(), hex::encode(Md5::digest(b"one")));
        // Same size, new content: the times change, so it is hashed again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&f, "two").unwrap();
        assert_eq!(
            of(&f, Algo::Sha256).unwrap(),
            hex::encode(Sha256::digest(b"two"))
        );
        // Just written: not remembered (its stamp could still hide a change).
        let key = format!("sha256 {}", f.display());
        assert!(!MEMORY.lock().unwrap().known.contains_key(&key));
    }
}
