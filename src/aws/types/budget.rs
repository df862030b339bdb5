//! `budgets.budget`: a monthly AWS cost budget with e-mail alerts.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "budgets.budget",
    driver: &Budget,
    doc: "A monthly AWS cost budget with e-mail alerts",
    fields: &[
        f("limit_usd", Ty::Num, Required, Replace, "monthly limit in USD"),
        f("emails", STRS, Required, InPlace, "who is alerted"),
        f("thresholds_percent", Ty::List(&Ty::Int { min: 1, max: 1000 }), Default("[80, 100]"), InPlace, "alert at these percentages of actual spend"),
    ],
    computed: &[],
    outputs: &["name"],
    tier: Tier::Operations,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `budgets.budget`.
#[derive(Debug)]
pub struct Budget;

#[async_trait]
impl Driver for Budget {
    fn delete_rank(&self) -> u8 {
        9
    }
    fn pricing(&self) -> Pricing {
        Pricing::Budget
    }
    fn physical(&self, names: &Names, id: &str) -> String {
        // Budgets cannot be told apart by tags everywhere, so the name alone must prove whose
        // a budget is: `/` cannot occur in an app or a stage name, `-` can (`dev` vs `dev-eu`).
        format!("{}/{}/{}", names.app, names.stage, id.replace('_', "-"))
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::budgets::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::budgets::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, changed: &[String]) -> Result<()> {
        crate::aws::budgets::update(c, p, live, changed).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::budgets::delete(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let own = format!("{}/{}/", names.app, names.stage);
        let ids = crate::aws::budgets::budget_names(aws)
            .await?
            .into_iter()
            .filter_map(|n| {
                let id = n.strip_prefix(&own)?;
                (!id.contains('/')).then(|| (id.replace('-', "_"), Attrs::new()))
            });
        Ok(ids.collect())
    }
}
