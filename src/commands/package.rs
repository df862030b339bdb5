//! `fintech package`: builds every artifact (Lambda zips, site manifest) without touching AWS.

use anyhow::Result;
use serde_json::Value;

use crate::aws::Props;
use crate::cli::Global;
use crate::model::eval::{Env, eval_props};
use crate::package;

pub fn run(g: &Global) -> Result<i32> {
    let desired = super::load(g)?;
    for id in &desired.order {
        let r = &desired.resources[id];
        if !matches!(r.schema.name, "lambda.function" | "s3.site") {
            continue;
        }
        let (mut props, _) = eval_props(&r.props, &Env::default());
        let t = std::time::Instant::now();
        package::prepare(&desired, r, &mut props, g.offline)?;
        let what = match r.schema.name {
            "lambda.function" => format!(
                "{} ({:.1} MB, sha256 {})",
                props.s("code_zip"),
                props
                    .get("code_size")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
                    / 1e6,
                props.s("code_sha256")
            ),
            _ => format!(
                "{} files from {}",
                props
                    .get("files")
                    .and_then(Value::as_object)
                    .map_or(0, |m| m.len()),
                props.s("source_dir")
            ),
        };
        println!("{id}: {what} in {:.1}s", t.elapsed().as_secs_f64());
    }
    Ok(0)
}
