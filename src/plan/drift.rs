//! Drift: which of a plan's changes are live AWS moving away from what fintech last deployed
//! (changed outside fintech), rather than the stack files moving. A deploy that changes something
//! records a digest of each attribute it deployed (beside the stage lock); a change whose desired
//! value still has the recorded digest did not come from the stack files.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Action, Plan};
use crate::model::{Desired, schema};

/// Short digests of every resource's prepared attributes, `{id: {attribute: digest}}`, but the
/// sensitive and hidden ones (a digest of a secret's digest would let its readers test guesses).
pub fn digests(desired: &Desired, prepared: &BTreeMap<String, BTreeMap<String, Value>>) -> Value {
    digests_of(prepared, |id, a| {
        desired
            .resources
            .get(id)
            .is_some_and(|r| !schema::is_sensitive(r.schema, a) && !r.schema.hidden.contains(&a))
    })
}

/// [`digests`] of the attributes `keep` (resource id, attribute) says to keep.
fn digests_of(
    prepared: &BTreeMap<String, BTreeMap<String, Value>>,
    keep: impl Fn(&str, &str) -> bool,
) -> Value {
    let mut out = Map::new();
    for (id, attrs) in prepared {
        let per: Map<String, Value> = attrs
            .iter()
            .filter(|(a, _)| keep(id, a))
            .map(|(a, v)| (a.clone(), Value::from(digest(v))))
            .collect();
        out.insert(id.clone(), Value::Object(per));
    }
    Value::Object(out)
}

fn digest(v: &Value) -> String {
    crate::package::digest_hex(v.to_string().as_bytes())[..16].to_string()
}

/// Marks the changes of updated and replaced resources whose desired value is the one last
/// deployed (`recorded`, from [`digests`]) as drift.
pub fn mark(
    plan: &mut Plan,
    prepared: &BTreeMap<String, BTreeMap<String, Value>>,
    recorded: &Value,
) {
    for step in &mut plan.resources {
        if !matches!(step.action, Action::Update | Action::Replace) {
            continue;
        }
        let Some(desired) = prepared.get(&step.id) else {
            continue;
        };
        for c in &mut step.changes {
            let was = recorded[&step.id][&c.attribute].as_str();
            let now = desired.get(&c.attribute).map(digest);
            c.drift = !c.known_after_apply && was.is_some() && was == now.as_deref();
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::fixtures::{ch, plan, step};

    #[test]
    fn a_change_is_drift_only_when_the_stack_still_says_what_was_deployed() {
        let deployed: BTreeMap<String, BTreeMap<String, Value>> = [(
            "api".to_string(),
            [
                ("memory_mb".to_string(), json!(512)),
                ("timeout_s".to_string(), json!(30)),
            ]
            .into(),
        )]
        .into();
        let recorded = digests_of(&deployed, |_, _| true);
        let mut now = deployed.clone();
        now.get_mut("api")
            .unwrap()
            .insert("timeout_s".into(), json!(60));
        let mut api = step(
            Action::Update,
            vec![
                // Set to 256 by hand; the stack still says 512.
                ch("memory_mb", json!(256), json!(512)),
                // The stack went from 30 to 60.
                ch("timeout_s", json!(30), json!(60)),
            ],
        );
        api.id = "api".into();
        let mut plan = plan(vec![api]);
        mark(&mut plan, &now, &recorded);
        let drift: Vec<bool> = plan.resources[0].changes.iter().map(|c| c.drift).collect();
        assert_eq!(drift, [true, false]);
        // Nothing recorded (deployed before records, or never): nothing is called drift.
        mark(&mut plan, &now, &Value::Null);
        assert!(plan.resources[0].changes.iter().all(|c| !c.drift));
    }
}
