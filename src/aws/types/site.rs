//! `s3.site`: the static site's files, synced to a bucket (changed files only) and invalidated in CloudFront.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "s3.site",
    driver: &Site,
    doc: "The static site's files, synced to a bucket (changed files only) and invalidated in CloudFront",
    fields: &[
        f("bucket", STR, Required, Replace, "bucket name"),
        f("source", STR, Required, Local, "directory of built static files"),
        f("build", STR, Optional, Local, "frontend directory built into `source` first (npm ci, npm run build; skipped when its sources are unchanged)"),
        f("distribution", STR, Optional, Local, "distribution id to invalidate"),
    ],
    computed: &[("files", InPlace)],
    outputs: &["files"],
    tier: Tier::Edge,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `s3.site`.
#[derive(Debug)]
pub struct Site;

#[async_trait]
impl Driver for Site {
    fn delete_rank(&self) -> u8 {
        u8::MAX // never listed: its files go with its bucket
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free // priced with its bucket and distribution
    }
    fn prepare(&self, p: &Prep<'_>, props: &mut Attrs) -> Result<()> {
        crate::package::site_files(p, props)
    }
    fn packages(&self) -> bool {
        true
    }
    fn artifact(&self, p: &Attrs) -> Option<String> {
        Some(format!(
            "{} files from {}",
            p.get("files").and_then(Value::as_object)?.len(),
            p.get("source_dir")?.as_str()?
        ))
    }
    fn needs_to_read(&self) -> &'static [&'static str] {
        &["bucket"]
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::site::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::site::sync(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::site::sync(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, _: &Live) -> Result<()> {
        crate::aws::site::delete(c, p).await
    }
    async fn list(&self, _: &Aws, _: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(Vec::new()) // a site is its bucket's content: it goes when the bucket goes
    }
}
