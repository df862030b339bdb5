//! `fintech deploy`: plan, guard, confirm, apply, and show the outputs.

use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Result;

use crate::cli::Global;
use crate::cost::delta::delta;
use crate::plan::render;

pub async fn run(g: &Global, yes: bool, allow_data_loss: bool, wait: bool) -> Result<i32> {
    let start = Instant::now();
    let desired = super::load(g)?;
    let engine = super::engine(g, desired, "deploy").await?;
    let (plan, snap) = engine.plan().await?;
    if !g.quiet {
        print!("{}", render::text(&plan));
        if plan.has_changes()
            && let Some(c) = delta(&engine.desired, &plan, engine.undeclared_resources(&snap))
        {
            println!("{c}");
        }
    }
    super::guard_data_loss(&plan, allow_data_loss)?;
    let env = if plan.has_changes() {
        if !super::confirm(yes, "Apply these changes?")? {
            println!("Nothing changed.");
            return Ok(1);
        }
        drop(snap);
        let consent = super::Consent {
            yes,
            allow_data_loss,
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
    println!(
        "\nDeploy complete in {:.1}s: {} created, {} updated, {} replaced, {} unchanged; {mutations} mutating API call{}.",
        start.elapsed().as_secs_f64(),
        s.create,
        s.update,
        s.replace,
        s.unchanged,
        if mutations == 1 { "" } else { "s" }
    );
    super::outputs::print(&engine.outputs(&env), false)?;
    Ok(0)
}
