//! A function's own log group, `/aws/lambda/<name>`: made by the deployer before the function, with
//! a retention (Lambda makes it on the first invocation otherwise, keeping every event forever), and
//! deleted after the function unless the stack keeps logs.

use anyhow::Result;
use serde_json::Value;

use super::{Attrs, Call, logs};

/// The name of the group the function `c` writes to.
pub fn group(c: &Call<'_>) -> String {
    format!("/aws/lambda/{}", c.name)
}

/// `log_retention_days` as it is live: null when the group is missing or keeps events forever.
pub async fn live(c: &Call<'_>) -> Result<Value> {
    Ok(logs::describe(c.aws, &group(c))
        .await?
        .and_then(|g| g.retention_days)
        .map_or(Value::Null, |d| Value::from(d.to_string())))
}

/// Makes the group exist, the stage's, with the retention `p` asks for.
pub async fn ensure(c: &Call<'_>, p: &Attrs) -> Result<()> {
    logs::ensure(c, &group(c), logs::retention(p, "log_retention_days")?).await
}

/// Gives the group the retention `p` asks for (making it if it is missing).
pub async fn update(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let name = group(c);
    match logs::describe(c.aws, &name).await? {
        Some(_) => logs::keep_for(c, &name, logs::retention(p, "log_retention_days")?).await,
        None => ensure(c, p).await,
    }
}

/// Deletes the group, or leaves it when `p` keeps logs.
pub async fn remove(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let keep = p.get("keep_logs").and_then(Value::as_bool) == Some(true);
    logs::delete_or_keep(c, &group(c), keep).await
}
