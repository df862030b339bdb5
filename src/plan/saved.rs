//! Saved plans (`plan --out FILE`, `deploy FILE`): a plan written down with what it was made from,
//! applied only while the stack files and live AWS are still what it saw.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::Plan;
use super::render;
use crate::model::Desired;

const KIND: &str = "fintech-saved-plan";

/// A saved plan, read back.
pub struct Saved {
    pub stage: String,
    pub option: String,
    pub region: String,
    stack_digest: String,
    plan: Value,
}

/// Writes `plan` of `desired` to `path` (JSON: the plan as `plan --json` shows it, and a digest of
/// the stack files). It holds no secret: sensitive values are masked as in every plan.
pub fn write(path: &Path, desired: &Desired, plan: &Plan) -> Result<()> {
    let v = json!({
        "kind": KIND,
        "format_version": 1,
        "fintech": crate::cli::VERSION,
        "app": desired.app,
        "stage": desired.stage,
        "option": desired.option,
        "region": desired.region,
        "stack_digest": stack_digest(&desired.root)?,
        "plan": render::json(plan),
    });
    std::fs::write(path, serde_json::to_string_pretty(&v)? + "\n")
        .with_context(|| format!("cannot write the plan to {}", path.display()))
}

/// Reads a plan `write` saved.
pub fn read(path: &Path) -> Result<Saved> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the saved plan {}", path.display()))?;
    let v: Value = serde_json::from_str(&text).ok().filter(|v: &Value| v["kind"] == KIND).with_context(|| {
        format!(
            "{} is not a plan saved by `fintech plan --out`\nhint: save one with `fintech plan --out {}`",
            path.display(),
            path.display()
        )
    })?;
    if v["format_version"] != 1 {
        bail!(
            "{} was saved by fintech {} in a format this one does not read\nhint: save the plan again with this fintech",
            path.display(),
            v["fintech"].as_str().unwrap_or("(unknown)")
        );
    }
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Ok(Saved {
        stage: field("stage"),
        option: field("option"),
        region: field("region"),
        stack_digest: field("stack_digest"),
        plan: v["plan"].clone(),
    })
}

impl Saved {
    /// Refuses when the stack files changed since the plan was saved.
    pub fn check_stack(&self, desired: &Desired) -> Result<()> {
        if stack_digest(&desired.root)? != self.stack_digest {
            bail!(
                "the stack files (fintech.yaml, stacks/) changed since the plan was saved: it is not what they say now\nhint: run `fintech plan --out FILE` again and deploy that"
            );
        }
        Ok(())
    }

    /// Refuses when `now` (the plan made again) is not the saved one: live AWS, or the app's
    /// sources, moved since. Names the resources whose steps differ.
    pub fn check_plan(&self, now: &Plan) -> Result<()> {
        let now = render::json(now);
        if now["account"] != self.plan["account"] {
            bail!(
                "the plan was saved for AWS account {}, and these credentials are for account {}\nhint: nothing was changed; deploy it with the credentials it was made with, or make a plan for this account",
                self.plan["account"].as_str().unwrap_or("?"),
                now["account"].as_str().unwrap_or("?")
            );
        }
        if now["resources"] == self.plan["resources"] {
            return Ok(());
        }
        let steps = |v: &Value| -> Vec<(String, Value)> {
            v["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| (s["id"].as_str().unwrap_or_default().to_string(), s.clone()))
                .collect()
        };
        let (then, now) = (steps(&self.plan), steps(&now));
        let mut moved: Vec<String> = now
            .iter()
            .filter(|(id, s)| then.iter().find(|(i, _)| i == id).map(|(_, t)| t) != Some(s))
            .map(|(id, _)| id.clone())
            .collect();
        moved.extend(
            then.iter()
                .filter(|(id, _)| !now.iter().any(|(i, _)| i == id))
                .map(|(id, _)| id.clone()),
        );
        bail!(
            "live AWS (or the app's sources) changed since the plan was saved: the plan now differs for {}\nhint: nothing was changed; run `fintech plan --out FILE` again, review it, and deploy that",
            moved.join(", ")
        )
    }
}

/// SHA-256 over fintech.yaml and every file under stacks/ (includes may sit in its folders), by
/// name.
fn stack_digest(root: &Path) -> Result<String> {
    let mut files = vec![root.join("fintech.yaml")];
    let mut listed: Vec<_> = walkdir::WalkDir::new(root.join("stacks"))
        .follow_links(true)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    listed.sort();
    files.extend(listed);
    let mut all = Vec::new();
    for f in files {
        let name = f
            .strip_prefix(root)
            .unwrap_or(&f)
            .to_string_lossy()
            .to_string();
        all.extend_from_slice(name.as_bytes());
        all.push(0);
        all.extend(std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?);
        all.push(0);
    }
    Ok(crate::package::digest_hex(&all))
}
