//! The backend's container image: tagged by a hash of its build context (so the same sources are the
//! same tag), built and pushed with docker or podman when one is installed and running.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The tag an image built from `dir` carries: `src-` and a hash of its files.
pub fn tag_for(dir: &Path) -> Result<String> {
    Ok(format!("src-{}", &super::frontend::source_hash(dir)?[..16]))
}

/// A working container builder (`docker` or `podman` whose daemon answers), if any.
pub fn builder() -> Option<&'static str> {
    ["docker", "podman"].into_iter().find(|b| {
        Command::new(b)
            .arg("info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// What to tell a user who has no builder.
pub fn how_to_push(dir: &Path, url: &str, tag: &str) -> String {
    let registry = url.split('/').next().unwrap_or(url);
    format!(
        "neither docker nor podman can build images on this machine; build and push it elsewhere, then deploy again:\n  \
         aws ecr get-login-password | docker login --username AWS --password-stdin {registry}\n  \
         docker build -t {url}:{tag} {}\n  docker push {url}:{tag}",
        dir.display()
    )
}

/// Logs in to the registry, builds `dir` as `url:tag` and pushes it.
pub fn build_and_push(
    builder: &str,
    dir: &Path,
    url: &str,
    tag: &str,
    user: &str,
    password: &str,
) -> Result<()> {
    let registry = url.split('/').next().unwrap_or(url);
    let mut login = Command::new(builder)
        .args(["login", "--username", user, "--password-stdin", registry])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {builder} login"))?;
    login
        .stdin
        .take()
        .expect("piped")
        .write_all(password.as_bytes())?;
    let out = login.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "{builder} login {registry} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let image = format!("{url}:{tag}");
    for args in [
        vec!["build", "-t", &image, &dir.to_string_lossy()],
        vec!["push", &image],
    ] {
        let out = Command::new(builder)
            .args(&args)
            .output()
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
