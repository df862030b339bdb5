//! Artifacts built from the payload without AWS: the Lambda zip, the static site manifest, and the
//! computed attributes (hashes) that the plan compares with what is live.

pub mod child;
pub mod deps;
pub mod frontend;
pub mod hashes;
pub mod image;
pub mod oci;
pub mod scratch;
pub mod site;
pub mod zip;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::aws::driver::Prep;
use crate::aws::{Attrs, Props};
use crate::model::{Desired, Resource};

/// A CPU architecture as stacks name it (`x86_64`, `arm64`), in each tool's words.
pub struct Cpu {
    /// OCI and container platforms: `amd64`, `arm64`.
    pub oci: &'static str,
    /// pip's `--platform` for manylinux wheels.
    pub wheels: &'static str,
    /// Python's `platform.machine()`: `x86_64`, `aarch64`.
    pub machine: &'static str,
}

pub fn cpu(architecture: &str) -> Cpu {
    if architecture == "arm64" {
        Cpu {
            oci: "arm64",
            wheels: "manylinux2014_aarch64",
            machine: "aarch64",
        }
    } else {
        Cpu {
            oci: "amd64",
            wheels: "manylinux2014_x86_64",
            machine: "x86_64",
        }
    }
}

/// Hex SHA-256 of `bytes`.
pub fn digest_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Base64 SHA-256 of `bytes`, as Lambda reports `CodeSha256`.
pub fn digest_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// The user's cache of what does not depend on the project (dependencies installed for Lambda,
/// remembered file hashes): `FINTECH_CACHE_DIR`, else `$XDG_CACHE_HOME/fintech` or `~/.cache/fintech`.
pub fn cache_dir() -> PathBuf {
    if let Ok(d) = std::env::var("FINTECH_CACHE_DIR") {
        return PathBuf::from(d);
    }
    std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|_| std::env::temp_dir())
        .join("fintech")
}

/// Where the deployer keeps what it builds (safe to delete: everything there is rebuilt identically).
pub fn build_dir(root: &Path) -> PathBuf {
    root.join(".fintech").join("build")
}

/// A payload path from the stack, relative to the project root.
pub fn payload_path(d: &Desired, rel: &str) -> PathBuf {
    let p = Path::new(rel);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        d.root.join(p)
    }
}

/// Adds the attributes the deployer derives to the evaluated `props` of `r` (its driver decides which).
pub fn prepare(d: &Desired, r: &Resource, props: &mut Attrs, offline: bool) -> Result<()> {
    let p = Prep {
        desired: d,
        resource: r,
        offline,
    };
    r.schema.driver.prepare(&p, props)
}

/// A function's code: its dependencies installed for Lambda's platform, zipped reproducibly with
/// the sources, written once under a name given by its content; `code_sha256` is what Lambda reports.
pub fn lambda_zip(p: &Prep<'_>, props: &mut Attrs) -> Result<()> {
    let (d, r) = (p.desired, p.resource);
    let src = payload_path(d, props.s("code")?);
    if !src.is_dir() {
        bail!(
            "`{}`: code directory {} does not exist",
            r.id,
            src.display()
        );
    }
    let deps = deps::install(
        &src.join("requirements.txt"),
        props.s("runtime")?,
        props.s("architecture")?,
        p.offline,
    )
    .with_context(|| format!("installing the dependencies of `{}`", r.id))?;
    let entries = zip::entries(&src, deps.as_deref())?;
    let built = zipped(&build_dir(&d.root), entries)?;
    hashes::save();
    props.insert("code_sha256".into(), Value::from(built.sha256_b64));
    props.insert(
        "code_zip".into(),
        Value::from(built.path.to_string_lossy().to_string()),
    );
    props.insert("code_size".into(), Value::from(built.size));
    Ok(())
}

/// A zip written under `.fintech/build`, and what Lambda will report of it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Zipped {
    path: PathBuf,
    sha256_b64: String,
    size: u64,
}

/// The zip of `entries`, built only when no zip of the same inputs was (its record, named by
/// [`zip::key`], says where and what it is): a run with unchanged sources compresses nothing.
/// One build at a time, so functions packaged from one directory share one zip.
fn zipped(dir: &Path, entries: Vec<(String, PathBuf)>) -> Result<Zipped> {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    let key = zip::key(&entries)?;
    let record = dir.join(format!("lambda-in-{}.json", &key[..16]));
    let whole = |z: &Zipped| std::fs::metadata(&z.path).is_ok_and(|m| m.len() == z.size);
    if let Some(z) = std::fs::read(&record)
        .ok()
        .and_then(|b| serde_json::from_slice::<Zipped>(&b).ok())
        .filter(whole)
    {
        return Ok(z);
    }
    let bytes = zip::build_from(entries)?;
    // Named by content: functions packaged from one directory share one file. Written whole or
    // not at all (a temporary file renamed), so a killed run leaves no truncated zip behind.
    let sha = digest_hex(&bytes);
    let path = dir.join(format!("lambda-{}.zip", &sha[..16]));
    std::fs::create_dir_all(dir)?;
    if std::fs::metadata(&path).map_or(true, |m| m.len() != bytes.len() as u64) {
        scratch::write_whole(&path, |tmp| {
            std::fs::write(tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))
        })?;
    }
    let z = Zipped {
        path,
        sha256_b64: digest_b64(&bytes),
        size: bytes.len() as u64,
    };
    std::fs::write(&record, serde_json::to_vec(&z)?)
        .with_context(|| format!("writing {}", record.display()))?;
    Ok(z)
}

/// A site's files: the frontend built first when asked (skipped when its sources are unchanged),
/// then the manifest of every file and its MD5.
pub fn site_files(p: &Prep<'_>, props: &mut Attrs) -> Result<()> {
    let (d, r) = (p.desired, p.resource);
    let src = payload_path(d, props.s("source")?);
    if props.contains_key("build") {
        let dir = payload_path(d, props.s("build")?);
        let stamp = build_dir(&d.root).join(format!("{}-{}.frontend", d.stage, r.id));
        frontend::build(&dir, &src, &stamp)
            .with_context(|| format!("building the frontend of `{}`", r.id))?;
    }
    if !src.is_dir() {
        bail!(
            "`{}`: site directory {} does not exist; build the frontend first (`npm ci && npm run build` in the frontend)",
            r.id,
            src.display()
        );
    }
    let files: serde_json::Map<String, Value> = site::manifest(&src)?
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    hashes::save();
    props.insert("files".into(), Value::Object(files));
    props.insert(
        "source_dir".into(),
        Value::from(src.to_string_lossy().to_string()),
    );
    Ok(())
}

/// [`service_image`] of a service fintech builds: the image of `build`, pinned in `repo` (the
/// repository URL, empty while unknown) by its digest.
fn built_image(p: &Prep<'_>, props: &mut Attrs, repo: &str) -> Result<()> {
    let dir = payload_path(p.desired, props.s("build")?);
    if !dir.is_dir() {
        bail!(
            "`{}`: build directory {} does not exist",
            p.resource.id,
            dir.display()
        );
    }
    let port = props.i("port")?;
    let command = match props.get("command") {
        Some(Value::Array(c)) if !c.is_empty() => c
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => [
            "python",
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "0.0.0.0",
            "--port",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([port.to_string()])
        .collect(),
    };
    let requirements = props.s("requirements")?;
    let req = dir.join(requirements);
    if !req.is_file() && requirements != "requirements.txt" {
        bail!(
            "`{}`: requirements file {} does not exist",
            p.resource.id,
            req.display()
        );
    }
    let spec = oci::Spec {
        base: props.s("base_image")?,
        architecture: props.s("architecture")?,
        app: &dir,
        requirements: req,
        command,
        port,
        offline: p.offline,
    };
    let name = format!("{}-{}", p.desired.stage, p.resource.id);
    let built = oci::build(&spec, &oci::layout_dir(&p.desired.root), &name)
        .with_context(|| format!("building the image of `{}`", p.resource.id))?;
    hashes::save();
    let hex = built.digest.trim_start_matches("sha256:");
    props.insert(
        "image_tag".into(),
        Value::from(format!("src-{}", &hex[..16])),
    );
    props.insert("image_digest".into(), Value::from(built.digest.clone()));
    props.insert("image_layers".into(), Value::from(built.layers));
    props.insert("image_size".into(), Value::from(built.size));
    props.insert(
        "image_layout".into(),
        Value::from(built.layout.to_string_lossy().to_string()),
    );
    if !repo.is_empty() {
        props.insert(
            "image_ref".into(),
            Value::from(format!("{repo}@{}", built.digest)),
        );
    }
    Ok(())
}

/// One subnet per AZ in the default VPC: the first `az_count` of them, in a stable order.
pub fn first_subnets(props: &mut Attrs) -> Result<()> {
    if let Some(Value::Array(subnets)) = props.get("subnets") {
        let mut s: Vec<Value> = subnets.clone();
        s.sort_by_key(|v| v.to_string());
        s.truncate(props.i("az_count")?.max(1) as usize);
        props.insert("subnets".into(), Value::Array(s));
    }
    Ok(())
}

/// A service's image: built by fintech from `build` (its digest pinned at once), or, with a
/// `dockerfile`, tagged by the content hash of `build` for docker or podman; an image given
/// without `build` is pinned by the digest it names, else found by its tag at apply.
pub fn service_image(p: &Prep<'_>, props: &mut Attrs) -> Result<()> {
    // The repository URL is unknown until the repository exists (a first plan).
    let image = props.opt("image").unwrap_or_default().to_string();
    let repo = oci::reference::repository_url(&image).to_string();
    if props.contains_key("build") && !props.contains_key("dockerfile") {
        return built_image(p, props, &repo);
    }
    let tag = if props.contains_key("build") {
        let dir = payload_path(p.desired, props.s("build")?);
        props.insert(
            "build_dir".into(),
            Value::from(dir.to_string_lossy().to_string()),
        );
        let tag = image::tag_for(&dir)?;
        hashes::save();
        tag
    } else {
        image
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or("latest", |(_, t)| t)
            .to_string()
    };
    props.insert("image_tag".into(), Value::from(tag));
    if image.contains('@') {
        props.insert("image_ref".into(), Value::from(image));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_inputs_reuse_the_zip_without_compressing_and_a_change_builds_anew() {
        let src = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::write(src.path().join("handler.py"), "def handler(e, c): pass\n").unwrap();
        let first = zipped(out.path(), zip::entries(src.path(), None).unwrap()).unwrap();
        // Were the zip built again, this marker (of the zip's size) would be overwritten.
        let marker = vec![b'm'; first.size as usize];
        std::fs::write(&first.path, &marker).unwrap();
        let again = zipped(out.path(), zip::entries(src.path(), None).unwrap()).unwrap();
        assert_eq!(
            (&again.path, &again.sha256_b64),
            (&first.path, &first.sha256_b64)
        );
        assert_eq!(std::fs::read(&again.path).unwrap(), marker);
        // A truncated zip (a run killed while writing it) is not trusted: it is written again.
        std::fs::write(&first.path, b"trunc").unwrap();
        zipped(out.path(), zip::entries(src.path(), None).unwrap()).unwrap();
        assert_eq!(std::fs::metadata(&first.path).unwrap().len(), first.size);
        std::fs::write(
            src.path().join("handler.py"),
            "def handler(e, c): return 1\n",
        )
        .unwrap();
        let changed = zipped(out.path(), zip::entries(src.path(), None).unwrap()).unwrap();
        assert_ne!(changed.sha256_b64, first.sha256_b64);
        assert_ne!(changed.path, first.path);
    }
}
