//! JSON Schemas of the stack files, generated from the resource type table, for editors to complete
//! and check `stacks/*.yaml` and `fintech.yaml` (e.g. a `# yaml-language-server: $schema=` line).

use serde_json::{Value, json};

use super::schema::{Field, Req, Ty, types};

/// A `${...}` reference is accepted wherever a value is.
fn or_reference(v: Value) -> Value {
    json!({"anyOf": [v, {"type": "string", "pattern": "\\$\\{[^}]+\\}"}]})
}

fn ty(t: &Ty) -> Value {
    or_reference(match t {
        Ty::Str | Ty::Cron | Ty::Image => json!({"type": "string"}),
        Ty::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Ty::Num => json!({"type": "number"}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Enum(values) | Ty::OneOf(values, _) => json!({"enum": values}),
        Ty::List(inner) => json!({"type": "array", "items": ty(inner)}),
        Ty::Map(inner) => json!({"type": "object", "additionalProperties": ty(inner)}),
        Ty::Obj(fields) => object(fields, json!({})),
    })
}

fn object(fields: &[Field], extra: Value) -> Value {
    let mut props: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| {
            let mut v = ty(&f.ty);
            v["description"] = Value::from(f.doc);
            (f.name.to_string(), v)
        })
        .collect();
    if let Value::Object(more) = extra {
        props.extend(more);
    }
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| matches!(f.req, Req::Required))
        .map(|f| f.name)
        .collect();
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

/// The schema of `stacks/*.yaml`.
pub fn stack() -> Value {
    let resources: Vec<Value> = types()
        .iter()
        .filter(|t| t.name != "secretsmanager.secret")
        .map(|t| {
            let mut o = object(t.fields, json!({"type": {"const": t.name}, "depends_on": {"type": "array", "items": {"type": "string"}}, "when": {"type": ["boolean", "string"]}}));
            o["required"].as_array_mut().expect("an array").push(Value::from("type"));
            o["description"] = Value::from(t.doc);
            o
        })
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "fintech stack file",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "description": {"type": "string"},
            "include": {"type": "array", "items": {"type": "string"}},
            "resources": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,23}$"}, "additionalProperties": {"oneOf": resources}},
            "outputs": {"type": "object", "additionalProperties": {"type": "string"}}
        }
    })
}

/// The schema of `fintech.yaml`.
pub fn project() -> Value {
    let usage: serde_json::Map<String, Value> = crate::cost::usage::KEYS
        .iter()
        .map(|(k, d, doc)| {
            (
                k.to_string(),
                json!({"type": "number", "default": d, "description": doc}),
            )
        })
        .collect();
    let budget = json!({"type": "object", "additionalProperties": false, "properties": {
        "monthly_usd": {"type": "number"}, "alert_emails": {"type": "array", "items": {"type": "string"}},
        "thresholds_percent": {"type": "array", "items": {"type": "integer"}}}});
    let date = json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "fintech project file (fintech.yaml)",
        "type": "object",
        "additionalProperties": false,
        "required": ["app"],
        "properties": {
            "app": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,23}$"},
            "region": {"type": "string"},
            "default_option": {"enum": super::OPTIONS},
            "payload": {"type": "object", "additionalProperties": {"type": "string"}},
            "params": {"type": "object"},
            "stages": {"type": "object", "additionalProperties": {"type": ["object", "null"], "additionalProperties": false, "properties": {
                "params": {"type": "object"}, "budget": budget, "protect": {"type": "boolean"}, "region": {"type": "string"}, "option": {"enum": super::OPTIONS}, "account_created": date,
                "domain": {"type": ["string", "null"], "pattern": "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"}}}},
            "secrets": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": false, "properties": {"from_env": {"type": "string"}}}},
            "budget": budget,
            "usage": {"type": "object", "additionalProperties": false, "properties": usage},
            "account_created": date,
            "adopted": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": false, "required": ["type", "name"],
                "properties": {"type": {"type": "string"}, "name": {"type": "string", "minLength": 1}}}}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_and_field_is_in_the_stack_schema() {
        let s = stack();
        let types = s["properties"]["resources"]["additionalProperties"]["oneOf"]
            .as_array()
            .unwrap();
        assert_eq!(types.len(), super::types().len() - 1);
        let lambda = types
            .iter()
            .find(|t| t["properties"]["type"]["const"] == "lambda.function")
            .unwrap();
        assert_eq!(
            lambda["properties"]["memory_mb"]["anyOf"][0],
            json!({"type": "integer", "minimum": 128, "maximum": 10240})
        );
        assert!(
            lambda["required"]
                .as_array()
                .unwrap()
                .contains(&json!("handler"))
        );
        assert_eq!(
            project()["properties"]["usage"]["properties"]["avg_duration_ms"]["default"],
            120.0
        );
    }
}
