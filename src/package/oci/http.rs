//! A small HTTP(S) client for container registries, on the hyper and rustls stack the AWS SDK
//! already uses; and a way to wait for it from the packaging threads, which are not async.

use std::future::Future;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;

/// A request body: the bytes, whole (layers are read into memory; images are tens of MB).
pub type Body = Full<Bytes>;

/// How long one request may take, a layer upload included.
const TIMEOUT: Duration = Duration::from_secs(600);

/// A registry answer, its body read whole.
pub struct Response {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// The client: HTTPS with the system's roots, plain HTTP for loopback registries.
pub struct Http {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Body>,
}

impl Http {
    pub fn new() -> Result<Http> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .context("loading the system's TLS roots")?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
        Ok(Http { client })
    }

    /// Sends `req` and reads the whole answer.
    pub async fn send(&self, req: http::Request<Body>) -> Result<Response> {
        let what = format!("{} {}", req.method(), req.uri());
        let work = async {
            let res = self.client.request(req).await?;
            let (parts, body) = res.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok::<_, anyhow::Error>(Response {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(TIMEOUT, work)
            .await
            .map_err(|_| anyhow!("{what}: no answer in {}s", TIMEOUT.as_secs()))?
            .with_context(|| what.clone())
    }
}

/// Runs `f` to its end from synchronous code (the packaging threads, `fintech package`), on the
/// runtime the command runs in, or on one made for it.
pub fn block_on<F: Future>(f: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| h.block_on(f))
        }
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the registry client")
            .block_on(f),
    }
}
