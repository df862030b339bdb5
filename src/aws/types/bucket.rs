//! `s3.bucket`: a private S3 bucket (public access blocked, ACLs off, encrypted, TLS only).

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "s3.bucket",
    driver: &Bucket,
    doc: "A private S3 bucket (public access blocked, ACLs off, SSE-S3, requests without TLS denied, incomplete uploads aborted after 7 days)",
    fields: &[
        f("versioning", BOOL, Default("false"), InPlace, "keep object versions"),
        f("force_destroy", BOOL, Default("false"), Local, "let destroy empty it"),
        f("expire_days", Ty::Int { min: 1, max: 36500 }, Optional, Local, "delete objects (and old versions) this many days old"),
    ],
    computed: &[
        ("public_access_blocked", InPlace),
        ("owner_enforced", InPlace),
        ("encrypted", InPlace),
        ("tls_only", InPlace),
        ("lifecycle", InPlace),
    ],
    outputs: &["name", "arn", "regional_domain"],
    tier: Tier::Data,
    data_bearing: true,
    lookup: false,
    hidden: &[],
};

/// The driver of `s3.bucket`.
#[derive(Debug)]
pub struct Bucket;

#[async_trait]
impl Driver for Bucket {
    fn delete_rank(&self) -> u8 {
        14
    }
    fn pricing(&self) -> Pricing {
        Pricing::Bucket
    }
    fn physical(&self, names: &Names, id: &str) -> String {
        // Bucket names are global: the account and region make them ours.
        fit(
            &format!("{}-{}-{}", names.base(id), names.account, names.region),
            63,
        )
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        for flag in [
            "public_access_blocked",
            "owner_enforced",
            "encrypted",
            "tls_only",
        ] {
            p.insert(flag.into(), Value::Bool(true));
        }
        let expire = crate::aws::s3::expire_days(p);
        p.insert(
            "lifecycle".into(),
            Value::from(crate::aws::bucket_guard::lifecycle_text(expire)),
        );
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::s3::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::s3::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, changed: &[String]) -> Result<()> {
        crate::aws::s3::update(c, p, live, changed).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, _: &Live) -> Result<()> {
        crate::aws::s3::delete(c, p).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::s3::take_over(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let suffix = format!("-{}-{}", names.account, names.region);
        let stems = crate::aws::s3::bucket_names(aws, &names.prefix())
            .await?
            .into_iter()
            .filter_map(|n| n.strip_suffix(&suffix).map(str::to_string));
        Ok(ids_by_prefix(names, stems))
    }
}
