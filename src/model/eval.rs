//! Evaluates runtime references (`${db.endpoint}`, `${secrets.KEY}`, `${account}`) against known outputs.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::spec::expr::{self, Part};

/// Outputs of resources that exist (or will, once created), by resource id.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub account: Option<String>,
    pub outputs: BTreeMap<String, BTreeMap<String, Value>>,
}

impl Env {
    fn lookup(&self, path: &[String]) -> Option<Value> {
        match path {
            [a] if a == "account" => self.account.clone().map(Value::String),
            [ns, name] if ns == "secrets" => self
                .outputs
                .get(&format!("secrets.{name}"))?
                .get("arn")
                .cloned(),
            [res, out] => self.outputs.get(res)?.get(out).cloned(),
            _ => None,
        }
    }
}

/// `v` with every reference replaced, or `None` when some value is not known yet.
pub fn eval(v: &Value, env: &Env) -> Option<Value> {
    match v {
        Value::String(s) => eval_str(s, env),
        Value::Array(items) => items
            .iter()
            .map(|i| eval(i, env))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| eval(v, env).map(|v| (k.clone(), v)))
            .collect::<Option<serde_json::Map<_, _>>>()
            .map(Value::Object),
        other => Some(other.clone()),
    }
}

fn eval_str(s: &str, env: &Env) -> Option<Value> {
    let parts = expr::parse(s).ok()?;
    if let [
        Part::Ref {
            path, fallbacks, ..
        },
    ] = parts.as_slice()
    {
        return first_known(env, path, fallbacks);
    }
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Lit(l) => out.push_str(&l),
            Part::Ref {
                path, fallbacks, ..
            } => match first_known(env, &path, &fallbacks)? {
                Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            },
        }
    }
    Some(Value::String(out))
}

/// The value of `path`, or where it is none, of the first of `fallbacks` that is not (the stack's
/// resolution already took the first switched-on one: this is for values none at run time).
fn first_known(env: &Env, path: &[String], fallbacks: &[Vec<String>]) -> Option<Value> {
    let mut v = env.lookup(path)?;
    for f in fallbacks {
        if !v.is_null() {
            break;
        }
        v = env.lookup(f)?;
    }
    Some(v)
}

/// Shown in place of a value that depends on a resource not created yet.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";

/// `v` with every reference replaced where known and [`KNOWN_AFTER_APPLY`] where not: for showing a
/// partly known map or list entry by entry.
pub fn preview(v: &Value, env: &Env) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| preview(i, env)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), preview(v, env)))
                .collect(),
        ),
        other => eval(other, env).unwrap_or_else(|| Value::from(KNOWN_AFTER_APPLY)),
    }
}

/// Evaluates every property: the known ones, and for the others a preview (see [`preview`]).
pub fn eval_props(
    props: &BTreeMap<String, Value>,
    env: &Env,
) -> (BTreeMap<String, Value>, BTreeMap<String, Value>) {
    let mut known = BTreeMap::new();
    let mut unknown = BTreeMap::new();
    for (k, v) in props {
        match eval(v, env) {
            Some(v) => {
                known.insert(k.clone(), v);
            }
            None => {
                unknown.insert(k.clone(), preview(v, env));
            }
        }
    }
    (known, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_references_keep_their_type_and_parts_become_text() {
        let mut env = Env::default();
        env.outputs.insert(
            "net".into(),
            BTreeMap::from([("subnet_ids".into(), json!(["a", "b"]))]),
        );
        env.outputs
            .insert("db".into(), BTreeMap::from([("port".into(), json!(5432))]));
        assert_eq!(
            eval(&json!("${net.subnet_ids}"), &env),
            Some(json!(["a", "b"]))
        );
        assert_eq!(
            eval(&json!("h:${db.port}/$${x}"), &env),
            Some(json!("h:5432/${x}"))
        );
        assert_eq!(eval(&json!({"a": "${cache.url}"}), &env), None);
        assert_eq!(
            preview(&json!({"a": "${cache.url}", "b": "${db.port}"}), &env),
            json!({"a": KNOWN_AFTER_APPLY, "b": 5432})
        );
    }
}
