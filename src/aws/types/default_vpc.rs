//! `ec2.default_vpc`: the region's default VPC and its subnets (looked up, never created).

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ec2.default_vpc",
    driver: &DefaultVpc,
    doc: "The region's default VPC and its subnets (looked up, never created)",
    fields: &[],
    computed: &[],
    outputs: &["id", "subnet_ids"],
    tier: Tier::Network,
    data_bearing: false,
    lookup: true,
    hidden: &[],
};

/// The driver of `ec2.default_vpc`.
#[derive(Debug)]
pub struct DefaultVpc;

#[async_trait]
impl Driver for DefaultVpc {
    fn delete_rank(&self) -> u8 {
        u8::MAX // looked up, never deleted
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::ec2::read_vpc(c).await.map(Some)
    }
    async fn create(&self, c: &Call<'_>, _: &Attrs) -> Result<()> {
        Err(crate::aws::ec2::no_default_vpc(c.aws))
    }
    async fn update(&self, c: &Call<'_>, _: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        bail!(
            "{} is looked up, not managed: it has nothing to update",
            c.id
        )
    }
    async fn delete(&self, _: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        Ok(()) // the default VPC is the account's, not the stage's
    }
    async fn list(&self, _: &Aws, _: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(Vec::new()) // never owned by a stage
    }
}
