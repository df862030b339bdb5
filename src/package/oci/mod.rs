//! The daemonless image builder (as ko and jib do it): a base image from a registry, the app's
//! Python dependencies (installed for the task's platform) and its code as two reproducible
//! layers, a config that runs it as a non-root user, written into an OCI image layout under
//! `.fintech/image`; and the push of that layout to a registry, blob by blob, skipping what the
//! registry already has. No docker daemon is needed, and the same sources give the same digest on
//! any machine.

pub mod base;
pub mod distribution;
pub mod http;
pub mod layer;
pub mod reference;
pub mod store;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

use base::Descriptor;
use store::Blobs;

pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// The user the app runs as (not root; no entry in /etc/passwd is needed for a numeric id).
pub const USER: &str = "10001:10001";
/// Where the app's code goes (the working directory) and its dependencies.
pub const APP_DIR: &str = "srv";
pub const PACKAGES_DIR: &str = "opt/packages";

/// What to build.
pub struct Spec<'a> {
    /// The base image reference.
    pub base: &'a str,
    /// The task's CPU architecture (`x86_64` or `arm64`).
    pub architecture: &'a str,
    /// The app's directory (its files become the code layer).
    pub app: &'a Path,
    /// The requirements file (its packages become the dependency layer; none when it is absent).
    pub requirements: PathBuf,
    pub command: Vec<String>,
    pub port: i64,
    pub offline: bool,
}

/// A built image, in the project's layout.
pub struct Image {
    pub digest: String,
    pub layout: PathBuf,
    /// Layers (base's and ours) and their total compressed size.
    pub layers: usize,
    pub size: u64,
}

/// The project's OCI image layout.
pub fn layout_dir(root: &Path) -> PathBuf {
    root.join(".fintech").join("image")
}

/// A layer of the image: its descriptor and its `diff_id`.
type Built = (Descriptor, String);

/// Builds the image of `spec` into the layout at `layout`, named `name` in its index.
pub fn build(spec: &Spec<'_>, layout: &Path, name: &str) -> Result<Image> {
    let cache = Blobs::cache();
    let arch = super::cpu(spec.architecture).oci;
    let base = http::block_on(base::pull(spec.base, arch, spec.offline, &cache))?;
    let base_env = strings(&base.config["config"]["Env"]);
    let mut layers = base_layers(spec.base, &base)?;
    let mut history: Vec<Value> = base.config["history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ours = [
        dependency_layer(spec, &base_env, &cache)?,
        Some(code_layer(spec, &cache)?),
    ];
    for (built, said) in ours.into_iter().flatten() {
        layers.push(built);
        history.push(json!({"created": EPOCH, "created_by": said}));
    }
    let config = config(spec, &base, base_env, &layers, history);
    let config_bytes = serde_json::to_vec(&config)?;
    let config_digest = cache.put(&config_bytes)?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, "digest": config_digest, "size": config_bytes.len()},
        "layers": layers.iter().map(|(d, _)| d).collect::<Vec<_>>(),
        "annotations": {
            "org.opencontainers.image.base.name": base.name,
            "org.opencontainers.image.base.digest": base.digest,
        },
    });
    let manifest_bytes = serde_json::to_vec(&manifest)?;
    let digest = cache.put(&manifest_bytes)?;
    let mut blobs = vec![config_digest.as_str(), digest.as_str()];
    blobs.extend(layers.iter().map(|(d, _)| d.digest.as_str()));
    store::publish(layout, &cache, &blobs, name, &digest, manifest_bytes.len())?;
    Ok(Image {
        digest,
        layout: layout.to_path_buf(),
        layers: layers.len(),
        size: layers.iter().map(|(d, _)| d.size).sum(),
    })
}

/// The base's layers as an OCI manifest lists them (Docker's gzip type is the same bytes).
fn base_layers(name: &str, base: &base::Base) -> Result<Vec<Built>> {
    let diff_ids = strings(&base.config["rootfs"]["diff_ids"]);
    if diff_ids.len() != base.layers.len() {
        bail!(
            "base image {name}: its config lists {} layers, its manifest {}",
            diff_ids.len(),
            base.layers.len()
        );
    }
    base.layers
        .iter()
        .zip(diff_ids)
        .map(|(d, diff)| {
            let media_type = match d.media_type.as_str() {
                "application/vnd.docker.image.rootfs.diff.tar.gzip" | LAYER => LAYER.to_string(),
                t if t.starts_with("application/vnd.oci.image.layer.v1.tar") => t.to_string(),
                t => bail!(
                    "base image {name}: a layer of type {t} (only gzip and zstd tars are read)"
                ),
            };
            Ok((
                Descriptor {
                    media_type,
                    digest: d.digest.clone(),
                    size: d.size,
                },
                diff,
            ))
        })
        .collect()
}

/// The app's requirements installed for the task's platform and the base's Python, under
/// `/opt/packages`; none without a requirements file.
fn dependency_layer(
    spec: &Spec<'_>,
    base_env: &[String],
    cache: &Blobs,
) -> Result<Option<(Built, String)>> {
    let req = &spec.requirements;
    if !req.is_file() {
        return Ok(None);
    }
    let py = python_version(base_env).ok_or_else(|| {
        anyhow!(
            "base image {} does not say which Python it has (no PYTHON_VERSION=3.x.y in its environment): use a Python image as the base",
            spec.base
        )
    })?;
    let Some(deps) =
        super::deps::install(req, &format!("python{py}"), spec.architecture, spec.offline)
            .with_context(|| format!("installing {} for the image", req.display()))?
    else {
        return Ok(None);
    };
    let files = prefixed(PACKAGES_DIR, super::zip::dependency_files(&deps)?);
    let l = layer::layer(&layer::key("dependencies", &files)?, &files, cache)?;
    let said = format!(
        "fintech: pip install -r {} for linux/{}",
        file_name(req),
        super::cpu(spec.architecture).oci
    );
    Ok(Some(((descriptor(&l), l.diff_id), said)))
}

/// The app's files (less tests, caches, Dockerfile) under `/srv`.
fn code_layer(spec: &Spec<'_>, cache: &Blobs) -> Result<(Built, String)> {
    let files = prefixed(APP_DIR, super::zip::files(spec.app)?);
    let l = layer::layer(&layer::key("code", &files)?, &files, cache)?;
    let said = format!("fintech: COPY {} /{APP_DIR}", file_name(spec.app));
    Ok(((descriptor(&l), l.diff_id), said))
}

/// The image config: the base's environment with the app's settings, run as [`USER`].
fn config(
    spec: &Spec<'_>,
    base: &base::Base,
    mut env: Vec<String>,
    layers: &[Built],
    history: Vec<Value>,
) -> Value {
    for (k, v) in [
        ("PYTHONPATH", format!("/{PACKAGES_DIR}")),
        ("PYTHONDONTWRITEBYTECODE", "1".into()),
        ("PYTHONUNBUFFERED", "1".into()),
        ("HOME", "/tmp".into()),
        ("TMPDIR", "/tmp".into()),
    ] {
        env.retain(|e| e.split_once('=').is_none_or(|(n, _)| n != k));
        env.push(format!("{k}={v}"));
    }
    let mut config = json!({
        "created": EPOCH,
        "architecture": super::cpu(spec.architecture).oci,
        "os": "linux",
        "config": {
            "User": USER,
            "Env": env,
            "Entrypoint": spec.command,
            "WorkingDir": format!("/{APP_DIR}"),
            "ExposedPorts": {format!("{}/tcp", spec.port): {}},
            "Labels": base.config["config"]["Labels"].clone(),
        },
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>()},
        "history": history,
    });
    if let Some(v) = base.config["variant"].as_str() {
        config["variant"] = Value::from(v);
    }
    config
}

/// The strings of a JSON array (none when it is not one).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Image history entries carry the epoch, as the layers' files do.
const EPOCH: &str = "1970-01-01T00:00:00Z";

fn descriptor(l: &layer::Layer) -> Descriptor {
    Descriptor {
        media_type: LAYER.into(),
        digest: l.digest.clone(),
        size: l.size,
    }
}

fn prefixed(dir: &str, files: Vec<(String, PathBuf)>) -> Vec<(String, PathBuf)> {
    files
        .into_iter()
        .map(|(n, p)| (format!("{dir}/{n}"), p))
        .collect()
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    )
}

/// `3.12.7` of `PYTHON_VERSION=3.12.7` in an image's environment (`3.13.0rc2` too).
fn python_version(env: &[String]) -> Option<String> {
    let v = env.iter().find_map(|e| e.strip_prefix("PYTHON_VERSION="))?;
    let mut parts = v.split('.');
    let digits =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (digits(parts.next()) && digits(parts.next())).then(|| v.to_string())
}

/// What a push did: blobs uploaded (of all the image's) and their bytes.
#[derive(Debug, Default)]
pub struct Pushed {
    pub uploaded: usize,
    pub blobs: usize,
    pub bytes: u64,
    pub manifest: bool,
}

/// Pushes the image `digest` of the layout at `layout` to `repo` of `registry` as `tag`: each
/// blob the registry lacks is uploaded (four at a time), then the manifest is put. `mutated` is
/// called before each write.
pub async fn push(
    registry: &distribution::Registry,
    layout: &Path,
    repo: &str,
    digest: &str,
    tag: &str,
    mutated: &(dyn Fn() + Sync),
) -> Result<Pushed> {
    use futures::StreamExt;
    let blobs = Blobs::at(layout);
    let manifest = blobs.read(digest)?;
    let m: Value = serde_json::from_slice(&manifest)?;
    let mut all: Vec<Descriptor> = vec![serde_json::from_value(m["config"].clone())?];
    all.extend(serde_json::from_value::<Vec<Descriptor>>(
        m["layers"].clone(),
    )?);
    let one = |d: Descriptor| {
        let blobs = &blobs;
        async move {
            if registry.has_blob(repo, &d.digest).await? {
                return Ok(None);
            }
            let bytes = blobs.read(&d.digest)?;
            mutated();
            registry.upload(repo, &d.digest, bytes.into()).await?;
            Ok(Some(d.size))
        }
    };
    let work: Vec<_> = all.iter().cloned().map(one).collect();
    let results: Vec<Result<Option<u64>>> = futures::stream::iter(work)
        .buffer_unordered(4)
        .collect()
        .await;
    let mut pushed = Pushed {
        blobs: all.len(),
        ..Default::default()
    };
    for r in results {
        if let Some(size) = r? {
            pushed.uploaded += 1;
            pushed.bytes += size;
        }
    }
    mutated();
    let got = registry
        .put_manifest(repo, tag, MANIFEST, manifest.into())
        .await?;
    if got != digest {
        bail!("the registry took the manifest {digest} as {got}");
    }
    pushed.manifest = true;
    Ok(pushed)
}
