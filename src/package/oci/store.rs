//! Content-addressed blob stores: the user's cache (base image layers, built layers, shared by
//! every project) and a project's OCI image layout under `.fintech/image`, which links to it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::package::scratch::write_whole;

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

    /// Whether blob `digest` is here, whole (an empty file a crash left is not).
    pub fn has(&self, digest: &str) -> bool {
        std::fs::metadata(self.path(digest)).is_ok_and(|m| m.is_file() && m.len() > 0)
    }

    /// Stores `bytes`; returns their digest.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let digest = format!("sha256:{}", crate::package::digest_hex(bytes));
        if !self.has(&digest) {
            write_whole(&self.path(&digest), |tmp| {
                std::fs::write(tmp, bytes).map_err(Into::into)
            })?;
        }
        Ok(digest)
    }

    /// Makes blob `digest` of `from` one of these too: a hard link, or a copy across file systems.
    pub fn link_from(&self, from: &Blobs, digest: &str) -> Result<()> {
        if self.has(digest) {
            return Ok(());
        }
        let src = from.path(digest);
        write_whole(&self.path(digest), |tmp| {
            if std::fs::hard_link(&src, tmp).is_err() {
                std::fs::copy(&src, tmp).with_context(|| format!("copying {}", src.display()))?;
            }
            Ok(())
        })
    }

    pub fn read(&self, digest: &str) -> Result<Vec<u8>> {
        let p = self.path(digest);
        std::fs::read(&p).with_context(|| format!("reading {}", p.display()))
    }
}

/// Publishes an image in the OCI image layout at `root`: its `blobs` linked from `cache`, its
/// manifest `digest` (of `size` bytes) named `name` in `index.json` (one entry per name, the last
/// build's), and the blobs no named image uses any more removed. One writer at a time, across
/// threads and processes (two services, two stages): a lock file in the layout.
pub fn publish(
    root: &Path,
    cache: &Blobs,
    blobs: &[&str],
    name: &str,
    digest: &str,
    size: usize,
) -> Result<()> {
    let _one = crate::package::scratch::Exclusive::take(&root.join(".lock"))?;
    let layout = Blobs::at(root);
    for d in blobs {
        layout.link_from(cache, d)?;
    }
    write_whole(&root.join("oci-layout"), |tmp| {
        std::fs::write(tmp, r#"{"imageLayoutVersion":"1.0.0"}"#).map_err(Into::into)
    })?;
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
    let bytes = serde_json::to_vec_pretty(&index)?;
    write_whole(&path, |tmp| std::fs::write(tmp, &bytes).map_err(Into::into))?;
    prune(root, &layout, &manifests)
}

/// Removes the layout's blobs that none of `manifests` (nor their configs and layers) names.
fn prune(root: &Path, layout: &Blobs, manifests: &[Value]) -> Result<()> {
    let mut keep = std::collections::BTreeSet::new();
    for m in manifests {
        let Some(d) = m["digest"].as_str() else {
            continue;
        };
        keep.insert(d.to_string());
        let Ok(body) = layout.read(d) else { continue };
        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
        for b in std::iter::once(&v["config"]).chain(v["layers"].as_array().into_iter().flatten()) {
            if let Some(d) = b["digest"].as_str() {
                keep.insert(d.to_string());
            }
        }
    }
    let dir = root.join("blobs").join("sha256");
    for e in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().to_string();
        if !keep.contains(&format!("sha256:{name}")) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest of one layer, stored in `cache`: (its digest and size, the blobs to publish).
    fn image(cache: &Blobs, layer: &[u8]) -> (String, usize, Vec<String>) {
        let l = cache.put(layer).unwrap();
        let c = cache.put(format!("config of {l}").as_bytes()).unwrap();
        let m = serde_json::to_vec(&json!({"config": {"digest": c}, "layers": [{"digest": l}]}))
            .unwrap();
        let d = cache.put(&m).unwrap();
        (d.clone(), m.len(), vec![d, c, l])
    }

    #[test]
    fn publishing_names_the_image_and_removes_only_what_no_named_image_uses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Blobs::at(&dir.path().join("cache"));
        let root = dir.path().join("layout");
        let publish_as = |name: &str, layer: &[u8]| {
            let (d, size, blobs) = image(&cache, layer);
            let refs: Vec<&str> = blobs.iter().map(String::as_str).collect();
            publish(&root, &cache, &refs, name, &d, size).unwrap();
            blobs
        };
        let api_v1 = publish_as("dev-api", b"code v1");
        let worker = publish_as("dev-worker", b"worker");
        let api_v2 = publish_as("dev-api", b"code v2");
        let layout = Blobs::at(&root);
        assert!(api_v2.iter().chain(&worker).all(|d| layout.has(d)));
        assert!(
            api_v1.iter().all(|d| !layout.has(d)),
            "the replaced image's blobs are gone"
        );
        assert!(api_v1.iter().all(|d| cache.has(d)), "the cache keeps them");
        let index: Value =
            serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
        let names: Vec<&str> = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                m["annotations"]["org.opencontainers.image.ref.name"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(names, ["dev-api", "dev-worker"]);
        assert_eq!(index["manifests"][0]["digest"], api_v2[0].as_str());
    }
}
