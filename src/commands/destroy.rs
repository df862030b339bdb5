//! `fintech destroy`: delete what the stage owns, dependents first; data only with --allow-data-loss.

use anyhow::Result;

use crate::cli::Global;
use crate::plan::render;

pub async fn run(g: &Global, yes: bool, allow_data_loss: bool) -> Result<i32> {
    let desired = super::load_stack(g)?;
    let stage = desired.stage.clone();
    // Refused outright: before a single call to AWS.
    if desired.protect {
        anyhow::bail!(
            "stage `{stage}` is protected (`protect: true` in fintech.yaml): it is never destroyed; remove `protect` there first if it really must go"
        );
    }
    let mut engine = super::engine(g, desired, "destroy").await?;
    engine.build = false;
    let (_, snap) = engine.plan().await?;
    let plan = engine.destroy_plan(&snap);
    if !plan.has_changes() {
        crate::aws::lock::reap(&engine.aws, &engine.names).await?;
        println!("Nothing to destroy: stage `{stage}` has no live resources.");
        return Ok(0);
    }
    if !g.quiet {
        print!("{}", render::text(&plan));
    }
    super::guard_data_loss(&plan, allow_data_loss)?;
    if !super::confirm(yes, &format!("Destroy stage `{stage}`?"))? {
        println!("Nothing changed.");
        return Ok(1);
    }
    drop(snap);
    let consent = super::Consent {
        yes,
        allow_data_loss,
        saved: false,
    };
    super::locked(&engine, "destroy", &plan, &consent, async |_, snap| {
        engine.destroy(&snap).await
    })
    .await?;
    println!(
        "Destroyed {} resources of stage `{stage}`.",
        plan.summary().delete
    );
    Ok(0)
}
