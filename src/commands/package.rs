//! `fintech package`: builds every artifact (Lambda zips, site manifest) without touching AWS.

use crate::cli::Global;
use crate::model::eval::{Env, eval_props};
use crate::package;
use anyhow::Result;

pub fn run(g: &Global) -> Result<i32> {
    let desired = super::load(g)?;
    let mut built = Vec::new();
    for id in &desired.order {
        let r = &desired.resources[id];
        if !r.schema.driver.packages() {
            continue;
        }
        let (mut props, _) = eval_props(&r.props, &Env::default());
        let t = std::time::Instant::now();
        package::prepare(&desired, r, &mut props, g.offline)?;
        let what = r.schema.driver.artifact(&props).unwrap_or_default();
        let secs = t.elapsed().as_secs_f64();
        if g.json {
            built.push(serde_json::json!({"resource": id, "artifact": what, "seconds": secs}));
        } else {
            println!("{id}: {what} in {secs:.1}s");
        }
    }
    if g.json {
        println!("{}", serde_json::to_string_pretty(&built)?);
    }
    Ok(0)
}
