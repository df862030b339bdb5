//! The contract of a resource type's driver: everything the engine, the packager and the cost
//! estimator need to know about one type, so that none of them ever matches on a type's name.

use std::fmt::Debug;

use anyhow::{Result, anyhow};
use async_trait::async_trait;

use super::{Attrs, Aws, Call, Live, Names, fit, wait};
use crate::cost::Pricing;
use crate::model::{Desired, Resource};

/// What preparing a resource's properties may look at (no AWS).
pub struct Prep<'a> {
    pub desired: &'a Desired,
    pub resource: &'a Resource,
    /// Install dependencies from the local cache only.
    pub offline: bool,
}

/// One resource type's behaviour. Implemented once per type in `aws/types/`, registered in
/// [`super::registry::TYPES`]. Methods without a default are the ones every type must decide.
#[async_trait]
pub trait Driver: Send + Sync + Debug {
    /// Position in the order leftovers are deleted in: lower goes first (dependents before what
    /// they depend on).
    fn delete_rank(&self) -> u8;

    /// How the type is billed.
    fn pricing(&self) -> Pricing;

    /// Adds what the deployer derives to the evaluated `props` (packaged code and its hash, a
    /// manifest, settings the type always has). No AWS call.
    fn prepare(&self, p: &Prep<'_>, props: &mut Attrs) -> Result<()>;

    /// The live resource, `None` when it does not exist; an error (a [`super::NotOwned`] one) when
    /// a resource with its name belongs to another app or stage.
    async fn read(&self, c: &Call<'_>, props: &Attrs) -> Result<Option<Live>>;

    /// Creates it from fully known `props`; adopts its own half-created self.
    async fn create(&self, c: &Call<'_>, props: &Attrs) -> Result<()>;

    /// Changes the in-place attributes in `changed` to their values in `props`.
    async fn update(
        &self,
        c: &Call<'_>,
        props: &Attrs,
        live: &Live,
        changed: &[String],
    ) -> Result<()>;

    /// Deletes it; already gone is fine.
    async fn delete(&self, c: &Call<'_>, props: &Attrs, live: &Live) -> Result<()>;

    /// Ids (with what reading them needs) of the resources of this type the stage may own, found
    /// however the service lists them; [`Driver::read`] then proves ownership.
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>>;

    /// The physical name of resource `id`.
    fn physical(&self, names: &Names, id: &str) -> String {
        fit(&names.base(id), 63)
    }

    /// Whether a replacement is created before the resource it replaces is deleted (and that one
    /// deleted only after every other change of the run): for resources others keep using until
    /// they are moved (a security group). The replacement must then not take the same name.
    fn create_before_delete(&self) -> bool {
        false
    }

    /// Whether [`Driver::prepare`] builds something slow enough to show (a zip, a site).
    fn packages(&self) -> bool {
        false
    }

    /// What [`Driver::prepare`] built, in one line, for `fintech package`.
    fn artifact(&self, _props: &Attrs) -> Option<String> {
        None
    }

    /// Whether [`Driver::read`] looks at nothing but the physical name and attributes that name no
    /// other resource: the plan then reads it at once, beside the reads of what it depends on,
    /// instead of after them (on a slow link, the plan's time is its longest chain of reads).
    fn reads_early(&self) -> bool {
        false
    }

    /// Asks at the start of a plan, beside the early reads, what a resource's read (or its
    /// [`Driver::complete`]) will ask and needs nothing for (a listing of the stage's resources, a
    /// per-region answer), so that the reads made after their dependencies find it there.
    /// `declared` has every attribute the stack sets, null where its value is not known yet. A
    /// failure is the read's to report.
    async fn prefetch(&self, _aws: &Aws, _names: &Names, _declared: &Attrs) -> Result<()> {
        Ok(())
    }

    /// Attributes without which the resource cannot be looked up (it is then taken as absent).
    fn needs_to_read(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether output `output` changes with attribute `attr` (so updating `attr` makes it unknown
    /// until applied).
    fn output_follows(&self, _output: &str, _attr: &str) -> bool {
        false
    }

    /// At plan time, fills in what only AWS knows; what it cannot know yet goes into `unknown`.
    async fn complete(&self, _aws: &Aws, _props: &mut Attrs, _unknown: &mut Attrs) -> Result<()> {
        Ok(())
    }

    /// At apply time, the same, producing what is missing (an image built and pushed).
    async fn complete_for_apply(&self, _aws: &Aws, _id: &str, _props: &mut Attrs) -> Result<()> {
        Ok(())
    }

    /// Waits until the resource, given its `outputs`, serves what it was changed to, where AWS
    /// finishes the work after answering (a CloudFront distribution reaching `Deployed`, minutes
    /// later): for `deploy --wait`.
    async fn settle(&self, _c: &Call<'_>, _outputs: &Attrs) -> Result<()> {
        Ok(())
    }

    /// Tags resource `c.name`, made without fintech, as the stage's: `fintech adopt --yes`, once
    /// the read (with [`Names::adopting`]) has found it untagged. Nothing else about it changes.
    async fn take_over(&self, c: &Call<'_>) -> Result<()> {
        Err(anyhow!(
            "fintech cannot take over a {} made without it",
            c.schema.name
        ))
    }

    /// Whether [`Driver::take_over`] is implemented: what `fintech adopt` may look for.
    fn adoptable(&self) -> bool {
        false
    }

    /// Before several leftovers of this type are deleted, drops their references to each other.
    async fn detach(&self, _c: &Call<'_>, _live: &Live) -> Result<()> {
        Ok(())
    }
}

/// Creates the resource and reads it back. What was just created may not be visible to reads
/// at once (eventual consistency), so the read-back is retried for a while.
pub async fn create(c: &Call<'_>, props: &Attrs) -> Result<Live> {
    if let Err(e) = c.driver().create(c, props).await {
        return after_a_lost_answer(c, props, e).await;
    }
    let what = format!("{} to be readable after its creation", c.name);
    wait::found(&what, wait::PROPAGATION, || c.driver().read(c, props)).await
}

/// A create refused because the thing exists: when the answer to a first attempt was lost (a
/// timeout, a dropped connection), the SDK sends the create again and AWS refuses the duplicate.
/// If the resource is there and ours (the read checks the owner), the create happened: what it
/// did not get to is finished as an update. Any other error stands.
async fn after_a_lost_answer(c: &Call<'_>, props: &Attrs, e: anyhow::Error) -> Result<Live> {
    if !super::error::is_already_there(&e) {
        return Err(e);
    }
    let Some(live) = c.driver().read(c, props).await? else {
        return Err(e);
    };
    update_what_differs(c, props, live).await
}

/// Updates the attributes where `live` differs from `props` (compared afresh: the plan's diff may
/// be stale), and reads it back; `live` as it is when nothing differs.
pub async fn update_what_differs(c: &Call<'_>, props: &Attrs, live: Live) -> Result<Live> {
    let changed: Vec<String> = crate::plan::diff::diff(
        c.id,
        &c.name,
        c.schema,
        props,
        &Attrs::new(),
        Some(&live.attrs),
    )
    .changes
    .into_iter()
    .map(|ch| ch.attribute)
    .collect();
    if changed.is_empty() {
        Ok(live)
    } else {
        update(c, props, &live, &changed).await
    }
}

/// Updates the resource and reads it back.
pub async fn update(c: &Call<'_>, props: &Attrs, live: &Live, changed: &[String]) -> Result<Live> {
    c.driver().update(c, props, live, changed).await?;
    c.driver()
        .read(c, props)
        .await?
        .ok_or_else(|| anyhow!("{} disappeared while being updated", c.name))
}

/// Reads the resource unless an attribute its lookup needs is still unknown.
pub async fn read(c: &Call<'_>, props: &Attrs, unknown: &Attrs) -> Result<Option<Live>> {
    if c.driver()
        .needs_to_read()
        .iter()
        .any(|a| unknown.contains_key(*a))
    {
        return Ok(None);
    }
    c.driver().read(c, props).await
}
