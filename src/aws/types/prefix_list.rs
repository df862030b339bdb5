//! `ec2.managed_prefix_list`: an AWS-managed prefix list looked up by name (e.g. CloudFront's
//! origin-facing addresses), for security-group rules; its id differs per region.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ec2.managed_prefix_list",
    driver: &PrefixList,
    doc: "An AWS-managed prefix list looked up by name (e.g. com.amazonaws.global.cloudfront.origin-facing), for security-group rules (`prefix_list: ${x.id}`); never created",
    fields: &[f("name", STR, Required, InPlace, "prefix list name")],
    computed: &[],
    outputs: &["id"],
    tier: Tier::Network,
    data_bearing: false,
    lookup: true,
    hidden: &[],
};

/// The driver of `ec2.managed_prefix_list`.
#[derive(Debug)]
pub struct PrefixList;

#[async_trait]
impl Driver for PrefixList {
    fn delete_rank(&self) -> u8 {
        u8::MAX // looked up, never deleted
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    /// The read looks at `name` alone, a value, never a reference.
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::ec2::read_prefix_list(c, p).await.map(Some)
    }
    async fn create(&self, c: &Call<'_>, _: &Attrs) -> Result<()> {
        bail!("{} is looked up, not managed: AWS owns it", c.id)
    }
    async fn update(&self, c: &Call<'_>, _: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        bail!(
            "{} is looked up, not managed: it has nothing to update",
            c.id
        )
    }
    async fn delete(&self, _: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        Ok(()) // AWS's, not the stage's
    }
    async fn list(&self, _: &Aws, _: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(Vec::new()) // never owned by a stage
    }
}
