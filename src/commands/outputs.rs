//! `fintech outputs`: the stage's declared outputs, read from live AWS.

use std::collections::BTreeMap;

use anyhow::Result;
use serde_json::Value;

use crate::cli::Global;

pub async fn run(g: &Global) -> Result<i32> {
    let desired = super::load_stack(g)?;
    let mut engine = super::engine(g, desired, "outputs").await?;
    engine.build = false;
    let (_, snap) = engine.plan().await?;
    print(&engine.outputs(&snap.env), g.json)?;
    Ok(0)
}

/// Prints outputs as `name = value` lines or one JSON object.
pub fn print(outputs: &BTreeMap<String, Value>, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(outputs)?);
        return Ok(());
    }
    if !outputs.is_empty() {
        println!("\nOutputs:");
    }
    for (k, v) in outputs {
        let shown = match v {
            Value::String(s) => s.clone(),
            Value::Null => "(not deployed)".into(),
            other => other.to_string(),
        };
        println!("  {k} = {shown}");
    }
    Ok(())
}
