//! `fintech plan`: the exact diff between the stack and live AWS, and what it does to the bill.

use anyhow::Result;

use crate::cli::{Global, PlanFormat};
use crate::cost::delta::delta;
use crate::plan::render;
use crate::report::{self, graph::Graph};

pub async fn run(
    g: &Global,
    detailed_exitcode: bool,
    out: Option<&std::path::Path>,
    format: PlanFormat,
) -> Result<i32> {
    let desired = super::load(g)?;
    let engine = super::engine(g, desired, "plan").await?;
    let (plan, snap) = engine.plan().await?;
    let cost = plan
        .has_changes()
        .then(|| delta(&engine.desired, &plan, engine.undeclared_resources(&snap)))
        .flatten();
    let format = super::json_or(g, format, PlanFormat::Text, PlanFormat::Json)?;
    match format {
        PlanFormat::Json => {
            let mut v = render::json(&plan);
            v["monthly_cost"] = serde_json::to_value(&cost)?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        PlanFormat::Text => {
            print!("{}", crate::ui::color::plan(&render::text(&plan)));
            if let Some(c) = &cost {
                println!("{c}");
            }
        }
        PlanFormat::Markdown | PlanFormat::Html => {
            let graph = Graph::with_plan(&engine.desired, &plan);
            print!(
                "{}",
                if format == PlanFormat::Html {
                    report::plan::html(&plan, cost.as_ref(), &graph)
                } else {
                    report::plan::markdown(&plan, cost.as_ref(), &graph)
                }
            );
        }
    }
    if let Some(path) = out {
        crate::plan::saved::write(path, &engine.desired, &plan)?;
        if format == PlanFormat::Text && !g.quiet {
            println!(
                "\nSaved the plan to {}: `fintech deploy {}` applies exactly it.",
                path.display(),
                path.display()
            );
        }
    }
    Ok(if detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    })
}
