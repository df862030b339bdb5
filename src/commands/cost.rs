//! `fintech cost`: the monthly estimate from the stack file alone (no AWS call), one option or all.

use anyhow::Result;

use crate::cli::{CostFormat, Global};
use crate::cost::free_tier::{self, Choice, Date};
use crate::cost::{Catalog, FreeTier, estimate, render};
use crate::model::{self, OPTIONS, Selection};

pub fn run(g: &Global, tier: Option<FreeTier>, format: CostFormat) -> Result<i32> {
    let format = super::json_or(g, format, CostFormat::Text, CostFormat::Json)?;
    // The page compares the options unless one is named.
    let option = match (g.option.as_deref(), format) {
        (None, CostFormat::Html) => Some("all"),
        (o, _) => o,
    };
    let options: Vec<String> = match option {
        Some("all") => OPTIONS
            .iter()
            .filter(|o| g.dir.join("stacks").join(format!("{o}.yaml")).is_file())
            .map(|o| o.to_string())
            .collect(),
        Some(o) => vec![o.to_string()],
        None => vec![super::load_stack(g)?.option],
    };
    let mut all = Vec::new();
    for o in &options {
        let d = model::load(
            &g.dir,
            &Selection {
                stage: g.stage.clone(),
                option: Some(o.clone()),
                region: g.region.clone(),
                payload: false,
            },
        )?;
        let choice = match tier {
            Some(tier) => Choice {
                tier,
                why: "as `--free-tier` says".into(),
            },
            None => free_tier::choose(
                d.account_created.as_deref().and_then(Date::parse),
                Date::today(),
            ),
        };
        all.push(estimate(&d, Catalog::shipped(), choice, d.budget_usd)?);
    }
    if format == CostFormat::Html {
        print!(
            "{}",
            crate::report::cost_html::render(&all, &Catalog::shipped().compiled)
        );
        return Ok(0);
    }
    if format == CostFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "currency": "USD", "catalog": Catalog::shipped().compiled, "estimates": all })
            )?
        );
        return Ok(0);
    }
    for e in &all {
        println!("{}", render::text(e));
    }
    if all.len() > 1 {
        print!("{}", render::side_by_side(&all));
    }
    if let Some(e) = all.first() {
        print!("\n{}", render::usage(e));
    }
    println!(
        "Prices: on-demand list prices of {} (src/cost/catalog.json, each with its source and date).",
        Catalog::shipped().compiled
    );
    Ok(0)
}
