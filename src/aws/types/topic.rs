//! `sns.topic`: an SNS topic that e-mails its subscribers (where alarms send their alerts).

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "sns.topic",
    driver: &Topic,
    doc: "An SNS topic that e-mails its subscribers (each address confirms its subscription once)",
    fields: &[f("emails", STRS, Default("[]"), InPlace, "addresses subscribed (SNS asks each to confirm)")],
    computed: &[],
    outputs: &["arn", "name"],
    tier: Tier::Operations,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `sns.topic`.
#[derive(Debug)]
pub struct Topic;

#[async_trait]
impl Driver for Topic {
    fn delete_rank(&self) -> u8 {
        8 // after the alarms that notify it
    }
    fn pricing(&self) -> Pricing {
        Pricing::Topic
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::sns::read(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::sns::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, _: &[String]) -> Result<()> {
        crate::aws::sns::update(c, p).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::sns::delete(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let topics = crate::aws::sns::topic_names(aws, &names.prefix()).await?;
        Ok(ids_by_prefix(names, topics))
    }
}
