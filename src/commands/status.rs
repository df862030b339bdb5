//! `fintech status`: each resource of the stage at a glance (live or not, in step with the stack
//! files or not, and which attributes differ) and the outputs; read as `plan` reads.

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::Global;
use crate::plan::{Action, Step};

pub async fn run(g: &Global) -> Result<i32> {
    let desired = super::load_stack(g)?;
    let mut engine = super::engine(g, desired, "status").await?;
    engine.build = false;
    let (plan, snap) = engine.plan().await?;
    let outputs = engine.outputs(&snap.env);
    let rows: Vec<Value> = plan.resources.iter().map(row).collect();
    if g.json {
        let v = json!({
            "app": plan.app, "stage": plan.stage, "option": plan.option, "region": plan.region,
            "account": plan.account, "resources": rows, "outputs": outputs,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    println!(
        "{}/{} ({}, {}, account {})\n",
        plan.app, plan.stage, plan.option, plan.region, plan.account
    );
    let mut lines = vec![["resource", "type", "live", "drift", "name"].map(str::to_string)];
    for r in &rows {
        let drift = match r["differs"].as_array() {
            Some(_) if r["action"] == "delete" => "yes: no longer declared".to_string(),
            Some(a) if a.is_empty() && r["action"] == "replace" => "yes: replaced".to_string(),
            Some(a) if !a.is_empty() => {
                let outside = r["changed_outside_fintech"].as_array().map_or(0, Vec::len);
                let names: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
                let why = match outside {
                    0 => "",
                    n if n == a.len() => " (changed outside fintech)",
                    _ => " (some changed outside fintech)",
                };
                format!("yes: {}{why}", names.join(", "))
            }
            _ if r["live"] == false => "-".to_string(),
            _ => "no".to_string(),
        };
        lines.push([
            r["id"].as_str().unwrap_or_default().to_string(),
            r["type"].as_str().unwrap_or_default().to_string(),
            if r["live"] == true { "yes" } else { "no" }.to_string(),
            drift,
            r["name"].as_str().unwrap_or_default().to_string(),
        ]);
    }
    print!("{}", crate::ui::table(&lines));
    let s = plan.summary();
    let live = rows.iter().filter(|r| r["live"] == true).count();
    println!(
        "\n{live} of {} resources live; {} differ from the stack files (`fintech plan` shows how).",
        rows.len(),
        s.update + s.replace + s.delete
    );
    super::outputs::print(&outputs, false)?;
    Ok(0)
}

/// One resource: whether it is live, and the attributes in which it differs from the stack files.
fn row(step: &Step) -> Value {
    let live = !matches!(step.action, Action::Create);
    let differs: Vec<&str> = if matches!(step.action, Action::Update | Action::Replace) {
        step.changes.iter().map(|c| c.attribute.as_str()).collect()
    } else {
        Vec::new()
    };
    let outside: Vec<&str> = step
        .changes
        .iter()
        .filter(|c| c.drift)
        .map(|c| c.attribute.as_str())
        .collect();
    json!({
        "id": step.id, "type": step.type_name, "name": step.name, "live": live,
        "action": step.action, "drift": live && step.action.is_change(), "differs": differs,
        "changed_outside_fintech": outside,
    })
}
