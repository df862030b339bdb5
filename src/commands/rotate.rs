//! `fintech rotate ID`: gives a generated secret (`secretsmanager.generated`) a new value. The
//! previous value stays valid until the next rotation, so nothing is cut off; the next deploy rolls
//! the new value out to those that send it (CloudFront's origin header).

use anyhow::{Result, bail};

use super::{Global, engine, load_stack};

pub async fn run(g: &Global, id: &str) -> Result<i32> {
    let desired = load_stack(g)?;
    let Some(r) = desired.resources.get(id) else {
        let generated: Vec<&str> = desired
            .resources
            .values()
            .filter(|r| r.schema.name == "secretsmanager.generated")
            .map(|r| r.id.as_str())
            .collect();
        bail!(
            "the stack has no resource `{id}`; generated secrets it has: {}",
            if generated.is_empty() {
                "none".to_string()
            } else {
                generated.join(", ")
            }
        );
    };
    if r.schema.name != "secretsmanager.generated" {
        bail!(
            "`{id}` is a {}: only a secretsmanager.generated secret is rotated here (a secret read from the environment changes when its variable does, at the next deploy)",
            r.schema.name
        );
    }
    let len = r
        .props
        .get("length")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(48) as usize;
    let schema = r.schema;
    let engine = engine(g, desired, "rotate").await?;
    let name = engine.names.physical(schema, id);
    let lock = crate::aws::lock::acquire(
        &engine.aws,
        &engine.names,
        "rotate",
        engine.lock_timeout,
        !engine.quiet,
    )
    .await?;
    // Receivers accept the current and the previous value only: rotating again before the last
    // rotation reached CloudFront would leave it sending a value nobody accepts.
    let pending = rollout_pending(&engine).await;
    let rotated = match pending {
        Ok(pending) if pending.is_empty() => {
            crate::aws::secrets::rotate(&engine.aws, &name, len).await
        }
        Ok(pending) => Err(anyhow::anyhow!(
            "the last rotation is not rolled out yet ({} still {}): run `fintech deploy --option {} --stage {}` first, then rotate",
            pending.join(", "),
            if pending.len() == 1 {
                "has the old value"
            } else {
                "have the old value"
            },
            engine.desired.option,
            engine.desired.stage
        )),
        Err(e) => Err(e),
    };
    crate::aws::lock::release(&engine.aws, lock).await?;
    rotated?;
    println!(
        "Rotated `{id}`: a new value is current, the previous one stays valid until the next rotation.\nRoll it out with: fintech deploy --option {} --stage {}",
        engine.desired.option, engine.desired.stage
    );
    Ok(0)
}

/// The resources whose origin check has an older value than the token's (the plan shows their
/// `api_origin_secret` / `origin_secret` as "stale").
async fn rollout_pending(engine: &crate::apply::engine::Engine) -> Result<Vec<String>> {
    let (plan, _) = engine.plan().await?;
    Ok(plan
        .resources
        .iter()
        .filter(|s| {
            s.changes.iter().any(|c| {
                c.attribute.ends_with("origin_secret")
                    && c.before.as_ref().and_then(serde_json::Value::as_str) == Some("stale")
            })
        })
        .map(|s| s.id.clone())
        .collect())
}
