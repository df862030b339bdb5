//! `fintech stages`: the stages fintech.yaml declares, whether each is deployed (its resources found
//! live, by name and fintech's ownership tags, as plan finds them) and whether it is in step with
//! the stack files, its option, region and last deploy; and stages with a deploy record but no
//! longer declared (they still cost).

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::Global;
use crate::model::{self, Selection};

/// One stage's row.
struct Row {
    stage: String,
    declared: bool,
    option: String,
    region: String,
    protect: bool,
    /// Resources of the stage found live (what destroy would delete).
    live: usize,
    /// Whether deploy would change something.
    pending: Option<bool>,
    last: Option<Value>,
}

pub async fn run(g: &Global) -> Result<i32> {
    // An unreadable fintech.yaml gives `dev`, whose load below reports the file's errors.
    let stages = super::stage_names(g);
    let mut rows = Vec::new();
    let mut regions_seen = Vec::new();
    for stage in &stages {
        let sel = Selection {
            stage: Some(stage.clone()),
            option: g.option.clone(),
            region: g.region.clone(),
            payload: false,
        };
        let desired = model::load(&g.dir, &sel)?;
        let (app, option, region, protect) = (
            desired.app.clone(),
            desired.option.clone(),
            desired.region.clone(),
            desired.protect,
        );
        let mut engine = super::engine(g, desired, "stages").await?;
        engine.build = false;
        let (plan, snap) = engine.plan().await?;
        // What the stage owns live: what destroy would delete (looked-up resources, like the
        // default VPC, are not the stage's).
        let live = engine.destroy_plan(&snap).summary().delete;
        let last = snap.last_deploy.clone();
        if !regions_seen.contains(&region) {
            regions_seen.push(region.clone());
            // Stages recorded in this region but no longer declared.
            for (other, record) in crate::aws::lock::recorded_stages(&engine.aws, &app).await? {
                if !stages.contains(&other) && record["command"] == "deploy" {
                    rows.push(Row {
                        stage: other,
                        declared: false,
                        option: record["option"].as_str().unwrap_or("?").to_string(),
                        region: region.clone(),
                        protect: false,
                        live: 0,
                        pending: None,
                        last: Some(record),
                    });
                }
            }
        }
        rows.push(Row {
            stage: stage.clone(),
            declared: true,
            option,
            region,
            protect,
            live,
            pending: Some(plan.has_changes()),
            last,
        });
    }
    rows.sort_by(|a, b| (!a.declared, &a.stage).cmp(&(!b.declared, &b.stage)));
    if g.json {
        let out: Vec<Value> = rows.iter().map(row_json).collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", table(&rows));
    }
    Ok(0)
}

/// Deployed: the last record says the stage was deployed (for an undeclared stage), or some of
/// its resources are live.
fn deployed(r: &Row) -> bool {
    if r.declared { r.live > 0 } else { true }
}

fn row_json(r: &Row) -> Value {
    json!({
        "stage": r.stage,
        "declared": r.declared,
        "deployed": deployed(r),
        "option": r.option,
        "region": r.region,
        "protect": r.protect,
        "live_resources": r.live,
        "changes_pending": r.pending,
        "last_change": r.last.as_ref().map(|l| json!({
            "at": crate::aws::lock::record_time(l),
            "command": l["command"],
            "by": l["by"],
            "option": l["option"],
            "fintech": l["fintech"],
        })),
    })
}

fn table(rows: &[Row]) -> String {
    let mut lines = vec![
        [
            "stage",
            "option",
            "region",
            "deployed",
            "in step",
            "last change",
        ]
        .map(str::to_string),
    ];
    for r in rows {
        let last = r.last.as_ref().map_or_else(
            || "-".to_string(),
            |l| {
                format!(
                    "{} {} by {}",
                    l["command"].as_str().unwrap_or("deploy"),
                    crate::aws::lock::record_time(l).unwrap_or_default(),
                    l["by"].as_str().unwrap_or("?")
                )
            },
        );
        let mut stage = r.stage.clone();
        if r.protect {
            stage.push_str(" (protected)");
        }
        if !r.declared {
            stage.push_str(" (not declared)");
        }
        let deployed = match (r.declared, deployed(r)) {
            (false, _) => "yes (recorded)".to_string(),
            (true, true) => format!("yes ({} resources)", r.live),
            (true, false) => "no".to_string(),
        };
        let in_step = match r.pending {
            Some(false) => "yes",
            Some(true) if r.live > 0 => "no: plan shows changes",
            Some(true) => "-",
            None => "?",
        };
        lines.push([
            stage,
            r.option.clone(),
            r.region.clone(),
            deployed,
            in_step.to_string(),
            last,
        ]);
    }
    let mut out = crate::ui::table(&lines);
    if rows.iter().any(|r| !r.declared) {
        out.push_str("\nA stage no longer declared in fintech.yaml was deployed and may still cost: declare it again and run `fintech destroy --stage NAME`.\n");
    }
    out
}
