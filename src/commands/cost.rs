//! `fintech cost`: the monthly estimate from the stack file alone (no AWS call), one option or all.

use anyhow::Result;

use crate::cli::Global;
use crate::cost::free_tier::{self, Choice, Date};
use crate::cost::{Catalog, FreeTier, estimate, render};
use crate::model::{self, OPTIONS, Selection};

pub fn run(g: &Global, option: Option<&str>, json: bool, tier: Option<FreeTier>) -> Result<i32> {
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
    if json {
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
