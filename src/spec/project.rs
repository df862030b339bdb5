//! `fintech.yaml`: the app's name, region, stages and their parameters, payload paths, secrets, budget, usage.

use std::collections::BTreeMap;

use super::diag::{Diagnostic, Diagnostics, Loc, did_you_mean};
use super::yaml::{Kind, Node};

/// The project file, checked for shape; values stay located nodes until the model resolves them.
#[derive(Debug, Clone)]
pub struct Project {
    pub app: String,
    pub region: Option<String>,
    /// Where `region` was written.
    pub region_at: Option<Loc>,
    pub default_option: Option<String>,
    pub payload: BTreeMap<String, Node>,
    pub params: BTreeMap<String, Node>,
    pub stages: BTreeMap<String, StageSpec>,
    pub secrets: BTreeMap<String, SecretSpec>,
    pub budget: BTreeMap<String, Node>,
    pub usage: BTreeMap<String, Node>,
    /// The AWS account's creation date (`YYYY-MM-DD`), which decides its free tier.
    pub account_created: Option<String>,
    /// Resources `fintech adopt` took over, by stage and resource id: the names they keep in AWS.
    pub adopted: BTreeMap<String, BTreeMap<String, AdoptedSpec>>,
    pub loc: Loc,
}

/// One resource made without fintech that a stage took over: its type and its name (or id) in AWS.
#[derive(Debug, Clone)]
pub struct AdoptedSpec {
    pub type_name: String,
    pub name: String,
    pub loc: Loc,
}

/// One stage: parameter overrides and protection.
#[derive(Debug, Clone, Default)]
pub struct StageSpec {
    pub params: BTreeMap<String, Node>,
    pub budget: BTreeMap<String, Node>,
    pub protect: bool,
    pub region: Option<String>,
    pub region_at: Option<Loc>,
    pub option: Option<String>,
    /// The stage's account's creation date, when it deploys to another account.
    pub account_created: Option<String>,
    /// The stage's own domain name (`tracker.example.com`): HTTPS on it, through Route 53 and ACM.
    pub domain: Option<String>,
}

/// A secret the app needs: read from the deployer's environment at deploy time, never written down.
#[derive(Debug, Clone)]
pub struct SecretSpec {
    pub from_env: String,
    pub loc: Loc,
}

const TOP_KEYS: &[&str] = &[
    "app",
    "region",
    "default_option",
    "payload",
    "params",
    "stages",
    "secrets",
    "budget",
    "usage",
    "account_created",
    "adopted",
];
const STAGE_KEYS: &[&str] = &[
    "params",
    "budget",
    "protect",
    "region",
    "option",
    "account_created",
    "domain",
];
pub const BUDGET_KEYS: &[&str] = &["monthly_usd", "alert_emails", "thresholds_percent"];

/// Checks the project file's shape and collects every error in `diags`.
pub fn parse(root: &Node, diags: &mut Diagnostics) -> Project {
    let mut p = Project {
        app: String::new(),
        region: None,
        region_at: None,
        default_option: None,
        payload: BTreeMap::new(),
        params: BTreeMap::new(),
        stages: BTreeMap::new(),
        secrets: BTreeMap::new(),
        budget: BTreeMap::new(),
        usage: BTreeMap::new(),
        account_created: None,
        adopted: BTreeMap::new(),
        loc: root.loc.clone(),
    };
    let Some(entries) = expect_map(root, "the project file", diags) else {
        return p;
    };
    for (key, value) in entries {
        match key.name.as_str() {
            "app" => {
                if let Some(s) = expect_str(value, diags) {
                    if !is_name(s) {
                        diags.push(
                            Diagnostic::new(value.loc.clone(), format!("`{s}` is not a valid app name"))
                                .hint("use 2-24 lowercase letters, digits and dashes, starting with a letter"),
                        );
                    }
                    p.app = s.to_string();
                }
            }
            "region" => {
                p.region = expect_str(value, diags).map(str::to_string);
                p.region_at = Some(value.loc.clone());
            }
            "default_option" => p.default_option = expect_str(value, diags).map(str::to_string),
            "payload" => p.payload = string_keyed(value, diags),
            "params" => p.params = string_keyed(value, diags),
            "budget" => p.budget = budget(value, diags),
            "usage" => p.usage = usage(value, diags),
            "account_created" => p.account_created = date(value, diags),
            "adopted" => {
                for (stage, node) in string_keyed(value, diags) {
                    p.adopted.insert(stage, adopted(&node, diags));
                }
            }
            "stages" => {
                for (name, node) in string_keyed(value, diags) {
                    p.stages.insert(name, parse_stage(&node, diags));
                }
            }
            "secrets" => {
                for (name, node) in string_keyed(value, diags) {
                    if let Some(s) = parse_secret(&name, &node, diags) {
                        p.secrets.insert(name, s);
                    }
                }
            }
            other => diags.push(unknown_key(&key.loc, other, TOP_KEYS, "the project file")),
        }
    }
    if p.app.is_empty() && root.get("app").is_none() {
        diags.push(
            Diagnostic::new(root.loc.clone(), "the project file has no `app` name")
                .hint("add `app: my-app` at the top of fintech.yaml"),
        );
    }
    if p.stages.is_empty() && root.get("stages").is_none() {
        p.stages.insert("dev".into(), StageSpec::default());
    }
    p
}

/// A stage's adopted resources: `id: { type: T, name: N }` each.
fn adopted(node: &Node, diags: &mut Diagnostics) -> BTreeMap<String, AdoptedSpec> {
    let mut out = BTreeMap::new();
    for (id, entry) in string_keyed(node, diags) {
        let fields = keyed(&entry, &["type", "name"], "an adopted resource", diags);
        let mut text = |k: &str| match fields.get(k) {
            Some(v) => match &v.kind {
                Kind::Str(s) if !s.is_empty() => Some(s.clone()),
                _ => {
                    diags.push(expected(v, "a name"));
                    None
                }
            },
            None => {
                diags.push(
                    Diagnostic::new(entry.loc.clone(), format!("adopted `{id}` has no `{k}`"))
                        .hint("write `{ type: rds.postgres, name: my-db }` (what `fintech adopt --yes` writes)"),
                );
                None
            }
        };
        if let (Some(type_name), Some(name)) = (text("type"), text("name")) {
            out.insert(
                id,
                AdoptedSpec {
                    type_name,
                    name,
                    loc: entry.loc.clone(),
                },
            );
        }
    }
    out
}

/// Usage assumptions: known keys with numbers only.
fn usage(node: &Node, diags: &mut Diagnostics) -> BTreeMap<String, Node> {
    let keys: Vec<&str> = crate::cost::usage::KEYS
        .iter()
        .map(|(k, _, _)| *k)
        .collect();
    let out = keyed(node, &keys, "usage", diags);
    for v in out.values() {
        non_negative(v, diags);
    }
    out
}

/// A calendar date, `YYYY-MM-DD`.
fn date(node: &Node, diags: &mut Diagnostics) -> Option<String> {
    let s = expect_str(node, diags)?;
    if crate::cost::free_tier::Date::parse(s).is_none() {
        diags.push(
            Diagnostic::new(node.loc.clone(), format!("`{s}` is not a date"))
                .hint("write the day as YYYY-MM-DD, e.g. 2024-03-01 (the AWS console shows it under Account)"),
        );
        return None;
    }
    Some(s.to_string())
}

/// A stage's domain: a fully qualified DNS name of two labels or more, lowercase (ACM and
/// CloudFront take nothing else), null for none.
fn domain(node: &Node, diags: &mut Diagnostics) -> Option<String> {
    if matches!(node.kind, Kind::Null) {
        return None;
    }
    let s = expect_str(node, diags)?;
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = s.split('.').collect();
    if labels.len() < 2 || s.len() > 253 || !labels.iter().all(|l| label(l)) {
        diags.push(
            Diagnostic::new(node.loc.clone(), format!("`{s}` is not a domain name"))
                .hint("write the name the site answers on, lowercase, without scheme or trailing dot, e.g. tracker.example.com"),
        );
        return None;
    }
    Some(s.to_string())
}

/// A budget section: known keys, an amount of zero or more.
fn budget(node: &Node, diags: &mut Diagnostics) -> BTreeMap<String, Node> {
    let out = keyed(node, BUDGET_KEYS, "budget", diags);
    if let Some(v) = out.get("monthly_usd") {
        non_negative(v, diags);
    }
    out
}

/// Checks that `v` is a number of zero or more (usage, budgets).
pub fn non_negative(v: &Node, diags: &mut Diagnostics) {
    match v.kind {
        Kind::Int(i) if i < 0 => diags.push(
            Diagnostic::new(v.loc.clone(), format!("{i} is negative")).hint("use zero or more"),
        ),
        Kind::Float(f) if f < 0.0 => diags.push(
            Diagnostic::new(v.loc.clone(), format!("{f} is negative")).hint("use zero or more"),
        ),
        Kind::Int(_) | Kind::Float(_) => {}
        _ => diags.push(expected(v, "a number")),
    }
}

fn parse_stage(node: &Node, diags: &mut Diagnostics) -> StageSpec {
    let mut s = StageSpec::default();
    if matches!(node.kind, Kind::Null) {
        return s;
    }
    for (key, value) in expect_map(node, "a stage", diags).unwrap_or_default() {
        match key.name.as_str() {
            "params" => s.params = string_keyed(value, diags),
            "budget" => s.budget = budget(value, diags),
            "protect" => match value.kind {
                Kind::Bool(b) => s.protect = b,
                _ => diags.push(expected(value, "true or false")),
            },
            "region" => {
                s.region = expect_str(value, diags).map(str::to_string);
                s.region_at = Some(value.loc.clone());
            }
            "option" => s.option = expect_str(value, diags).map(str::to_string),
            "account_created" => s.account_created = date(value, diags),
            "domain" => s.domain = domain(value, diags),
            other => diags.push(unknown_key(&key.loc, other, STAGE_KEYS, "a stage")),
        }
    }
    s
}

fn parse_secret(name: &str, node: &Node, diags: &mut Diagnostics) -> Option<SecretSpec> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        diags.push(
            Diagnostic::new(
                node.loc.clone(),
                format!("secret name `{name}` must be letters, digits and `_`"),
            )
            .hint("name it like the environment variable the app reads, e.g. FINPREP_API_KEY"),
        );
    }
    let mut from_env = None;
    for (key, value) in expect_map(node, "a secret", diags).unwrap_or_default() {
        match key.name.as_str() {
            "from_env" => from_env = expect_str(value, diags).map(str::to_string),
            "value" => diags.push(
                Diagnostic::new(
                    key.loc.clone(),
                    "secret values must not be written in the stack file",
                )
                .hint("use `from_env: VARIABLE` and set the variable when you deploy"),
            ),
            other => diags.push(unknown_key(&key.loc, other, &["from_env"], "a secret")),
        }
    }
    Some(SecretSpec {
        from_env: from_env.unwrap_or_else(|| name.to_string()),
        loc: node.loc.clone(),
    })
}

/// A valid app or stage name: goes into every physical resource name.
pub fn is_name(s: &str) -> bool {
    (2..=24).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
}

pub fn expect_map<'a>(
    node: &'a Node,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<&'a (super::yaml::Key, Node)>> {
    match &node.kind {
        Kind::Map(m) => Some(m.iter().collect()),
        Kind::Null => Some(Vec::new()),
        _ => {
            diags.push(expected(node, &format!("a mapping for {what}")));
            None
        }
    }
}

pub fn expect_str<'a>(node: &'a Node, diags: &mut Diagnostics) -> Option<&'a str> {
    match &node.kind {
        Kind::Str(s) => Some(s),
        _ => {
            diags.push(expected(node, "a string"));
            None
        }
    }
}

fn string_keyed(node: &Node, diags: &mut Diagnostics) -> BTreeMap<String, Node> {
    expect_map(node, "this section", diags)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.name.clone(), v.clone()))
        .collect()
}

fn keyed(
    node: &Node,
    allowed: &[&str],
    what: &str,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    for (k, v) in expect_map(node, what, diags).unwrap_or_default() {
        if allowed.contains(&k.name.as_str()) {
            out.insert(k.name.clone(), v.clone());
        } else {
            diags.push(unknown_key(&k.loc, &k.name, allowed, what));
        }
    }
    out
}

/// "expected X, found Y" at the node.
pub fn expected(node: &Node, what: &str) -> Diagnostic {
    let hint = match (&node.kind, what) {
        (Kind::Str(_), w) if w.contains("number") => "write the number without quotes, e.g. `512`",
        (Kind::Int(_) | Kind::Float(_) | Kind::Bool(_), w) if w.contains("string") => {
            "quote it to make it text, e.g. \"42\""
        }
        (Kind::Seq(_), _) => {
            "a list is written `[a, b]` or one `- item` per line; remove the brackets for one value"
        }
        (Kind::Map(_), _) => {
            "a mapping is written `key: value`; remove the braces or indentation for one value"
        }
        _ => "`fintech validate --types` lists what each field takes",
    };
    Diagnostic::new(
        node.loc.clone(),
        format!("expected {what}, found {} `{node}`", node.describe()),
    )
    .hint(hint)
}

/// "unknown key" with the closest allowed key as a hint.
pub fn unknown_key(loc: &Loc, key: &str, allowed: &[&str], what: &str) -> Diagnostic {
    let d = Diagnostic::new(loc.clone(), format!("unknown key `{key}` in {what}"));
    match did_you_mean(key, allowed.iter().copied()) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => d.hint(format!("allowed keys: {}", allowed.join(", "))),
    }
}
