//! `fintech deploy`: plan, guard, confirm, apply, and show the outputs.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Result;

use crate::cli::Global;
use crate::cost::delta::delta;
use crate::plan::{render, saved};

pub async fn run(
    g: &Global,
    saved: Option<&Path>,
    yes: bool,
    allow_data_loss: bool,
    wait: bool,
) -> Result<i32> {
    let start = Instant::now();
    let saved = saved.map(saved::read).transpose()?;
    let desired = match &saved {
        Some(s) => super::load_saved(g, s)?,
        None => super::load(g)?,
    };
    if let Some(s) = &saved {
        s.check_stack(&desired)?;
    }
    let engine = super::engine(g, desired, "deploy").await?;
    let (plan, snap) = engine.plan().await?;
    if let Some(s) = &saved {
        s.check_plan(&plan)?;
    }
    if !g.quiet && !g.json {
        print!("{}", crate::ui::color::plan(&render::text(&plan)));
        if plan.has_changes()
            && let Some(c) = delta(&engine.desired, &plan, engine.undeclared_resources(&snap))
        {
            println!("{c}");
        }
    }
    super::guard_data_loss(&plan, allow_data_loss)?;
    // Nothing to change still takes the lock to write a missing deploy record (see `locked`).
    let env = if plan.has_changes() || super::unrecorded(&snap) {
        // A saved plan was reviewed when it was made: applying it is the answer.
        if plan.has_changes() && saved.is_none() && !super::confirm(yes, "Apply these changes?")? {
            println!("Nothing changed.");
            return Ok(1);
        }
        drop(snap);
        let consent = super::Consent {
            yes: yes && saved.is_none(),
            allow_data_loss,
            saved: saved.is_some(),
        };
        super::locked(&engine, "deploy", &plan, &consent, async |fresh, snap| {
            engine.apply(fresh, snap).await
        })
        .await?
    } else {
        crate::aws::lock::reap(&engine.aws, &engine.names).await?;
        snap.env
    };
    if wait {
        engine.settle(&env).await?;
    }
    let s = plan.summary();
    let mutations = engine.aws.mutations.load(Ordering::Relaxed);
    let outputs = engine.outputs(&env);
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "app": engine.desired.app, "stage": engine.desired.stage,
                "option": engine.desired.option, "region": engine.desired.region,
                "seconds": start.elapsed().as_secs_f64(), "summary": s,
                "mutating_calls": mutations, "outputs": outputs,
            }))?
        );
        return Ok(0);
    }
    println!(
        "\nDeploy complete in {:.1}s: {} created, {} updated, {} replaced, {} unchanged; {mutations} mutating API call{}.",
        start.elapsed().as_secs_f64(),
        s.create,
        s.update,
        s.replace,
        s.unchanged,
        if mutations == 1 { "" } else { "s" }
    );
    super::outputs::print(&outputs, false)?;
    Ok(0)
}
