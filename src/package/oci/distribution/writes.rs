//! Writing to a registry: whether it has a blob, blob uploads (a new session for each attempt that
//! failed), manifests.

use anyhow::{Result, anyhow};
use hyper::body::Bytes;

use super::{Registry, Retry, backoff, encode, resolve};

/// How many upload sessions a blob gets.
const SESSIONS: u32 = 3;

/// Why an upload session failed: worth a new session, or not.
enum Failure {
    Again(anyhow::Error),
    Fatal(anyhow::Error),
}

impl Failure {
    /// A failure answered with `status`: a new session may succeed after a 5xx or 416.
    fn of(status: u16, e: anyhow::Error) -> Failure {
        if status >= 500 || status == 416 || status == 429 {
            Failure::Again(e)
        } else {
            Failure::Fatal(e)
        }
    }
}

impl Registry {
    /// Whether `repo` has the blob `digest`.
    pub async fn has_blob(&self, repo: &str, digest: &str) -> Result<bool> {
        let res = self
            .send(
                http::Method::HEAD,
                &format!("/v2/{repo}/blobs/{digest}"),
                &[],
                Bytes::new(),
            )
            .await?;
        match res.status {
            // A redirect to the blob's storage: it is there.
            200 | 301 | 302 | 303 | 307 | 308 => Ok(true),
            404 => Ok(false),
            _ => Err(self.refused(&format!("{repo}: HEAD blob {digest}:"), &res)),
        }
    }

    /// Uploads `bytes` as the blob `digest` of `repo`: an upload session opened (POST), the bytes
    /// sent whole with the digest that closes it (PUT), the spec's monolithic upload. Not PATCH:
    /// ECR answers a PATCH with 201 where the spec says 202, and drops the bytes of any PATCH after
    /// the first (aws/containers-roadmap#2831; kitops and tart moved to one PUT for ECR). A PUT
    /// that fails is not sent again into its session (ECR answers 416 BLOB_UPLOAD_INVALID to a
    /// session restarted from byte 0, apple/container#1895): a new session is opened, 3 at most.
    pub async fn upload(&self, repo: &str, digest: &str, bytes: Bytes) -> Result<()> {
        let mut session = 0;
        loop {
            session += 1;
            match self.upload_once(repo, digest, bytes.clone()).await {
                Ok(()) => return Ok(()),
                Err(Failure::Again(_)) if session < SESSIONS => {
                    tokio::time::sleep(backoff(session)).await;
                }
                Err(Failure::Again(e) | Failure::Fatal(e)) => return Err(e),
            }
        }
    }

    /// One upload session: a failure the registry may not repeat (5xx, 416, a broken connection)
    /// is worth a new session, any other is the answer.
    async fn upload_once(&self, repo: &str, digest: &str, bytes: Bytes) -> Result<(), Failure> {
        let start_at = format!("/v2/{repo}/blobs/uploads/");
        let start = self
            .send(
                http::Method::POST,
                &start_at,
                &[("Content-Length", "0")],
                Bytes::new(),
            )
            .await
            .map_err(Failure::Again)?;
        if start.status != 202 {
            let e = self.refused(&format!("{repo}: starting an upload:"), &start);
            return Err(Failure::of(start.status, e));
        }
        let at = start.header("location");
        if at.is_empty() {
            return Err(Failure::Fatal(anyhow!(
                "{}/{repo}: the registry opened an upload without saying where (no Location)",
                self.root
            )));
        }
        let at = resolve(&self.url(&start_at), at);
        let sep = if at.contains('?') { '&' } else { '?' };
        let size = bytes.len().to_string();
        let done = self
            .send_as(
                http::Method::PUT,
                &format!("{at}{sep}digest={}", encode(digest)),
                &[
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Length", &size),
                ],
                bytes,
                Retry::Throttled,
            )
            .await
            .map_err(Failure::Again)?;
        if done.status != 201 {
            let e = self.refused(&format!("{repo}: uploading {digest}:"), &done);
            return Err(Failure::of(done.status, e));
        }
        Ok(())
    }

    /// Puts a manifest under `tag`; returns the digest the registry gives it.
    pub async fn put_manifest(
        &self,
        repo: &str,
        tag: &str,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<String> {
        let res = self
            .send(
                http::Method::PUT,
                &format!("/v2/{repo}/manifests/{tag}"),
                &[("Content-Type", media_type)],
                bytes.clone(),
            )
            .await?;
        if res.status != 201 {
            return Err(self.refused(&format!("{repo}:{tag}: putting the manifest:"), &res));
        }
        Ok(match res.header("docker-content-digest") {
            "" => format!("sha256:{}", crate::package::digest_hex(&bytes)),
            d => d.to_string(),
        })
    }
}
