//! `fintech logs`: the CloudWatch Logs events of the stage's functions and services (or one log
//! group of the stack), oldest first, filtered by a pattern; `--follow` polls for new ones.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use anyhow::{Result, bail};
use serde_json::json;

use crate::cli::Global;
use crate::model::Desired;

/// Polling interval of `--follow` (FilterLogEvents is limited to 5 requests per second per
/// account and region: one group a second each stays far below it).
const POLL: Duration = Duration::from_secs(2);

/// How late an event may reach CloudWatch Logs after its timestamp and still be shown by
/// `--follow` (milliseconds).
const LATE: i64 = 5 * 60 * 1000;

pub async fn run(
    g: &Global,
    resource: Option<&str>,
    follow: bool,
    since: &str,
    filter: Option<&str>,
) -> Result<i32> {
    let start_ms = now_ms() - since_ms(since)?;
    let desired = super::load_stack(g)?;
    let groups = groups(&desired, resource)?;
    let engine = super::engine(g, desired, "logs").await?;
    let names: BTreeMap<String, String> = groups
        .into_iter()
        .map(|(id, f)| (id, f(&engine.names)))
        .collect();
    // Events reach CloudWatch late, and from several streams, with their own timestamps: each
    // poll asks again from LATE before the newest event seen, and drops what it printed already
    // (remembered as long as it is inside that window).
    let mut from: BTreeMap<String, i64> = names.keys().map(|id| (id.clone(), start_ms)).collect();
    let mut seen: HashMap<String, i64> = HashMap::new();
    let width = names.keys().map(String::len).max().unwrap_or(0);
    loop {
        let mut events = Vec::new();
        for (id, group) in &names {
            let since = (from[id] - LATE).max(start_ms);
            for e in read(&engine.aws, group, since, filter).await? {
                if seen.insert(e.id.clone(), e.at).is_none() {
                    from.insert(id.clone(), from[id].max(e.at));
                    events.push((e.at, id.clone(), e));
                }
            }
        }
        events.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        for (at, id, e) in events {
            let time = aws_smithy_types::DateTime::from_millis(at)
                .fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap_or_default();
            if g.json {
                println!(
                    "{}",
                    json!({"time": time, "resource": id, "group": names[&id], "stream": e.stream, "message": e.message})
                );
            } else {
                println!("{time} {id:<width$} {}", e.message.trim_end());
            }
        }
        if !follow {
            return Ok(0);
        }
        let oldest = from.values().copied().min().unwrap_or(start_ms) - LATE;
        seen.retain(|_, at| *at >= oldest);
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = crate::interrupt::stopped() => return Ok(0),
        }
    }
}

/// A log group's name from the stage's names.
type GroupName = Box<dyn Fn(&crate::aws::Names) -> String>;

/// The log groups to read: `resource`'s, or every function's and service's.
fn groups(desired: &Desired, resource: Option<&str>) -> Result<Vec<(String, GroupName)>> {
    let of = |id: &str| -> Option<GroupName> {
        let r = desired.resources.get(id)?;
        let schema = r.schema;
        let id = id.to_string();
        match schema.name {
            "lambda.function" => Some(Box::new(move |n| {
                format!("/aws/lambda/{}", n.physical(schema, &id))
            })),
            "logs.log_group" => Some(Box::new(move |n| n.physical(schema, &id))),
            "ecs.service" => {
                let group = r.props.get("log_group")?.as_str()?.to_string();
                // `${api_logs.name}`: the stack's log group; else a name written out.
                let by_ref = group
                    .strip_prefix("${")
                    .and_then(|g| g.strip_suffix(".name}"))
                    .and_then(|g| desired.resources.get(g))
                    .map(|g| (g.schema, g.id.clone()));
                Some(match by_ref {
                    Some((s, gid)) => Box::new(move |n| n.physical(s, &gid)),
                    None => Box::new(move |_| group.clone()),
                })
            }
            _ => None,
        }
    };
    let ids: Vec<String> = match resource {
        Some(id) => vec![id.to_string()],
        None => desired
            .resources
            .values()
            .filter(|r| matches!(r.schema.name, "lambda.function" | "ecs.service"))
            .map(|r| r.id.clone())
            .collect(),
    };
    let mut out = Vec::new();
    for id in ids {
        match of(&id) {
            Some(f) => out.push((id, f)),
            None => {
                let logged: Vec<&str> = desired
                    .resources
                    .values()
                    .filter(|r| {
                        matches!(
                            r.schema.name,
                            "lambda.function" | "ecs.service" | "logs.log_group"
                        )
                    })
                    .map(|r| r.id.as_str())
                    .collect();
                bail!(
                    "`{id}` has no logs in this stack\nhint: resources with logs: {}",
                    logged.join(", ")
                );
            }
        }
    }
    if out.is_empty() {
        bail!("the stack has no function or service to show the logs of");
    }
    Ok(out)
}

struct Event {
    id: String,
    at: i64,
    stream: String,
    message: String,
}

/// The group's events from `from_ms` on, every page. A group not made yet has none.
async fn read(
    aws: &crate::aws::Aws,
    group: &str,
    from_ms: i64,
    filter: Option<&str>,
) -> Result<Vec<Event>> {
    let mut pages = aws
        .logs
        .filter_log_events()
        .log_group_name(group)
        .start_time(from_ms)
        .set_filter_pattern(filter.map(str::to_string))
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) if crate::aws::error::code(&e) == "ResourceNotFoundException" => return Ok(out),
            Err(e) => return Err(crate::aws::error::aws_error("logs:FilterLogEvents", e)),
        };
        for e in page.events() {
            out.push(Event {
                id: e.event_id().unwrap_or_default().to_string(),
                at: e.timestamp().unwrap_or_default(),
                stream: e.log_stream_name().unwrap_or_default().to_string(),
                message: e.message().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(out)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `30s`, `10m`, `2h`, `1d` in milliseconds.
fn since_ms(text: &str) -> Result<i64> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let per = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };
    match n.parse::<i64>() {
        Ok(n) if per > 0 && n > 0 => Ok(n * per),
        _ => bail!("--since {text}: expected a number and a unit, like 30s, 10m, 2h or 1d"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn since_takes_a_number_and_a_unit() {
        assert_eq!(super::since_ms("10m").unwrap(), 600_000);
        assert_eq!(super::since_ms("1d").unwrap(), 86_400_000);
        for bad in ["10", "m", "-5m", "1w", ""] {
            assert!(super::since_ms(bad).is_err(), "{bad}");
        }
    }
}
