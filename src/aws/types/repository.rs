//! `ecr.repository`: a private ECR repository for the backend image, scanned on push, keeping the last N images.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ecr.repository",
    driver: &Repository,
    doc: "A private ECR repository for the backend image, scanned on push, keeping the last N images",
    fields: &[
        f("scan_on_push", BOOL, Default("true"), InPlace, "scan images for vulnerabilities when pushed"),
        f("keep_images", Ty::Int { min: 1, max: 1000 }, Default("10"), InPlace, "lifecycle policy: images kept"),
    ],
    computed: &[],
    outputs: &["url", "arn", "name"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `ecr.repository`.
#[derive(Debug)]
pub struct Repository;

#[async_trait]
impl Driver for Repository {
    fn delete_rank(&self) -> u8 {
        7
    }
    fn pricing(&self) -> Pricing {
        Pricing::Registry
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::ecr::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::ecr::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, changed: &[String]) -> Result<()> {
        crate::aws::ecr::update(c, p, changed).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::ecr::delete(c).await
    }
    fn adoptable(&self) -> bool {
        true
    }
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        crate::aws::ecr::take_over(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::ecr::repository_names(aws).await?,
        ))
    }
}
