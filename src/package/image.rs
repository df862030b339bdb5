//! A service's image from its own Dockerfile (`dockerfile:`): tagged by a hash of its build context
//! (so the same sources are the same tag), built and pushed with docker or podman when one is
//! installed and running. Without a Dockerfile fintech builds the image itself (`oci`).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The tag an image built from `dir` carries: `src-` and a hash of its files.
pub fn tag_for(dir: &Path) -> Result<String> {
    Ok(format!("src-{}", &super::frontend::source_hash(dir)?[..16]))
}

/// A working container builder (`docker` or `podman` whose daemon answers), if any.
pub fn builder() -> Option<&'static str> {
    ["docker", "podman"].into_iter().find(|b| {
        super::child::output(Command::new(b).arg("info"), None).is_ok_and(|o| o.status.success())
    })
}

/// What to tell a user who has no builder.
pub fn how_to_push(b: &Build<'_>) -> String {
    let registry = b.url.split('/').next().unwrap_or(b.url);
    format!(
        "neither docker nor podman can build images on this machine; build and push it elsewhere, then deploy again:\n  \
         aws ecr get-login-password | docker login --username AWS --password-stdin {registry}\n  \
         docker build --platform {} -f {} -t {}:{} {}\n  docker push {}:{}",
        b.platform,
        b.dockerfile.display(),
        b.url,
        b.tag,
        b.dir.display(),
        b.url,
        b.tag
    )
}

/// An image to build: from `dir`, as `url:tag`, for `platform` (the task's, whatever the machine
/// building it: an Apple Silicon laptop builds arm64 by default).
pub struct Build<'a> {
    pub dir: &'a Path,
    pub dockerfile: &'a Path,
    pub url: &'a str,
    pub tag: &'a str,
    pub platform: &'a str,
}

/// Logs in to the registry, builds the image and pushes it.
pub fn build_and_push(builder: &str, b: &Build<'_>, user: &str, password: &str) -> Result<()> {
    let (dir, url, tag) = (b.dir, b.url, b.tag);
    let registry = url.split('/').next().unwrap_or(url);
    let out = super::child::output(
        Command::new(builder).args(["login", "--username", user, "--password-stdin", registry]),
        Some(password.as_bytes()),
    )
    .with_context(|| format!("running {builder} login"))?;
    if !out.status.success() {
        bail!(
            "{builder} login {registry} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let image = format!("{url}:{tag}");
    for args in [
        vec![
            "build",
            "--platform",
            b.platform,
            "-f",
            &b.dockerfile.to_string_lossy(),
            "-t",
            &image,
            &dir.to_string_lossy(),
        ],
        vec!["push", &image],
    ] {
        let out = super::child::output(Command::new(builder).args(&args), None)
            .with_context(|| format!("running {builder} {}", args[0]))?;
        if !out.status.success() {
            bail!(
                "{builder} {} failed:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    Ok(())
}
