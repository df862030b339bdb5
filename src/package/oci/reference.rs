//! Image references (`[registry/]repository[:tag][@digest]`), read as docker reads them.

use anyhow::{Result, bail};

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The registry's host (and port), as written (`docker.io` when none is).
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    pub fn parse(s: &str) -> Result<Reference> {
        let s = s.trim();
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !d.starts_with("sha256:")
                    || d.len() != 71
                    || !d[7..].bytes().all(|b| b.is_ascii_hexdigit())
                {
                    bail!("image `{s}`: the digest after @ must be sha256: and 64 hex digits");
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let (name, tag) = match rest.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_string())),
            _ => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((host, path))
                if host.contains('.') || host.contains(':') || host == "localhost" =>
            {
                (host.to_string(), path.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        // Docker Hub's official images live under `library/`, whichever way it is written.
        let (registry, repository) = match registry.as_str() {
            "docker.io" | "index.docker.io" | "registry-1.docker.io" => (
                "docker.io".to_string(),
                if repository.contains('/') {
                    repository
                } else {
                    format!("library/{repository}")
                },
            ),
            _ => (registry, repository),
        };
        let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c);
        if repository.is_empty() || !repository.chars().all(ok) {
            bail!(
                "image `{s}`: `{repository}` is not a repository name (lowercase letters, digits, . _ - /)"
            );
        }
        if tag.as_deref().is_some_and(|t| {
            t.is_empty()
                || t.len() > 128
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        }) {
            bail!("image `{s}`: the tag must be 1 to 128 letters, digits, . _ or -");
        }
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// What to ask the registry for: the digest if pinned, else the tag (`latest` when none).
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The registry's API root: Docker Hub's API host for `docker.io`; plain HTTP for a registry
    /// on loopback (as docker allows), HTTPS otherwise.
    pub fn api_root(&self) -> String {
        api_root(&self.registry)
    }
}

/// The repository part of an image reference: without its tag or digest
/// (`123456789012.dkr.ecr.us-east-1.amazonaws.com/app` of `...amazonaws.com/app:v1@sha256:...`).
pub fn repository_url(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    match name.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => name,
    }
}

/// A repository's name within its registry: the path after the host
/// (`team/app` of `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app`).
pub fn repository_name(url: &str) -> &str {
    let repo = repository_url(url);
    repo.split_once('/').map_or(repo, |(_, name)| name)
}

/// The API root of the registry at `host` (see [`Reference::api_root`]).
pub fn api_root(host: &str) -> String {
    if host == "docker.io" {
        return "https://registry-1.docker.io".into();
    }
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if name == "localhost" || name.starts_with("127.") || name == "[::1]" {
        format!("http://{host}")
    } else {
        format!("https://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_as_docker_reads_them() {
        let r = Reference::parse("python:3.12-slim").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.reference()),
            ("docker.io", "library/python", "3.12-slim")
        );
        assert_eq!(r.api_root(), "https://registry-1.docker.io");
        let r = Reference::parse("public.ecr.aws/docker/library/python:3.12-slim").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("public.ecr.aws", "docker/library/python")
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("127.0.0.1:5000/base/py@{d}")).unwrap();
        assert_eq!(
            (r.api_root().as_str(), r.reference(), r.tag.as_deref()),
            ("http://127.0.0.1:5000", d.as_str(), None)
        );
        assert_eq!(Reference::parse("me/app").unwrap().reference(), "latest");
        for hub in ["docker.io/python:3", "index.docker.io/python:3", "python:3"] {
            let r = Reference::parse(hub).unwrap();
            assert_eq!(
                (r.registry.as_str(), r.repository.as_str()),
                ("docker.io", "library/python"),
                "{hub}"
            );
        }
        let ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app";
        assert_eq!(repository_url(&format!("{ecr}:v1@{d}")), ecr);
        assert_eq!(repository_url("127.0.0.1:5000/app"), "127.0.0.1:5000/app");
        assert_eq!(repository_name(&format!("{ecr}:v1")), "team/app");
        assert!(Reference::parse("Python:3").is_err());
        assert!(Reference::parse("python@sha256:12").is_err());
        assert!(Reference::parse("python:bad tag").is_err());
    }
}
