//! The pure diff: desired attributes against live ones, with the replacement rules of each type.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Action, AttrChange, Step};
use crate::model::schema::{self, Change, Req, TypeSchema};

/// Compares one resource. `desired` holds the known values, `unknown` the attributes that depend on
/// resources not created yet (with a preview of what is known of them); `live` is `None` when the
/// resource does not exist.
pub fn diff(
    id: &str,
    name: &str,
    schema: &'static TypeSchema,
    desired: &BTreeMap<String, Value>,
    unknown: &BTreeMap<String, Value>,
    live: Option<&BTreeMap<String, Value>>,
) -> Step {
    let mut step = Step {
        id: id.to_string(),
        type_name: schema.name,
        name: name.to_string(),
        action: Action::NoOp,
        changes: Vec::new(),
        data_loss: false,
        notes: Vec::new(),
    };
    let attrs = schema
        .fields
        .iter()
        .filter(|f| f.change != Change::Local)
        .map(|f| f.name)
        .chain(schema.computed.iter().map(|(n, _)| *n));
    if schema.lookup {
        step.action = Action::Read;
        return step;
    }
    let Some(live) = live else {
        step.action = Action::Create;
        for a in attrs {
            if let Some(v) = desired.get(a) {
                step.changes
                    .push(change(schema, a, None, Some(v.clone()), false));
            } else if let Some(p) = unknown.get(a) {
                step.changes.push(AttrChange {
                    known_after_apply: true,
                    ..change(schema, a, None, Some(p.clone()), false)
                });
            }
        }
        return step;
    };
    for a in attrs {
        if let Some(p) = unknown.get(a) {
            // Unknown until apply, whether or not the service reports its current value.
            let replace = schema.change_of(a) == Change::Replace;
            step.changes.push(AttrChange {
                known_after_apply: true,
                ..change(schema, a, live.get(a).cloned(), Some(p.clone()), replace)
            });
            continue;
        }
        let Some(before) = live.get(a) else { continue }; // not returned by the service: unknown, not drift
        let after = match desired.get(a) {
            Some(v) => v,
            // An optional attribute left out means "none": one that is live is removed.
            None if schema
                .field(a)
                .is_some_and(|f| matches!(f.req, Req::Optional)) =>
            {
                &Value::Null
            }
            None => continue,
        };
        if same(before, after) {
            continue;
        }
        let replace = match schema.change_of(a) {
            Change::Replace => true,
            Change::Grow => after.as_f64() < before.as_f64(),
            Change::InPlace | Change::Local => false,
        };
        step.changes.push(change(
            schema,
            a,
            Some(before.clone()),
            (!after.is_null()).then(|| after.clone()),
            replace,
        ));
    }
    step.action = if step.changes.iter().any(|c| c.forces_replacement) {
        Action::Replace
    } else if step.changes.is_empty() {
        Action::NoOp
    } else {
        Action::Update
    };
    step.data_loss = schema.data_bearing && step.action == Action::Replace;
    step
}

/// A step deleting a live resource (reading it where it is looked up or `borrowed`: the account's
/// own, which the stage leaves).
pub fn delete(id: &str, name: &str, schema: &'static TypeSchema, borrowed: bool) -> Step {
    Step {
        id: id.to_string(),
        type_name: schema.name,
        name: name.to_string(),
        action: if schema.lookup || borrowed {
            Action::Read
        } else {
            Action::Delete
        },
        changes: Vec::new(),
        data_loss: schema.data_bearing && !borrowed,
        notes: Vec::new(),
    }
}

fn change(
    schema: &TypeSchema,
    a: &str,
    before: Option<Value>,
    after: Option<Value>,
    forces_replacement: bool,
) -> AttrChange {
    AttrChange {
        attribute: a.to_string(),
        before,
        after,
        forces_replacement,
        sensitive: schema::is_sensitive(schema, a),
        known_after_apply: false,
        drift: false,
    }
}

/// Equal up to list order, object key order and number representation (30 and 30.0 are the same
/// limit).
pub fn same(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

/// The canonical form of a value: numbers as floats, object keys sorted, list items sorted by
/// their canonical text. Nothing here depends on the order keys were inserted in.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().map(Value::from).unwrap_or_else(|| v.clone()),
        Value::Array(items) => {
            let mut items: Vec<(String, Value)> = items
                .iter()
                .map(|i| {
                    let c = canonical(i);
                    (c.to_string(), c)
                })
                .collect();
            items.sort_by(|x, y| x.0.cmp(&y.0));
            Value::Array(items.into_iter().map(|(_, c)| c).collect())
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|x, y| x.0.cmp(y.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lambda() -> &'static TypeSchema {
        schema::lookup("lambda.function").unwrap()
    }

    fn attrs(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn missing_resource_is_a_create_with_every_known_attribute() {
        let d = attrs(json!({"handler": "h", "memory_mb": 512, "code": "x"}));
        let s = diff(
            "api",
            "n",
            lambda(),
            &d,
            &BTreeMap::from([("role".to_string(), json!("(known after apply)"))]),
            None,
        );
        assert_eq!(s.action, Action::Create);
        let names: Vec<&str> = s.changes.iter().map(|c| c.attribute.as_str()).collect();
        assert_eq!(
            names,
            ["handler", "memory_mb", "role"],
            "local fields like `code` are not AWS attributes"
        );
        assert!(s.changes[2].known_after_apply);
    }

    #[test]
    fn one_changed_attribute_is_one_in_place_change() {
        let live = attrs(json!({"handler": "h", "memory_mb": 512, "subnets": ["b", "a"]}));
        let d = attrs(json!({"handler": "h", "memory_mb": 1024, "subnets": ["a", "b"]}));
        let s = diff("api", "n", lambda(), &d, &BTreeMap::new(), Some(&live));
        assert_eq!(s.action, Action::Update);
        assert_eq!(s.changes.len(), 1);
        assert_eq!(
            (s.changes[0].before.clone(), s.changes[0].after.clone()),
            (Some(json!(512)), Some(json!(1024)))
        );
        assert!(!s.changes[0].forces_replacement);
    }

    #[test]
    fn replacement_rules_and_data_loss() {
        let db = schema::lookup("rds.postgres").unwrap();
        let live =
            attrs(json!({"db_name": "app", "storage_gb": 50, "instance_class": "db.t3.micro"}));
        let grow = diff(
            "db",
            "n",
            db,
            &attrs(json!({"db_name": "app", "storage_gb": 60, "instance_class": "db.t3.micro"})),
            &BTreeMap::new(),
            Some(&live),
        );
        assert_eq!((grow.action, grow.data_loss), (Action::Update, false));
        let shrink = diff(
            "db",
            "n",
            db,
            &attrs(json!({"db_name": "app", "storage_gb": 40, "instance_class": "db.t3.micro"})),
            &BTreeMap::new(),
            Some(&live),
        );
        assert_eq!((shrink.action, shrink.data_loss), (Action::Replace, true));
        let rename = diff(
            "db",
            "n",
            db,
            &attrs(json!({"db_name": "other", "storage_gb": 50, "instance_class": "db.t3.micro"})),
            &BTreeMap::new(),
            Some(&live),
        );
        assert!(rename.changes[0].forces_replacement);
    }

    #[test]
    fn attributes_the_service_does_not_return_are_not_drift() {
        let live = attrs(json!({"handler": "h"}));
        let s = diff(
            "api",
            "n",
            lambda(),
            &attrs(json!({"handler": "h", "memory_mb": 512})),
            &BTreeMap::new(),
            Some(&live),
        );
        assert_eq!(s.action, Action::NoOp);
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&json!(30), &json!(30.0)));
        assert!(!same(&json!([1, 2]), &json!([1, 3])));
    }

    #[test]
    fn lists_of_objects_compare_whatever_order_their_keys_were_written_in() {
        // Regression: items were sorted by their JSON text, which follows key insertion order, so
        // a group with a port-443 rule beside the port-80 one planned `~ ingress` forever.
        let sg = schema::lookup("ec2.security_group").unwrap();
        let live = attrs(json!({"vpc": "v", "description": "d", "ingress": [
            {"port": 80, "cidr": "0.0.0.0/0", "description": ""},
            {"port": 443, "cidr": "0.0.0.0/0", "description": ""},
        ]}));
        let desired = attrs(json!({"vpc": "v", "description": "d", "ingress": [
            {"description": "", "port": 443, "cidr": "0.0.0.0/0"},
            {"cidr": "0.0.0.0/0", "port": 80, "description": ""},
        ]}));
        let s = diff("sg", "n", sg, &desired, &BTreeMap::new(), Some(&live));
        assert_eq!(s.action, Action::NoOp, "{:?}", s.changes);
        let role = schema::lookup("iam.role").unwrap();
        let live = attrs(json!({"service": "s", "statements": [
            {"effect": "Allow", "actions": ["a:B"], "resources": ["*"]},
            {"effect": "Deny", "actions": ["c:D"], "resources": ["*"]},
        ]}));
        let desired = attrs(json!({"service": "s", "statements": [
            {"actions": ["c:D"], "resources": ["*"], "effect": "Deny"},
            {"resources": ["*"], "actions": ["a:B"], "effect": "Allow"},
        ]}));
        let s = diff("r", "n", role, &desired, &BTreeMap::new(), Some(&live));
        assert_eq!(s.action, Action::NoOp, "{:?}", s.changes);
    }

    #[test]
    fn an_optional_attribute_left_out_removes_the_live_one() {
        let lb = schema::lookup("elbv2.load_balancer").unwrap();
        let live = attrs(json!({"certificate_arn": "arn:cert", "health_check_path": "/h"}));
        let desired = attrs(json!({"health_check_path": "/h"}));
        let s = diff("lb", "n", lb, &desired, &BTreeMap::new(), Some(&live));
        assert_eq!(s.action, Action::Update);
        assert_eq!(s.changes[0].attribute, "certificate_arn");
        assert_eq!(s.changes[0].after, None);
        let none = attrs(json!({"certificate_arn": null, "health_check_path": "/h"}));
        let s = diff("lb", "n", lb, &desired, &BTreeMap::new(), Some(&none));
        assert_eq!(s.action, Action::NoOp, "absent on both sides");
    }

    #[test]
    fn unknown_values_are_shown_even_when_the_service_does_not_report_the_attribute() {
        let live = attrs(json!({"handler": "h"}));
        let s = diff(
            "api",
            "n",
            lambda(),
            &attrs(json!({"handler": "h"})),
            &BTreeMap::from([("role".to_string(), json!("(known after apply)"))]),
            Some(&live),
        );
        assert_eq!(s.action, Action::Update);
        assert!(s.changes[0].known_after_apply);
        assert_eq!(s.changes[0].before, None);
    }
}
