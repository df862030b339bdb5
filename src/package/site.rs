//! The static site on disk: file manifest (MD5, as S3 ETags), content types, cache headers, invalidation paths.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// Every file under `root` by its key (path with `/`), with its hex MD5 (remembered per file).
pub fn manifest(root: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).follow_links(true) {
        let entry = entry.with_context(|| format!("reading {}", root.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(root).expect("under root");
        let key = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.insert(
            key,
            super::hashes::of(entry.path(), super::hashes::Algo::Md5)?,
        );
    }
    Ok(out)
}

/// MIME type by extension.
pub fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or_default() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "application/javascript",
        "css" => "text/css",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "xml" => "application/xml",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Hashed build assets never change; pages must be revalidated; the rest is cached an hour.
pub fn cache_control(key: &str) -> &'static str {
    if key.starts_with("_next/static/") {
        "public, max-age=31536000, immutable"
    } else if key.ends_with(".html") || key.ends_with(".json") {
        "no-cache"
    } else {
        "public, max-age=3600"
    }
}

/// The URL paths that serve `key` (an `index.html` also serves its directory).
pub fn paths_for(key: &str) -> Vec<String> {
    let mut out = vec![format!("/{key}")];
    if let Some(dir) = key.strip_suffix("index.html") {
        out.push(format!("/{dir}"));
        if let Some(d) = dir.strip_suffix('/') {
            out.push(format!("/{d}"));
        }
    } else if let Some(page) = key.strip_suffix(".html") {
        out.push(format!("/{page}"));
    }
    out
}

/// A short stable token for a list of strings (used as an idempotency reference).
pub fn digest(items: &[String]) -> String {
    crate::package::digest_hex(items.join("\n").as_bytes())[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_paths_follow_the_file_kind() {
        assert_eq!(
            cache_control("_next/static/chunks/a.js"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("index.html"), "no-cache");
        assert_eq!(content_type("a/b.css"), "text/css");
        assert_eq!(paths_for("index.html"), ["/index.html", "/"]);
        assert_eq!(
            paths_for("watch/index.html"),
            ["/watch/index.html", "/watch/", "/watch"]
        );
        assert_eq!(paths_for("about.html"), ["/about.html", "/about"]);
    }

    #[test]
    fn manifest_is_md5_by_key() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a")).unwrap();
        std::fs::write(d.path().join("a/x.txt"), "hello").unwrap();
        let m = manifest(d.path()).unwrap();
        assert_eq!(m["a/x.txt"], "5d41402abc4b2a76b9719d911017c592");
    }
}
