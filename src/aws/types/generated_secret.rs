//! `secretsmanager.generated`: a random token fintech generates and keeps in Secrets Manager (never
//! shown), shared by resources that must agree on it; `fintech rotate ID` gives it a new value.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "secretsmanager.generated",
    driver: &Generated,
    doc: "A random token fintech generates and keeps in Secrets Manager (never shown); `fintech rotate ID` replaces it, the previous value staying valid until the next rotation",
    fields: &[f("length", Ty::Int { min: 32, max: 128 }, Default("48"), Local, "characters (letters and digits)")],
    computed: &[("value_set", InPlace)],
    outputs: &["arn", "name"],
    tier: Tier::Data,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// Generated secrets live under this part of the stage's secret names (the declared secrets are
/// directly under `app/stage/`).
const UNDER: &str = "generated";

/// The driver of `secretsmanager.generated`.
#[derive(Debug)]
pub struct Generated;

#[async_trait]
impl Driver for Generated {
    fn delete_rank(&self) -> u8 {
        11
    }
    fn pricing(&self) -> Pricing {
        Pricing::Secret
    }
    fn physical(&self, names: &Names, id: &str) -> String {
        format!("{}/{}/{UNDER}/{id}", names.app, names.stage)
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        p.insert("value_set".into(), Value::Bool(true));
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
        let own = format!("{}/{}/{UNDER}/", names.app, names.stage);
        let ids = crate::aws::secrets::secret_names(aws, &own)
            .await?
            .into_iter()
            .filter_map(|n| {
                let id = n.strip_prefix(&own)?;
                (!id.contains('/')).then(|| (id.to_string(), Attrs::new()))
            });
        Ok(ids.collect())
    }
}
