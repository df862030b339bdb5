//! `fintech plan`: the exact diff between the stack and live AWS.

use anyhow::Result;

use crate::cli::Global;
use crate::plan::render;

pub async fn run(g: &Global, json: bool, detailed_exitcode: bool) -> Result<i32> {
    let desired = super::load(g)?;
    let engine = super::engine(g, desired).await?;
    let (plan, _) = engine.plan().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&render::json(&plan))?);
    } else {
        print!("{}", render::text(&plan));
    }
    Ok(if detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    })
}
