//! Base images: a reference resolved to the manifest of the task's platform (from an index when
//! the image is multi-platform), its config and layers fetched once into the user's cache.

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::distribution::Registry;
use super::reference::Reference;
use super::store::Blobs;
use crate::package::scratch::write_whole;
use std::collections::BTreeMap;

/// A blob as a manifest names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Descriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

/// A base image for one platform, its blobs in the cache.
pub struct Base {
    /// The reference as written.
    pub name: String,
    /// The digest of the platform's manifest.
    pub digest: String,
    pub config: Value,
    pub layers: Vec<Descriptor>,
}

/// What a base reference resolved to last: the digest the registry gave for the reference (an
/// index's, often) and of the platform's manifest in it; for `--offline` and for a registry that
/// cannot be reached.
#[derive(Clone, Serialize, Deserialize)]
struct Resolved {
    top: String,
    digest: String,
}

/// The base image `name` for `arch` (OCI: `amd64`, `arm64`), resolved once per run (so a deploy
/// applies the digest its plan showed, even if the tag moves meanwhile): a tag moves, so it is
/// asked about at the registry (a HEAD, which Docker Hub does not count as a pull; the manifests
/// are read only when it moved), or taken as last resolved when `offline` or when the registry
/// cannot be reached (with a warning). Pin `@sha256:` for builds that never change.
pub async fn pull(name: &str, arch: &str, offline: bool, cache: &Blobs) -> Result<Base> {
    static RUN: std::sync::Mutex<BTreeMap<String, Resolved>> =
        std::sync::Mutex::new(BTreeMap::new());
    let r = Reference::parse(name)?;
    let key = crate::package::digest_hex(format!("{name}\0{arch}").as_bytes());
    let this_run = RUN.lock().expect("not poisoned").get(&key).cloned();
    let record = cache.records().join(format!("base-{}.json", &key[..32]));
    let remembered = std::fs::read(&record)
        .ok()
        .and_then(|b| serde_json::from_slice::<Resolved>(&b).ok())
        .filter(|res| cache.has(&res.digest));
    // The client (and its TLS roots) only when the registry is asked something: not for a base
    // already resolved this run and cached, as at apply after the plan.
    let mut client = None;
    let resolved = match (this_run, offline) {
        (Some(res), _) => res,
        (None, true) => remembered.ok_or_else(|| {
            anyhow!("base image {name} was never pulled here and --offline was given")
        })?,
        (None, false) => match resolve(
            registry(&mut client, &r)?,
            &r,
            arch,
            remembered.as_ref(),
            cache,
        )
        .await
        {
            Ok(res) => res,
            Err(e) => match remembered {
                Some(res) => {
                    eprintln!(
                        "warning: base image {name}: {e:#}; building on {} as last resolved here",
                        res.digest
                    );
                    res
                }
                None => return Err(e),
            },
        },
    };
    if !cache.has(&resolved.digest) {
        bail!(
            "base image {name}: its manifest {} is not in the cache",
            resolved.digest
        );
    }
    write_whole(&record, |tmp| {
        std::fs::write(tmp, serde_json::to_vec(&resolved)?).map_err(Into::into)
    })?;
    RUN.lock()
        .expect("not poisoned")
        .insert(key, resolved.clone());
    let digest = resolved.digest;
    let manifest: Value = serde_json::from_slice(&cache.read(&digest)?)
        .with_context(|| format!("base image {name}: its manifest is not JSON"))?;
    if manifest["schemaVersion"] != 2 {
        bail!(
            "base image {name}: a schema {} manifest (only schema 2, OCI or Docker, is read)",
            manifest["schemaVersion"]
        );
    }
    let config_d: Descriptor = serde_json::from_value(manifest["config"].clone())
        .with_context(|| format!("base image {name}: its manifest names no config"))?;
    let layers: Vec<Descriptor> = serde_json::from_value(manifest["layers"].clone())
        .with_context(|| format!("base image {name}: its manifest lists no layers"))?;
    let mut missing = vec![&config_d];
    missing.extend(layers.iter());
    missing.retain(|d| !cache.has(&d.digest));
    if !missing.is_empty() {
        if offline {
            bail!("base image {name}: layers are missing from the cache and --offline was given");
        }
        for d in missing {
            let bytes = registry(&mut client, &r)?
                .blob(&r.repository, &d.digest)
                .await?;
            cache.put(&bytes)?;
        }
    }
    let config: Value = serde_json::from_slice(&cache.read(&config_d.digest)?)
        .with_context(|| format!("base image {name}: its config is not JSON"))?;
    if config["architecture"].as_str().is_some_and(|a| a != arch) {
        bail!(
            "base image {name} is built for {}, the service runs on {arch}",
            config["architecture"].as_str().unwrap_or_default()
        );
    }
    Ok(Base {
        name: name.to_string(),
        digest,
        config,
        layers,
    })
}

/// The anonymous client of `r`'s registry, made the first time it is needed.
fn registry<'a>(client: &'a mut Option<Registry>, r: &Reference) -> Result<&'a Registry> {
    if client.is_none() {
        *client = Some(Registry::new(&r.api_root(), None)?);
    }
    Ok(client.as_ref().expect("just made"))
}

/// Asks the registry what `r` is now: a HEAD, and when the digest it gives is the one `known`
/// resolved, that; else the manifest (the platform's one, from an index), into `cache`.
async fn resolve(
    registry: &Registry,
    r: &Reference,
    arch: &str,
    known: Option<&Resolved>,
    cache: &Blobs,
) -> Result<Resolved> {
    let name = format!("{}/{}:{}", r.registry, r.repository, r.reference());
    if let Some(k) = known
        && registry
            .manifest_digest(&r.repository, r.reference())
            .await?
            .as_deref()
            == Some(k.top.as_str())
    {
        return Ok(k.clone());
    }
    let top = registry.manifest(&r.repository, r.reference()).await?;
    let top_digest = cache.put(&top)?;
    let digest = match serde_json::from_slice::<Value>(&top)
        .with_context(|| format!("base image {name}: its manifest is not JSON"))?["manifests"]
        .as_array()
    {
        Some(list) => {
            let chosen = choose(list, arch).ok_or_else(|| {
                anyhow!(
                    "base image {name} has no linux/{arch} image (it has {})",
                    platforms(list)
                )
            })?;
            cache.put(&registry.manifest(&r.repository, &chosen).await?)?
        }
        None => top_digest.clone(),
    };
    Ok(Resolved {
        top: top_digest,
        digest,
    })
}

/// The digest of the linux/`arch` image in an index's `manifests`.
fn choose(list: &[Value], arch: &str) -> Option<String> {
    list.iter()
        .find(|m| {
            let p = &m["platform"];
            p["os"] == "linux"
                && p["architecture"] == arch
                && (arch != "arm64" || p["variant"].as_str().is_none_or(|v| v == "v8"))
        })
        .and_then(|m| m["digest"].as_str().map(str::to_string))
}

fn platforms(list: &[Value]) -> String {
    let all: Vec<String> = list
        .iter()
        .map(|m| {
            let p = &m["platform"];
            format!(
                "{}/{}",
                p["os"].as_str().unwrap_or("?"),
                p["architecture"].as_str().unwrap_or("?")
            )
        })
        .collect();
    all.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_index_gives_the_image_of_the_tasks_platform() {
        let list = vec![
            json!({"digest": "sha256:amd", "platform": {"os": "linux", "architecture": "amd64"}}),
            json!({"digest": "sha256:v7", "platform": {"os": "linux", "architecture": "arm64", "variant": "v7"}}),
            json!({"digest": "sha256:arm", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}),
            json!({"digest": "sha256:att", "platform": {"os": "unknown", "architecture": "unknown"}}),
        ];
        assert_eq!(choose(&list, "amd64").as_deref(), Some("sha256:amd"));
        assert_eq!(choose(&list, "arm64").as_deref(), Some("sha256:arm"));
        assert_eq!(choose(&list[..1], "arm64"), None);
        assert_eq!(platforms(&list[..2]), "linux/amd64, linux/arm64");
    }
}
