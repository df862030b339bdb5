//! `secretsmanager.secret`: a secret in Secrets Manager, its value read from the deployer's environment.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "secretsmanager.secret",
    driver: &Secret,
    doc: "A secret in Secrets Manager, its value read from the deployer's environment",
    fields: &[f(
        "from_env",
        STR,
        Required,
        Local,
        "environment variable holding the value at deploy time",
    )],
    computed: &[("value", InPlace)],
    outputs: &["arn", "name"],
    tier: Tier::Data,
    data_bearing: false,
    lookup: false,
    hidden: &["value"],
};

/// The driver of `secretsmanager.secret`.
#[derive(Debug)]
pub struct Secret;

#[async_trait]
impl Driver for Secret {
    fn delete_rank(&self) -> u8 {
        11
    }
    fn pricing(&self) -> Pricing {
        Pricing::Secret
    }
    fn physical(&self, names: &Names, id: &str) -> String {
        format!(
            "{}/{}/{}",
            names.app,
            names.stage,
            id.trim_start_matches("secrets.")
        )
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        // Only a digest of the value is compared (and it is never shown).
        if let Some(v) = crate::aws::secret_value(p) {
            p.insert(
                "value".into(),
                Value::from(crate::package::digest_hex(v.as_bytes())),
            );
        }
        Ok(())
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::secrets::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::secrets::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::secrets::update(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::secrets::delete(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let own = format!("{}/{}/", names.app, names.stage);
        let ids = crate::aws::secrets::secret_names(aws, &own)
            .await?
            .into_iter()
            .filter_map(|n| {
                let key = n.strip_prefix(&own)?;
                (!key.contains('/')).then(|| (format!("secrets.{key}"), Attrs::new()))
            });
        Ok(ids.collect())
    }
}
