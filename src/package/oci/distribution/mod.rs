//! The OCI distribution API, the part an image builder needs: read manifests and blobs (with the
//! anonymous token dance public registries ask for), ask whether a blob is there, upload blobs,
//! put a manifest. Every blob read is checked against its digest.

use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use hyper::body::Bytes;

use super::http::{Body, Http, Response};

mod writes;

/// The manifest types asked for when reading: image indexes first (a base image is usually
/// multi-platform), then single images, OCI and Docker.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// How many times a request is sent before its failure is the answer.
const ATTEMPTS: u32 = 6;

/// What a request is sent again for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Throttling (429) only: the request must not be repeated after the registry acted on it.
    Throttled,
    /// Throttling, a registry failing for a while (5xx) and broken connections.
    Failures,
}

/// How long to wait before attempt `n + 1`: 0.2 s doubling, at most 5 s.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(200 << n.saturating_sub(1).min(5)).min(Duration::from_secs(5))
}

/// `location` (absolute, absolute-path or relative) resolved against the URL `base`.
fn resolve(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let origin_end = base
        .find("://")
        .and_then(|i| base[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(base.len());
    if location.starts_with('/') {
        format!("{}{location}", &base[..origin_end])
    } else {
        let dir_end = base[origin_end..]
            .split('?')
            .next()
            .and_then(|p| p.rfind('/'))
            .map_or(base.len(), |j| origin_end + j + 1);
        format!("{}{location}", &base[..dir_end])
    }
}

/// A registry's API, with its credentials.
pub struct Registry {
    http: Http,
    root: String,
    /// `Basic ...` for a registry that takes a user and password (ECR: `AWS` and the token).
    basic: Option<String>,
    /// The bearer token the registry's token service gave, once asked.
    bearer: Mutex<Option<String>>,
}

impl Registry {
    /// The registry at `root` (`https://host`), anonymous or with `user`/`password`.
    pub fn new(root: &str, login: Option<(&str, &str)>) -> Result<Registry> {
        Ok(Registry {
            http: Http::new()?,
            root: root.trim_end_matches('/').to_string(),
            basic: login.map(|(u, p)| {
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
                )
            }),
            bearer: Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        resolve(&format!("{}/v2/", self.root), path)
    }

    /// Sends a request with the credentials; on 401 asks the token service the answer names
    /// (`WWW-Authenticate: Bearer realm=...`) and sends it once more.
    async fn send(
        &self,
        method: http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Response> {
        self.send_as(method, path, headers, body, Retry::Failures)
            .await
    }

    /// [`Registry::send`], retrying as `retry` says.
    async fn send_as(
        &self,
        method: http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
        retry: Retry,
    ) -> Result<Response> {
        let build = |auth: Option<String>| {
            let mut b = http::Request::builder()
                .method(method.clone())
                .uri(self.url(path));
            for (k, v) in headers {
                b = b.header(*k, *v);
            }
            if let Some(a) = auth {
                b = b.header("Authorization", a);
            }
            b.body(Body::new(body.clone()))
                .map_err(|e| anyhow!("a request to {}: {e}", self.url(path)))
        };
        let auth = || {
            self.bearer
                .lock()
                .expect("not poisoned")
                .as_ref()
                .map(|t| format!("Bearer {t}"))
                .or_else(|| self.basic.clone())
        };
        let res = self.retrying(retry, || build(auth())).await?;
        if res.status != 401 {
            return Ok(res);
        }
        let challenge = res.header("www-authenticate").to_string();
        if !challenge.to_ascii_lowercase().starts_with("bearer ") {
            if self.basic.is_none() {
                bail!(
                    "{} asks for a login ({challenge}): images are read from it anonymously, so a base image must be public",
                    self.root
                );
            }
            return Ok(res);
        }
        let token = self.token(&challenge).await?;
        *self.bearer.lock().expect("not poisoned") = Some(token);
        self.retrying(retry, || build(auth())).await
    }

    /// Sends the request `make` builds, again when the registry throttles (429) — and, with
    /// [`Retry::Failures`], when it fails for a while (500, 502, 503, 504) or the connection does:
    /// up to [`ATTEMPTS`] times, waiting as `Retry-After` says, else 0.2 s doubling to 5 s. ECR
    /// answers a burst with 429 TOOMANYREQUESTS (its quotas are per second), Docker Hub's
    /// anonymous pulls with 429.
    async fn retrying(
        &self,
        retry: Retry,
        make: impl Fn() -> Result<http::Request<Body>>,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let res = self.http.send(make()?).await;
            attempt += 1;
            let failures = retry == Retry::Failures;
            let wait = match &res {
                Ok(r)
                    if r.status == 429
                        || (failures && matches!(r.status, 500 | 502 | 503 | 504)) =>
                {
                    r.header("retry-after")
                        .parse::<u64>()
                        .ok()
                        .map(|s| Duration::from_secs(s.min(20)))
                }
                Err(_) if failures => None,
                _ => return res,
            };
            if attempt >= ATTEMPTS {
                return res;
            }
            tokio::time::sleep(wait.unwrap_or(backoff(attempt))).await;
        }
    }

    /// A token from the token service of a `Bearer realm="...",service="...",scope="..."` challenge.
    async fn token(&self, challenge: &str) -> Result<String> {
        let mut realm = String::new();
        let mut query = Vec::new();
        for part in split_params(&challenge[7..]) {
            if let Some((k, v)) = part.split_once('=') {
                let v = v.trim_matches('"');
                match k.trim() {
                    "realm" => realm = v.to_string(),
                    k @ ("service" | "scope") => query.push(format!("{k}={}", encode(v))),
                    _ => {}
                }
            }
        }
        if realm.is_empty() {
            bail!(
                "{}: a token challenge without a realm: {challenge}",
                self.root
            );
        }
        let sep = if realm.contains('?') { '&' } else { '?' };
        let url = format!("{realm}{sep}{}", query.join("&"));
        let res = self
            .retrying(Retry::Failures, || {
                let mut b = http::Request::get(&url);
                if let Some(basic) = &self.basic {
                    b = b.header("Authorization", basic);
                }
                Ok(b.body(Body::default())?)
            })
            .await?;
        if res.status != 200 {
            bail!(
                "{}: the token service {realm} answered {}: {}",
                self.root,
                res.status,
                String::from_utf8_lossy(&res.body)
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&res.body)
            .with_context(|| format!("the token service {realm} answered no JSON"))?;
        v["token"]
            .as_str()
            .or(v["access_token"].as_str())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("the token service {realm} gave no token"))
    }

    /// The manifest `reference` (tag or digest) of `repo`; a digest asked for is checked.
    pub async fn manifest(&self, repo: &str, reference: &str) -> Result<Bytes> {
        let res = self
            .send(
                http::Method::GET,
                &format!("/v2/{repo}/manifests/{reference}"),
                &[("Accept", ACCEPT)],
                Bytes::new(),
            )
            .await?;
        if res.status != 200 {
            return Err(self.refused(&format!("{repo}:{reference}: the registry answered"), &res));
        }
        let digest = format!("sha256:{}", crate::package::digest_hex(&res.body));
        if reference.starts_with("sha256:") && reference != digest {
            bail!(
                "{}/{repo}@{reference}: the registry sent a manifest of digest {digest}",
                self.root
            );
        }
        Ok(res.body)
    }

    /// The digest the registry gives the manifest `reference` of `repo` (a HEAD), if it says one.
    pub async fn manifest_digest(&self, repo: &str, reference: &str) -> Result<Option<String>> {
        let res = self
            .send(
                http::Method::HEAD,
                &format!("/v2/{repo}/manifests/{reference}"),
                &[("Accept", ACCEPT)],
                Bytes::new(),
            )
            .await?;
        let digest = res.header("docker-content-digest");
        Ok((res.status == 200 && digest.starts_with("sha256:")).then(|| digest.to_string()))
    }

    /// The blob `digest` of `repo`, checked against its digest. Registries often answer with a
    /// redirect to storage elsewhere (S3, a CDN): followed without the registry's credentials.
    pub async fn blob(&self, repo: &str, digest: &str) -> Result<Bytes> {
        let mut res = self
            .send(
                http::Method::GET,
                &format!("/v2/{repo}/blobs/{digest}"),
                &[],
                Bytes::new(),
            )
            .await?;
        let mut at = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        for _ in 0..5 {
            if !matches!(res.status, 301 | 302 | 303 | 307 | 308) {
                break;
            }
            at = resolve(&at, res.header("location"));
            res = self
                .retrying(Retry::Failures, || {
                    Ok(http::Request::get(&at).body(Body::default())?)
                })
                .await?;
        }
        if res.status != 200 {
            return Err(self.refused(&format!("{repo}: blob {digest}:"), &res));
        }
        let got = format!("sha256:{}", crate::package::digest_hex(&res.body));
        if got != digest {
            bail!(
                "{}/{repo}: blob {digest} arrived as {got} (corrupt download)",
                self.root
            );
        }
        Ok(res.body)
    }

    /// The error of an answer that refused `what`: `<registry>/<what> <status> <its message>`.
    fn refused(&self, what: &str, res: &Response) -> anyhow::Error {
        anyhow!("{}/{what} {} {}", self.root, res.status, failure(res))
    }
}

/// The registry's error message (its JSON `errors`), else the body's start.
fn failure(res: &Response) -> String {
    let v: serde_json::Value = serde_json::from_slice(&res.body).unwrap_or_default();
    match v["errors"].as_array() {
        Some(errs) => errs
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e["code"].as_str().unwrap_or("?"),
                    e["message"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        None => String::from_utf8_lossy(&res.body[..res.body.len().min(200)]).to_string(),
    }
}

/// `a="x,y",b=c` split at the commas outside quotes.
fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Percent-encoding of a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_challenge_splits_at_commas_outside_quotes() {
        let c = r#"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull,push""#;
        assert_eq!(
            split_params(c),
            vec![
                r#"realm="https://auth.docker.io/token""#,
                r#"service="registry.docker.io""#,
                r#"scope="repository:library/python:pull,push""#
            ]
        );
        assert_eq!(encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }

    #[test]
    fn locations_resolve_as_urls_do() {
        let post = "https://r.example/v2/app/blobs/uploads/";
        assert_eq!(
            resolve(post, "https://s3.example/x?sig=1"),
            "https://s3.example/x?sig=1"
        );
        assert_eq!(
            resolve(post, "/v2/app/blobs/uploads/u1?_state=a"),
            "https://r.example/v2/app/blobs/uploads/u1?_state=a"
        );
        assert_eq!(
            resolve(post, "u1?_state=a"),
            "https://r.example/v2/app/blobs/uploads/u1?_state=a"
        );
        assert_eq!(
            resolve("https://cdn.example/a/b?x=1", "/c"),
            "https://cdn.example/c"
        );
        assert_eq!(
            resolve("http://127.0.0.1:5000", "/v2/"),
            "http://127.0.0.1:5000/v2/"
        );
    }
}
