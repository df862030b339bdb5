//! Plans as text for people and as JSON for programs; sensitive values are never shown.

use std::fmt::Write;

use serde_json::Value;

use super::{Action, AttrChange, Plan};

const SENSITIVE: &str = "(sensitive)";
use crate::model::eval::KNOWN_AFTER_APPLY as KNOWN_AFTER;

/// The plan as text: one block per changing resource, attribute by attribute, then the summary.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}/{} ({}, {}, account {})\n",
        plan.app, plan.stage, plan.option, plan.region, plan.account
    );
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "No changes. Live AWS matches the stack ({} resources).",
            plan.resources.len()
        );
        notes(plan, &mut out);
        return out;
    }
    for step in plan.resources.iter().filter(|s| s.action.is_change()) {
        let verb = match step.action {
            Action::Create => "created",
            Action::Update => "updated in place",
            Action::Replace => "replaced",
            Action::Delete => "deleted",
            Action::NoOp | Action::Read => continue,
        };
        let sym = step.action.symbol();
        let _ = writeln!(
            out,
            "  {sym} {} ({}) will be {verb}: {}",
            step.id, step.type_name, step.name
        );
        for c in &step.changes {
            for line in change_lines(c, step.action) {
                let _ = writeln!(out, "      {line}");
            }
        }
        if step.data_loss {
            let _ = writeln!(
                out,
                "      !! destroys data: refused without --allow-data-loss"
            );
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(plan));
    // Once more at the end, where the eye lands: what would destroy data.
    let lost: Vec<&str> = plan.data_loss().iter().map(|s| s.id.as_str()).collect();
    if !lost.is_empty() {
        let _ = writeln!(
            out,
            "!! {} change{} destroy{} data ({}): refused without --allow-data-loss",
            lost.len(),
            if lost.len() == 1 { "" } else { "s" },
            if lost.len() == 1 { "s" } else { "" },
            lost.join(", ")
        );
    }
    notes(plan, &mut out);
    out
}

/// `Plan: 1 to create, 2 to update, 0 to replace, 0 to delete, 30 unchanged.`
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete, {} unchanged.",
        s.create, s.update, s.replace, s.delete, s.unchanged
    )
}

/// What the drivers noted that is not a change, one line per note.
fn notes(plan: &Plan, out: &mut String) {
    for (id, n) in plan.notes() {
        let _ = writeln!(out, "Note: {id}: {n}");
    }
}

fn show(v: &Option<Value>, c: &AttrChange) -> String {
    if c.sensitive {
        return SENSITIVE.into();
    }
    match v {
        Some(Value::String(s)) if s == KNOWN_AFTER => KNOWN_AFTER.into(),
        Some(v) if c.known_after_apply && !v.is_object() && !v.is_array() => KNOWN_AFTER.into(),
        None if c.known_after_apply => KNOWN_AFTER.into(),
        None | Some(Value::Null) => "(none)".into(),
        Some(v) => v
            .to_string()
            .replace(&format!("\"{KNOWN_AFTER}\""), KNOWN_AFTER),
    }
}

/// A value as it is live: always known.
fn show_before(v: &Option<Value>, c: &AttrChange) -> String {
    match v {
        _ if c.sensitive => SENSITIVE.into(),
        None | Some(Value::Null) => "(none)".into(),
        Some(v) => v.to_string(),
    }
}

/// One attribute's change as the text plan shows it (nested values as indented lines; sensitive
/// values hidden), for the reports too.
pub fn change_lines(c: &AttrChange, action: Action) -> Vec<String> {
    let tail = match (c.forces_replacement, c.drift) {
        (true, true) => "  # forces replacement; drift: changed outside fintech",
        (true, false) => "  # forces replacement",
        (false, true) => "  # drift: changed outside fintech",
        (false, false) => "",
    };
    let a = &c.attribute;
    if c.sensitive || (c.known_after_apply && !matches!(c.after, Some(Value::Object(_)))) {
        return vec![match action {
            Action::Create => format!("{a}: {}", show(&c.after, c)),
            _ => format!(
                "{a}: {} -> {}{tail}",
                show_before(&c.before, c),
                show(&c.after, c)
            ),
        }];
    }
    if action == Action::Create {
        return match &c.after {
            Some(Value::Object(m)) if m.len() > 8 => vec![format!("{a}: ({} entries)", m.len())],
            Some(v) if nested(v) => {
                let mut lines = vec![format!("{a}:")];
                lines.extend(block(v).into_iter().map(|l| format!("  {l}")));
                lines
            }
            _ => vec![format!("{a}: {}", show(&c.after, c))],
        };
    }
    // Maps (environment, routes, site files) entry by entry; lists element by element: what was
    // added and removed, the unchanged folded.
    let body = match (&c.before, &c.after) {
        (Some(Value::Object(before)), Some(Value::Object(after))) => map_diff(before, after, c),
        (Some(Value::Array(before)), Some(Value::Array(after))) => list_diff(before, after),
        _ => {
            return vec![format!(
                "{a}: {} -> {}{tail}",
                show_before(&c.before, c),
                show(&c.after, c)
            )];
        }
    };
    let mut lines = vec![format!("{a}:{tail}")];
    lines.extend(body.into_iter().map(|l| format!("  {l}")));
    lines
}

/// `~ key: before -> after`, `+ key: value`, `- key: value`, and how many entries are the same.
fn map_diff(
    before: &serde_json::Map<String, Value>,
    after: &serde_json::Map<String, Value>,
    c: &AttrChange,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut same = 0;
    for (k, b) in before {
        match after.get(k) {
            None => lines.push(format!("- {}: {}", key(k), inline(b))),
            Some(a) if a != b => lines.push(format!(
                "~ {}: {} -> {}",
                key(k),
                inline(b),
                show(&Some(a.clone()), c)
            )),
            _ => same += 1,
        }
    }
    for (k, a) in after.iter().filter(|(k, _)| !before.contains_key(*k)) {
        lines.push(format!("+ {}: {}", key(k), show(&Some(a.clone()), c)));
    }
    lines.extend(folded(same, "entry", "entries"));
    lines
}

/// `- element` for each one no longer there, `+ element` for each new one (order ignored, as the
/// diff compares lists), and how many are the same.
fn list_diff(before: &[Value], after: &[Value]) -> Vec<String> {
    let mut left: Vec<&Value> = after.iter().collect();
    let mut removed = Vec::new();
    let mut same = 0;
    for b in before {
        match left.iter().position(|a| *a == b) {
            Some(i) => {
                left.remove(i);
                same += 1;
            }
            None => removed.push(b),
        }
    }
    let mut lines: Vec<String> = removed.iter().map(|v| format!("- {}", inline(v))).collect();
    lines.extend(left.iter().map(|v| format!("+ {}", inline(v))));
    lines.extend(folded(same, "element", "elements"));
    lines
}

fn folded(n: usize, one: &str, many: &str) -> Option<String> {
    (n > 0).then(|| format!("({n} unchanged {} hidden)", if n == 1 { one } else { many }))
}

/// A map key as written in YAML: bare when it can be.
fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if bare {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// Whether a value reads better as an indented block: a list of maps or lists, or a map holding any.
fn nested(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(|e| e.is_object() || e.is_array()),
        Value::Object(m) => m.values().any(|e| e.is_object() || e.is_array()),
        _ => false,
    }
}

/// A value on one line, in YAML's flow style: `{ port: 22, cidr: "0.0.0.0/0" }`, `["a", "b"]`.
fn inline(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", key(k), inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::String(s) if s == KNOWN_AFTER => KNOWN_AFTER.into(),
        other => other.to_string(),
    }
}

/// A nested value as indented YAML-like lines: `- key: value` items, `key:` headings.
fn block(v: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    match v {
        Value::Array(items) => {
            for item in items {
                let inner = if item.is_object() && !item.as_object().is_some_and(|m| m.is_empty()) {
                    block(item)
                } else {
                    vec![inline(item)]
                };
                for (i, l) in inner.into_iter().enumerate() {
                    lines.push(if i == 0 {
                        format!("- {l}")
                    } else {
                        format!("  {l}")
                    });
                }
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                if nested(v) || (v.is_object() && v.as_object().is_some_and(|m| m.len() > 3)) {
                    lines.push(format!("{}:", key(k)));
                    lines.extend(block(v).into_iter().map(|l| format!("  {l}")));
                } else {
                    lines.push(format!("{}: {}", key(k), inline(v)));
                }
            }
        }
        other => lines.push(inline(other)),
    }
    lines
}

/// The plan as JSON (format_version 1): see README "plan --json".
pub fn json(plan: &Plan) -> Value {
    let mut v = serde_json::to_value(plan).expect("plans serialise");
    for step in v["resources"].as_array_mut().into_iter().flatten() {
        for c in step["changes"].as_array_mut().into_iter().flatten() {
            if c["sensitive"] == Value::Bool(true) {
                c["before"] = Value::from(SENSITIVE);
                c["after"] = Value::from(SENSITIVE);
            }
        }
    }
    v["changes"] = Value::Bool(plan.has_changes());
    v["summary"] = serde_json::to_value(plan.summary()).expect("summary serialises");
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixtures::{ch, named, plan, step};
    use serde_json::json;

    #[test]
    fn no_changes_says_so() {
        let t = text(&plan(vec![step(Action::NoOp, vec![])]));
        assert!(t.contains("No changes."), "{t}");
    }

    #[test]
    fn updates_show_each_attribute_and_map_entry() {
        let t = text(&plan(vec![step(
            Action::Update,
            vec![
                ch("memory_mb", json!(512), json!(1024)),
                ch(
                    "env",
                    json!({"A": "1", "B": "2"}),
                    json!({"A": "1", "B": "3", "C": "4"}),
                ),
            ],
        )]));
        assert!(
            t.contains("~ api (lambda.function) will be updated in place"),
            "{t}"
        );
        assert!(t.contains("memory_mb: 512 -> 1024"), "{t}");
        assert!(t.contains("      env:\n        ~ B: \"2\" -> \"3\"\n        + C: \"4\"\n        (1 unchanged entry hidden)\n"), "{t}");
        assert!(t.contains("Plan: 0 to create, 1 to update"), "{t}");
    }

    /// One plan with every kind of change, as a reviewer reads it: the exact text.
    #[test]
    fn snapshot_of_every_kind_of_change() {
        let mut created = step(
            Action::Create,
            vec![
                AttrChange {
                    before: None,
                    ..ch("service", json!(null), json!("lambda.amazonaws.com"))
                },
                AttrChange {
                    before: None,
                    ..ch(
                        "statements",
                        json!(null),
                        json!([{"actions": ["logs:PutLogEvents"], "effect": "Allow", "resources": ["*"]}]),
                    )
                },
            ],
        );
        created.id = "fn_role".into();
        created.type_name = "iam.role";
        created.name = "a-dev-fn-role".into();
        let updated = step(
            Action::Update,
            vec![
                AttrChange {
                    drift: true,
                    ..ch("memory_mb", json!(256), json!(512))
                },
                ch(
                    "env",
                    json!({"A": "1", "B": "2", "OLD": "x"}),
                    json!({"A": "1", "B": "3", "NEW": "y"}),
                ),
            ],
        );
        let mut sg = step(
            Action::Update,
            vec![ch(
                "ingress",
                json!([{"port": 443, "cidr": "10.0.0.0/8"}, {"port": 5432, "from": "sg-1"}]),
                json!([{"port": 443, "cidr": "10.0.0.0/8"}, {"port": 22, "cidr": "0.0.0.0/0"}]),
            )],
        );
        sg.id = "app_sg".into();
        sg.type_name = "ec2.security_group";
        sg.name = "a-dev-app-sg".into();
        let mut replaced = named(
            "db",
            "rds.postgres",
            Action::Replace,
            vec![AttrChange {
                forces_replacement: true,
                ..ch("engine_version", json!("16.4"), json!("17.6"))
            }],
        );
        replaced.data_loss = true;
        let deleted = named("old_bucket", "s3.bucket", Action::Delete, vec![]);
        let t = text(&plan(vec![created, updated, sg, replaced, deleted]));
        let want = "\
a/dev (serverless, us-east-1, account 1)

  + fn_role (iam.role) will be created: a-dev-fn-role
      service: \"lambda.amazonaws.com\"
      statements:
        - actions: [\"logs:PutLogEvents\"]
          effect: \"Allow\"
          resources: [\"*\"]
  ~ api (lambda.function) will be updated in place: a-dev-api
      memory_mb: 256 -> 512  # drift: changed outside fintech
      env:
        ~ B: \"2\" -> \"3\"
        - OLD: \"x\"
        + NEW: \"y\"
        (1 unchanged entry hidden)
  ~ app_sg (ec2.security_group) will be updated in place: a-dev-app-sg
      ingress:
        - { port: 5432, from: \"sg-1\" }
        + { port: 22, cidr: \"0.0.0.0/0\" }
        (1 unchanged element hidden)
  -/+ db (rds.postgres) will be replaced: a-dev-db
      engine_version: \"16.4\" -> \"17.6\"  # forces replacement
      !! destroys data: refused without --allow-data-loss
  - old_bucket (s3.bucket) will be deleted: a-dev-old-bucket

Plan: 1 to create, 2 to update, 1 to replace, 1 to delete, 0 unchanged.
!! 1 change destroys data (db): refused without --allow-data-loss
";
        assert_eq!(t, want, "\n--- got\n{t}\n--- want\n{want}");
    }

    #[test]
    fn sensitive_values_are_hidden_in_text_and_json() {
        let mut c = ch("value", json!("old-digest"), json!("new-digest"));
        c.sensitive = true;
        let p = plan(vec![step(Action::Update, vec![c])]);
        let t = text(&p);
        let j = json(&p).to_string();
        assert!(!t.contains("digest") && !j.contains("digest"), "{t}\n{j}");
        assert!(t.contains("value: (sensitive) -> (sensitive)"), "{t}");
    }
}
