//! Content-addressed blob stores: the user's cache (base image layers, built layers, shared by
//! every project) and a project's OCI image layout under `.fintech/image`, which links to it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Value, json};

/// A directory of blobs named by digest (`blobs/sha256/<hex>`), written whole or not at all.
pub struct Blobs {
    root: PathBuf,
}

impl Blobs {
    pub fn at(root: &Path) -> Blobs {
        Blobs {
            root: root.to_path_buf(),
        }
    }

    /// The user's cache of blobs.
    pub fn cache() -> Blobs {
        Blobs::at(&crate::package::cache_dir().join("image"))
    }

    /// Where the records of built layers and resolved base images are kept.
    pub fn records(&self) -> PathBuf {
        self.root.join("records")
    }

    /// The file of blob `digest` (`sha256:<hex>`).
    pub fn path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.root.join("blobs").join("sha256").join(hex)
    }

    pub fn has(&self, digest: &str) -> bool {
        self.path(digest).is_file()
    }

    /// Stores `bytes`; returns their digest.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let digest = format!("sha256:{}", crate::package::digest_hex(bytes));
        let path = self.path(&digest);
        if !path.is_file() {
            std::fs::create_dir_all(path.parent().expect("in blobs/sha256"))?;
            let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
            std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(digest)
    }

    /// Makes blob `digest` of `from` one of these too: a hard link, or a copy across file systems.
    pub fn link_from(&self, from: &Blobs, digest: &str) -> Result<()> {
        let (src, dest) = (from.path(digest), self.path(digest));
        if dest.is_file() {
            return Ok(());
        }
        std::fs::create_dir_all(dest.parent().expect("in blobs/sha256"))?;
        let tmp = dest.with_extension(format!("{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        if std::fs::hard_link(&src, &tmp).is_err() {
            std::fs::copy(&src, &tmp).with_context(|| format!("copying {}", src.display()))?;
        }
        std::fs::rename(&tmp, &dest).with_context(|| format!("writing {}", dest.display()))?;
        Ok(())
    }

    pub fn read(&self, digest: &str) -> Result<Vec<u8>> {
        let p = self.path(digest);
        std::fs::read(&p).with_context(|| format!("reading {}", p.display()))
    }
}

/// Names the manifest `digest` (of `size` bytes) `name` in the OCI image layout at `root` (its
/// `oci-layout` and `index.json`; one entry per name, the last build's).
pub fn tag_in_layout(root: &Path, name: &str, digest: &str, size: usize) -> Result<()> {
    static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(root)?;
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let path = root.join("index.json");
    const REF: &str = "org.opencontainers.image.ref.name";
    let mut manifests: Vec<Value> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v["manifests"].as_array().cloned())
        .unwrap_or_default();
    manifests.retain(|m| m["annotations"][REF] != name);
    manifests.push(json!({
        "mediaType": super::MANIFEST,
        "digest": digest,
        "size": size,
        "annotations": {REF: name},
    }));
    manifests.sort_by_key(|m| {
        m["annotations"][REF]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(&index)?)?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
