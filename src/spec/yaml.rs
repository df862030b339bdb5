//! A YAML document as a tree of nodes that remember their file, line and column.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::diag::{Diagnostic, Loc};

/// One YAML value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub loc: Loc,
}

/// The shape of a YAML value. Mappings keep the order and the location of their keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its own location (errors about a key point at the key).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub loc: Loc,
}

impl Node {
    /// What kind of value this is, in words, for error messages.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Null => "nothing (null)",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// Converts to JSON, keeping strings as they are (expressions are resolved later).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::Float(f) => Value::from(*f),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// The most values (mappings, lists, scalars) one file may hold once its aliases are expanded.
const MAX_NODES: usize = 20_000;

/// Parses `text` (read from `file`) into a located tree, or one located syntax error.
pub fn parse(file: &Arc<str>, text: &str) -> Result<Node, Diagnostic> {
    if text.trim().is_empty() {
        return Ok(Node {
            kind: Kind::Map(Vec::new()),
            loc: Loc::new(file, 1, 1),
        });
    }
    // A stack file has hundreds of values: budgets far above that, far below what takes time.
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: MAX_NODES,
            max_aliases: 2_000,
        },
    };
    let raw: Spanned<Raw> = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line() as u32, l.column() as u32))
            .unwrap_or((0, 0));
        let msg = clean_message(&e.to_string());
        Diagnostic::new(Loc::new(file, line, col), format!("invalid YAML: {msg}"))
            .hint("check the indentation, and quote values that contain `: ` or start with `{` or `${` inside braces")
    })?;
    Ok(into_node(raw, file))
}

/// The parser's first line, without its own "error: line L column C:" prefix (we print the location)
/// or advice about parser options the user cannot set.
fn clean_message(raw: &str) -> String {
    let first = raw.lines().next().unwrap_or("invalid YAML");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = match first.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((_, rest)) => rest,
        None => first,
    };
    let first = first
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(first);
    // The parser's words for its limits and options, in the user's terms.
    if first.starts_with("multiple YAML documents") {
        "a second YAML document (after `---` or `...`): a project or stack file is one document"
            .to_string()
    } else if first.contains("budget breached: Depth") {
        "nested more than 64 levels deep".to_string()
    } else if first.contains("budget breached: Nodes") {
        format!("more than {MAX_NODES} values once aliases are expanded (an alias bomb?)")
    } else if first.contains("budget breached") {
        "too large once aliases are expanded".to_string()
    } else if first.starts_with("recursive references") {
        "an alias refers to the mapping it is in".to_string()
    } else if let Some(rest) = first.strip_prefix("non-finite float ") {
        format!(
            "{} is not a finite number",
            rest.split(" rejected").next().unwrap_or(rest)
        )
    } else if first == "integer too large" {
        "a number too large to use".to_string()
    } else {
        first.to_string()
    }
}

/// Deserialisation target: the value tree with serde-saphyr spans, turned into [`Node`]s after.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

fn into_node(raw: Spanned<Raw>, file: &Arc<str>) -> Node {
    let loc = Loc::new(
        file,
        raw.referenced.line() as u32,
        raw.referenced.column() as u32,
    );
    let kind = match raw.value {
        Raw::Null => Kind::Null,
        Raw::Bool(b) => Kind::Bool(b),
        Raw::Int(i) => Kind::Int(i),
        Raw::Float(f) => Kind::Float(f),
        Raw::Str(s) => Kind::Str(s),
        Raw::Seq(items) => Kind::Seq(items.into_iter().map(|i| into_node(i, file)).collect()),
        Raw::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key {
                        loc: Loc::new(
                            file,
                            k.referenced.line() as u32,
                            k.referenced.column() as u32,
                        ),
                        name: k.value,
                    };
                    (key, into_node(v, file))
                })
                .collect(),
        ),
    };
    Node { kind, loc }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        i64::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries: Vec<(Spanned<String>, Spanned<Raw>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            if !seen.insert(key.value.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{}`", key.value)));
            }
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Arc<str> {
        Arc::from("t.yaml")
    }

    #[test]
    fn keys_and_values_keep_their_locations() {
        let n = parse(&file(), "a: 1\nb:\n  c: [x, \"y\"]\n").unwrap();
        let m = n.as_map().unwrap();
        assert_eq!(m[0].0.name, "a");
        assert_eq!((m[0].0.loc.line, m[0].0.loc.col), (1, 1));
        assert_eq!(m[0].1.kind, Kind::Int(1));
        let c = &n.get("b").unwrap().as_map().unwrap()[0];
        assert_eq!((c.0.loc.line, c.0.loc.col), (3, 3));
        let Kind::Seq(items) = &c.1.kind else {
            panic!("{c:?}")
        };
        assert_eq!(items[1].kind, Kind::Str("y".into()));
        assert_eq!(items[1].loc.line, 3);
    }

    #[test]
    fn broken_yaml_is_a_located_error() {
        let e = parse(&file(), "a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.loc.line >= 2, "{e}");
        assert!(e.message.starts_with("invalid YAML"), "{e}");
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let e = parse(&file(), "a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.message, "invalid YAML: duplicate mapping key: a", "{e}");
        assert_eq!((e.loc.line, e.loc.col), (2, 1));
    }
}
