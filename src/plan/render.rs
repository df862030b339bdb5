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
        let (sym, verb) = match step.action {
            Action::Create => ("+", "created"),
            Action::Update => ("~", "updated in place"),
            Action::Replace => ("-/+", "replaced"),
            Action::Delete => ("-", "deleted"),
            Action::NoOp | Action::Read => continue,
        };
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
    let s = plan.summary();
    let _ = writeln!(
        out,
        "\nPlan: {} to create, {} to update, {} to replace, {} to delete, {} unchanged.",
        s.create, s.update, s.replace, s.delete, s.unchanged
    );
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

/// What the drivers noted that is not a change, one line per note.
fn notes(plan: &Plan, out: &mut String) {
    for step in &plan.resources {
        for n in &step.notes {
            let _ = writeln!(out, "Note: {}: {n}", step.id);
        }
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

fn change_lines(c: &AttrChange, action: Action) -> Vec<String> {
    let tail = if c.forces_replacement {
        "  # forces replacement"
    } else {
        ""
    };
    if action == Action::Create {
        let v = match (&c.after, c.sensitive) {
            (_, true) => SENSITIVE.to_string(),
            (Some(Value::Object(m)), _) if m.len() > 8 => format!("({} entries)", m.len()),
            _ => show(&c.after, c),
        };
        return vec![format!("{}: {v}", c.attribute)];
    }
    // Maps (environment, routes, site files) are shown entry by entry.
    if let (Some(Value::Object(before)), Some(Value::Object(after)), false) =
        (&c.before, &c.after, c.sensitive)
    {
        let mut lines = Vec::new();
        for (k, b) in before {
            match after.get(k) {
                None => lines.push(format!("{}[{k:?}]: {b} -> (removed){tail}", c.attribute)),
                Some(a) if a != b => lines.push(format!(
                    "{}[{k:?}]: {b} -> {}{tail}",
                    c.attribute,
                    show(&Some(a.clone()), c)
                )),
                _ => {}
            }
        }
        for (k, a) in after.iter().filter(|(k, _)| !before.contains_key(*k)) {
            lines.push(format!("{}[{k:?}]: (added) {a}{tail}", c.attribute));
        }
        return lines;
    }
    vec![format!(
        "{}: {} -> {}{tail}",
        c.attribute,
        show_before(&c.before, c),
        show(&c.after, c)
    )]
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
    use crate::plan::Step;
    use serde_json::json;

    fn plan(steps: Vec<Step>) -> Plan {
        Plan {
            format_version: 1,
            app: "a".into(),
            stage: "dev".into(),
            option: "serverless".into(),
            region: "us-east-1".into(),
            account: "1".into(),
            resources: steps,
        }
    }

    fn step(action: Action, changes: Vec<AttrChange>) -> Step {
        Step {
            id: "api".into(),
            type_name: "lambda.function",
            name: "a-dev-api".into(),
            action,
            changes,
            data_loss: false,
            notes: Vec::new(),
        }
    }

    fn ch(a: &str, before: Value, after: Value) -> AttrChange {
        AttrChange {
            attribute: a.into(),
            before: Some(before),
            after: Some(after),
            forces_replacement: false,
            sensitive: false,
            known_after_apply: false,
        }
    }

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
        assert!(t.contains("env[\"B\"]: \"2\" -> \"3\""), "{t}");
        assert!(t.contains("env[\"C\"]: (added) \"4\""), "{t}");
        assert!(!t.contains("env[\"A\"]"), "{t}");
        assert!(t.contains("Plan: 0 to create, 1 to update"), "{t}");
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
