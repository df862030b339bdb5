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
    let report = |deleted: usize| -> Result<i32> {
        if g.json {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "stage": stage, "deleted": deleted })
                )?
            );
        } else if deleted == 0 {
            println!("Nothing to destroy: stage `{stage}` has no live resources.");
        } else {
            println!("Destroyed {deleted} resources of stage `{stage}`.");
        }
        Ok(0)
    };
    if !plan.has_changes() {
        crate::aws::lock::reap(&engine.aws, &engine.names).await?;
        return report(0);
    }
    if !g.quiet && !g.json {
        print!("{}", crate::ui::color::plan(&render::text(&plan)));
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
    report(plan.summary().delete)
}
