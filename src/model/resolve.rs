//! Turns a declared resource into a [`Resource`]: static references substituted, fields type-checked, defaults filled.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::schema::{self, Field, Req, Ty, TypeSchema};
use super::{RESERVED, Resource, cron};
use crate::spec::diag::did_you_mean;
use crate::spec::expr::{self, Part};
use crate::spec::project::{Project, StageSpec, expected, unknown_key};
use crate::spec::stack::{ResourceSpec, Stack};
use crate::spec::yaml::{Kind, Node};
use crate::spec::{Diagnostic, Diagnostics};

/// What references can see: parameters (stage over project), payload, budget, names, and the declared resources.
pub struct Ctx<'a> {
    params: BTreeMap<String, Node>,
    payload: &'a BTreeMap<String, Node>,
    budget: BTreeMap<String, Node>,
    scalars: BTreeMap<&'static str, Value>,
    types: BTreeMap<String, Option<&'static TypeSchema>>,
    secrets: BTreeSet<String>,
    /// Resources whose `when` is false: a reference to one of them is null.
    off: BTreeSet<String>,
    /// `${name.ID}`: what resource ID is called in AWS, known before it exists: the name it kept
    /// when the stage adopted it (these), else fintech's `{app}-{stage}-{id}` stem.
    names: BTreeMap<String, String>,
    stem: String,
    /// Static references followed so far: parameters that refer to parameters many times over
    /// could otherwise expand without end (a "billion laughs" of `${params.x}`).
    followed: std::cell::Cell<usize>,
}

/// How many static references one load may follow, and how long a value they build may be.
const MAX_FOLLOWED: usize = 20_000;
const MAX_VALUE_CHARS: usize = 65_536;

impl<'a> Ctx<'a> {
    pub fn new(
        proj: &'a Project,
        stage: &StageSpec,
        stage_name: &str,
        region: &str,
        option: &str,
        stack: &Stack,
    ) -> Self {
        let mut params = proj.params.clone();
        params.extend(stage.params.clone());
        let mut budget = proj.budget.clone();
        budget.extend(stage.budget.clone());
        let scalars = BTreeMap::from([
            ("app", Value::from(proj.app.clone())),
            ("stage", Value::from(stage_name)),
            ("region", Value::from(region)),
            ("option", Value::from(option)),
            ("protect", Value::from(stage.protect)),
            ("domain", Value::from(stage.domain.clone())),
        ]);
        let types = stack
            .resources
            .iter()
            .map(|(k, r)| (k.clone(), r.type_name.as_str().and_then(schema::lookup)))
            .collect();
        // Any id, declared by this option or not (the other option's function, in a statement
        // both options share).
        let names = proj
            .adopted
            .get(stage_name)
            .into_iter()
            .flatten()
            .map(|(id, a)| (id.clone(), a.name.clone()))
            .collect();
        let stem = format!("{}-{stage_name}-", proj.app);
        Ctx {
            params,
            payload: &proj.payload,
            budget,
            scalars,
            types,
            secrets: proj.secrets.keys().cloned().collect(),
            off: BTreeSet::new(),
            names,
            stem,
            followed: std::cell::Cell::new(0),
        }
    }

    /// Decides each resource's `when:` (true or false, known before any AWS call; a setting that
    /// is a name or none, like `${domain}`, is true when set); those that are false are left out,
    /// and references to them are null.
    pub fn switch_off(&mut self, stack: &Stack, diags: &mut Diagnostics) {
        for (name, spec) in &stack.resources {
            let Some(when) = &spec.when else { continue };
            let mut deps = BTreeSet::new();
            let v = substitute(self, when, &mut deps, diags, 0);
            // A setting that is a name or none (`${domain}`): on where it is set. A name written
            // out (`when: sometimes`) is a mistake.
            let a_setting = when
                .as_str()
                .is_some_and(|s| s.trim_start().starts_with("${"));
            match v.kind {
                Kind::Bool(true) => {}
                Kind::Str(ref s) if a_setting && !s.is_empty() && !s.contains("${") => {}
                Kind::Bool(false) | Kind::Null => {
                    self.off.insert(name.clone());
                }
                _ if !deps.is_empty() => diags.push(
                    Diagnostic::new(when.loc.clone(), "`when` must be known before anything is deployed")
                        .hint("use a parameter a stage sets, e.g. `when: ${params.waf}` with `waf: false` in fintech.yaml"),
                ),
                _ => diags.push(expected(&v, "true or false (or a setting that is a name or none, like `${domain}`)")),
            }
        }
    }

    /// Whether resource `id` is left out by its `when:`.
    pub fn is_off(&self, id: &str) -> bool {
        self.off.contains(id)
    }
}

/// Builds one resource, or reports why it cannot be built.
pub fn resource(ctx: &Ctx, spec: &ResourceSpec, diags: &mut Diagnostics) -> Option<Resource> {
    let type_name = spec.type_name.as_str().unwrap_or_default();
    let Some(schema) = schema::lookup(type_name) else {
        let names = schema::types().iter().map(|t| t.name);
        let d = Diagnostic::new(
            spec.type_name.loc.clone(),
            format!("unknown resource type `{type_name}`"),
        );
        diags.push(match did_you_mean(type_name, names) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None => d.hint(format!(
                "known types: {}",
                schema::types()
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        });
        return None;
    };
    let mut deps = BTreeSet::new();
    for d in &spec.depends_on {
        match d.as_str() {
            Some(name) if ctx.off.contains(name) => {}
            Some(name) if ctx.types.contains_key(name) => {
                deps.insert(name.to_string());
            }
            Some(name) => diags.push(dangling(d, name, ctx)),
            None => diags.push(expected(d, "a resource name")),
        }
    }
    let mut props = BTreeMap::new();
    let field_names: Vec<&str> = schema.fields.iter().map(|f| f.name).collect();
    for (key, value) in &spec.fields {
        let Some(field) = schema.field(&key.name) else {
            diags.push(unknown_key(
                &key.loc,
                &key.name,
                &field_names,
                &format!("a `{}`", schema.name),
            ));
            continue;
        };
        let resolved = substitute(ctx, value, &mut deps, diags, 0);
        // `null` (often a parameter a stage may set) says an optional setting is off: "none".
        if matches!(resolved.kind, Kind::Null) && matches!(field.req, Req::Optional) {
            props.insert(field.name.to_string(), Value::Null);
            continue;
        }
        // An invalid value is already reported: keep the field as given so it is not also "missing".
        let v = check(&resolved, &field.ty, diags).unwrap_or(Value::Null);
        props.insert(field.name.to_string(), v);
    }
    fill_defaults(
        schema.fields,
        &mut props,
        &spec.name.loc,
        &format!("resource `{}`", spec.name.name),
        diags,
    );
    Some(Resource {
        id: spec.name.name.clone(),
        schema,
        props,
        deps,
        loc: spec.name.loc.clone(),
    })
}

/// Resolves one declared output (a string with references). Secrets are refused: outputs are printed.
pub fn output(ctx: &Ctx, node: &Node, diags: &mut Diagnostics) -> Option<Value> {
    if node
        .as_str()
        .is_some_and(|s| expr::refs(s).iter().any(|p| p[0] == "secrets"))
    {
        diags.push(
            Diagnostic::new(
                node.loc.clone(),
                "outputs are printed and must not name secrets",
            )
            .hint("remove this output"),
        );
        return None;
    }
    let mut deps = BTreeSet::new();
    let resolved = substitute(ctx, node, &mut deps, diags, 0);
    if matches!(resolved.kind, Kind::Null) {
        return None; // an output of a resource the stage leaves out (`when:`): not shown
    }
    check(&resolved, &Ty::Str, diags)
}

fn fill_defaults(
    fields: &[Field],
    props: &mut BTreeMap<String, Value>,
    loc: &crate::spec::Loc,
    what: &str,
    diags: &mut Diagnostics,
) {
    for f in fields {
        if props.contains_key(f.name) {
            continue;
        }
        match f.req {
            Req::Default(json) => {
                props.insert(
                    f.name.to_string(),
                    serde_json::from_str(json).expect("schema defaults are JSON"),
                );
            }
            Req::Required => diags.push(
                Diagnostic::new(
                    loc.clone(),
                    format!("{what} is missing the required field `{}`", f.name),
                )
                .hint(format!("`{}`: {}", f.name, f.doc)),
            ),
            Req::Optional => {}
        }
    }
}

/// Substitutes static references (`${params.x}`, `${app}`, ...) and checks runtime ones (`${db.endpoint}`),
/// recording the resources they name in `deps`.
fn substitute(
    ctx: &Ctx,
    node: &Node,
    deps: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
    depth: u8,
) -> Node {
    let kind = match &node.kind {
        Kind::Str(s) => return substitute_str(ctx, node, s, deps, diags, depth),
        Kind::Seq(items) => Kind::Seq(
            items
                .iter()
                .map(|i| substitute(ctx, i, deps, diags, depth))
                .collect(),
        ),
        Kind::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), substitute(ctx, v, deps, diags, depth)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node {
        kind,
        loc: node.loc.clone(),
    }
}

fn substitute_str(
    ctx: &Ctx,
    node: &Node,
    s: &str,
    deps: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
    depth: u8,
) -> Node {
    let parts = match expr::parse(s) {
        Ok(p) => p,
        Err((_, msg)) => {
            diags.push(
                Diagnostic::new(node.loc.clone(), msg)
                    .hint("references look like `${params.db_class}` or `${db.endpoint}`"),
            );
            return node.clone();
        }
    };
    let single = parts.len() == 1;
    let mut text = String::new();
    for part in parts {
        match part {
            Part::Lit(l) => text.push_str(&l.replace("${", "$${")),
            Part::Ref {
                path, fallbacks, ..
            } => {
                let (path, lookup) = first_on(ctx, path, fallbacks, node, deps, diags);
                match lookup {
                    Lookup::Static(_) if ctx.followed.get() >= MAX_FOLLOWED => {
                        if ctx.followed.replace(MAX_FOLLOWED + 1) == MAX_FOLLOWED {
                            diags.push(
                            Diagnostic::new(
                                node.loc.clone(),
                                format!("parameters expand too much: more than {MAX_FOLLOWED} references followed"),
                            )
                            .hint("a parameter that uses another many times, nested, grows exponentially"),
                        );
                        }
                        return node.clone();
                    }
                    Lookup::Static(found) if depth < 8 => {
                        ctx.followed.set(ctx.followed.get() + 1);
                        let found = substitute(ctx, &found, deps, diags, depth + 1);
                        if single {
                            return found;
                        }
                        match &found.kind {
                            Kind::Str(v) => text.push_str(v),
                            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                                text.push_str(&found.to_string())
                            }
                            _ => diags.push(
                                Diagnostic::new(
                                    node.loc.clone(),
                                    format!(
                                        "`${{{}}}` is {} and cannot be part of a string",
                                        path.join("."),
                                        found.describe()
                                    ),
                                )
                                .hint("use the reference as the whole value instead"),
                            ),
                        }
                    }
                    Lookup::Static(_) => diags.push(Diagnostic::new(
                        node.loc.clone(),
                        "parameters refer to each other too deeply (a loop?)",
                    )),
                    // A reference already reported stays as written, so no second error follows from it.
                    Lookup::Runtime | Lookup::Error => {
                        text.push_str(&format!("${{{}}}", path.join(".")))
                    }
                }
            }
        }
        if text.len() > MAX_VALUE_CHARS {
            diags.push(
                Diagnostic::new(
                    node.loc.clone(),
                    format!("this value expands to more than {MAX_VALUE_CHARS} characters"),
                )
                .hint("a parameter that uses another many times, nested, grows exponentially"),
            );
            return Node {
                kind: Kind::Str(String::new()),
                loc: node.loc.clone(),
            };
        }
    }
    Node {
        kind: Kind::Str(text),
        loc: node.loc.clone(),
    }
}

enum Lookup {
    Static(Node),
    Runtime,
    Error,
}

/// The first of `path` and its `fallbacks` that is not none (a resource switched off by `when:`, a
/// setting that is null), with its lookup; the last when all are. Each is checked (a typo in a
/// fallback is an error too); only the chosen one's resource becomes a dependency.
fn first_on(
    ctx: &Ctx,
    path: Vec<String>,
    fallbacks: Vec<Vec<String>>,
    at: &Node,
    deps: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> (Vec<String>, Lookup) {
    let mut chosen: Option<(Vec<String>, Lookup, BTreeSet<String>)> = None;
    let mut last = None;
    for p in std::iter::once(path).chain(fallbacks) {
        let mut own = BTreeSet::new();
        let found = static_value(ctx, &p, at, &mut own, diags);
        let none = matches!(&found, Lookup::Static(n) if matches!(n.kind, Kind::Null));
        if chosen.is_none() && !none {
            chosen = Some((p, found, own));
        } else {
            last = Some((p, found, own));
        }
    }
    let (p, found, own) = chosen.or(last).expect("a reference has a path");
    deps.extend(own);
    (p, found)
}

fn static_value(
    ctx: &Ctx,
    path: &[String],
    at: &Node,
    deps: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Lookup {
    let head = path[0].as_str();
    let named = |map: &BTreeMap<String, Node>, what: &str, diags: &mut Diagnostics| -> Lookup {
        let Some(key) = path.get(1).filter(|_| path.len() == 2) else {
            diags.push(
                Diagnostic::new(
                    at.loc.clone(),
                    format!("`${{{}}}` must name one {what}", path.join(".")),
                )
                .hint(format!("e.g. `${{{head}.NAME}}`")),
            );
            return Lookup::Error;
        };
        match map.get(key) {
            Some(n) => Lookup::Static(n.clone()),
            None => {
                let d = Diagnostic::new(
                    at.loc.clone(),
                    format!("`${{{}}}`: there is no {what} `{key}`", path.join(".")),
                );
                diags.push(match did_you_mean(key, map.keys().map(String::as_str)) {
                    Some(s) => d.hint(format!("did you mean `{head}.{s}`?")),
                    None => d.hint(format!("declare it under `{head}:` in fintech.yaml")),
                });
                Lookup::Error
            }
        }
    };
    match head {
        "params" => named(&ctx.params, "parameter", diags),
        "payload" => named(ctx.payload, "payload path", diags),
        "budget" => named(&ctx.budget, "budget setting", diags),
        "account" if path.len() == 1 => Lookup::Runtime,
        // Static: the name needs nothing from the resource (no dependency, so a role may name
        // the log group of the function that uses it).
        "name" if path.len() == 2 => Lookup::Static(Node {
            kind: Kind::Str(
                ctx.names
                    .get(&path[1])
                    .cloned()
                    .unwrap_or_else(|| format!("{}{}", ctx.stem, path[1].replace('_', "-"))),
            ),
            loc: at.loc.clone(),
        }),
        "secrets" => {
            if path.len() == 2 && ctx.secrets.contains(&path[1]) {
                deps.insert(format!("secrets.{}", path[1]));
                Lookup::Runtime
            } else {
                let d = Diagnostic::new(
                    at.loc.clone(),
                    format!("`${{{}}}` is not a declared secret", path.join(".")),
                );
                diags.push(match path.get(1).and_then(|k| did_you_mean(k, ctx.secrets.iter().map(String::as_str))) {
                    Some(s) => d.hint(format!("did you mean `secrets.{s}`?")),
                    None => d.hint("declare it under `secrets:` in fintech.yaml (it becomes the secret's ARN)"),
                });
                Lookup::Error
            }
        }
        _ if path.len() == 1 && ctx.scalars.contains_key(head) => {
            let v = &ctx.scalars[head];
            let kind = match v {
                Value::Bool(b) => Kind::Bool(*b),
                Value::Null => Kind::Null,
                other => Kind::Str(other.as_str().unwrap_or_default().to_string()),
            };
            Lookup::Static(Node {
                kind,
                loc: at.loc.clone(),
            })
        }
        _ if ctx.off.contains(head) => Lookup::Static(Node {
            kind: Kind::Null,
            loc: at.loc.clone(),
        }),
        _ => match ctx.types.get(head) {
            Some(schema) => {
                deps.insert(head.to_string());
                let Some(schema) = schema else {
                    return Lookup::Runtime;
                };
                match path.get(1).filter(|_| path.len() == 2) {
                    Some(out) if schema.outputs.contains(&out.as_str()) => Lookup::Runtime,
                    other => {
                        let d = Diagnostic::new(
                            at.loc.clone(),
                            match other {
                                Some(o) => {
                                    format!("`{head}` (a {}) has no output `{o}`", schema.name)
                                }
                                None => format!(
                                    "`${{{}}}` must name one output of `{head}`",
                                    path.join(".")
                                ),
                            },
                        );
                        let hint = other
                            .and_then(|o| did_you_mean(o, schema.outputs.iter().copied()))
                            .map(|s| format!("did you mean `{head}.{s}`?"))
                            .unwrap_or_else(|| {
                                format!("outputs of {}: {}", schema.name, schema.outputs.join(", "))
                            });
                        diags.push(d.hint(hint));
                        Lookup::Error
                    }
                }
            }
            None => {
                diags.push(dangling(at, head, ctx));
                Lookup::Error
            }
        },
    }
}

fn dangling(at: &Node, name: &str, ctx: &Ctx) -> Diagnostic {
    let candidates = ctx
        .types
        .keys()
        .map(String::as_str)
        .chain(RESERVED.iter().copied());
    let d = Diagnostic::new(
        at.loc.clone(),
        format!("reference to `{name}`, which is not declared"),
    );
    match did_you_mean(name, candidates) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => d.hint(
            "declare a resource of that name, or refer to params., payload., secrets., budget.",
        ),
    }
}

/// The string `s` of `node`, which a format check passed, as JSON; or the check's error at the
/// node, with `hint`.
fn checked(
    node: &Node,
    s: &str,
    check: Result<(), String>,
    hint: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    match check {
        Ok(()) => Some(Value::String(s.to_string())),
        Err(e) => {
            diags.push(Diagnostic::new(node.loc.clone(), e).hint(hint));
            None
        }
    }
}

/// Type-checks a resolved value, returning it as JSON. A string holding a runtime reference passes
/// for any type: its value is known at deploy time.
fn check(node: &Node, ty: &Ty, diags: &mut Diagnostics) -> Option<Value> {
    if let Kind::Str(s) = &node.kind
        && !expr::refs(s).is_empty()
    {
        return Some(Value::String(s.clone()));
    }
    let bad = |what: &str, diags: &mut Diagnostics| {
        diags.push(expected(node, what));
        None
    };
    match (ty, &node.kind) {
        (Ty::Str, Kind::Str(s)) => Some(Value::String(unescape(s))),
        (Ty::Str, Kind::Int(_) | Kind::Float(_) | Kind::Bool(_)) => {
            Some(Value::String(node.to_string()))
        }
        (Ty::Str, _) => bad("a string", diags),
        (Ty::Int { min, max }, Kind::Int(i)) => {
            if i < min || i > max {
                diags.push(
                    Diagnostic::new(node.loc.clone(), format!("{i} is out of range"))
                        .hint(format!("use a whole number from {min} to {max}")),
                );
                None
            } else {
                Some(Value::from(*i))
            }
        }
        (Ty::Int { .. }, _) => bad("a whole number", diags),
        (Ty::Num, Kind::Int(i)) => Some(Value::from(*i)),
        (Ty::Num, Kind::Float(f)) => Some(Value::from(*f)),
        (Ty::Num, _) => bad("a number", diags),
        (Ty::Bool, Kind::Bool(b)) => Some(Value::Bool(*b)),
        (Ty::Bool, _) => bad("true or false", diags),
        (Ty::Enum(allowed), Kind::Str(s)) | (Ty::OneOf(allowed, _), Kind::Str(s))
            if allowed.contains(&s.as_str()) =>
        {
            Some(Value::String(s.clone()))
        }
        (Ty::Enum(allowed), Kind::Int(i)) if allowed.contains(&i.to_string().as_str()) => {
            Some(Value::String(i.to_string()))
        }
        (Ty::Enum(allowed), _) => {
            let got = node.as_str().unwrap_or_default();
            let d = Diagnostic::new(
                node.loc.clone(),
                format!("`{node}` is not one of {}", allowed.join(", ")),
            );
            diags.push(match did_you_mean(got, allowed.iter().copied()) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("use one of: {}", allowed.join(", "))),
            });
            None
        }
        (Ty::OneOf(allowed, what), _) => {
            let got = node.as_str().unwrap_or_default();
            let d = Diagnostic::new(
                node.loc.clone(),
                format!("unknown value `{node}`: expected {what}"),
            );
            diags.push(match did_you_mean(got, allowed.iter().copied()) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("known: {}", allowed.join(", "))),
            });
            None
        }
        (Ty::Cron, Kind::Str(s)) => checked(
            node,
            s,
            cron::validate(s).map_err(|e| format!("invalid schedule `{s}`: {e}")),
            "e.g. `cron(0 6 * * ? *)` runs daily at 06:00 UTC",
            diags,
        ),
        (Ty::Cron, _) => bad("a schedule expression string", diags),
        (Ty::Image, Kind::Str(s)) => checked(
            node,
            s,
            crate::package::oci::reference::Reference::parse(s)
                .map(|_| ())
                .map_err(|e| format!("{e:#}")),
            "e.g. `public.ecr.aws/docker/library/python:3.12-slim`, or pinned with `@sha256:` and 64 hex digits",
            diags,
        ),
        (Ty::Image, _) => bad("an image reference string", diags),
        (Ty::List(inner), Kind::Seq(items)) => {
            let vals: Vec<Option<Value>> = items.iter().map(|i| check(i, inner, diags)).collect();
            vals.into_iter()
                .collect::<Option<Vec<_>>>()
                .map(Value::Array)
        }
        (Ty::List(_), _) => bad("a list", diags),
        (Ty::Map(inner), Kind::Map(entries)) => {
            let mut out = serde_json::Map::new();
            let mut ok = true;
            for (k, v) in entries {
                match check(v, inner, diags) {
                    Some(v) => {
                        out.insert(k.name.clone(), v);
                    }
                    None => ok = false,
                }
            }
            ok.then_some(Value::Object(out))
        }
        (Ty::Map(_), Kind::Null) => Some(Value::Object(Default::default())),
        (Ty::Map(_), _) => bad("a mapping", diags),
        (Ty::Obj(fields), Kind::Map(entries)) => {
            let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            let mut props = BTreeMap::new();
            let mut ok = true;
            for (k, v) in entries {
                match fields.iter().find(|f| f.name == k.name) {
                    Some(f) => {
                        let v = check(v, &f.ty, diags);
                        ok &= v.is_some();
                        props.insert(f.name.to_string(), v.unwrap_or(Value::Null));
                    }
                    None => {
                        diags.push(unknown_key(&k.loc, &k.name, &names, "this entry"));
                        ok = false;
                    }
                }
            }
            let before = diags.0.len();
            fill_defaults(fields, &mut props, &node.loc, "this entry", diags);
            (ok && diags.0.len() == before).then(|| Value::Object(props.into_iter().collect()))
        }
        (Ty::Obj(_), _) => bad("a mapping", diags),
    }
}

/// Literal `${` was escaped as `$${` during substitution; a value without references shows it plainly.
fn unescape(s: &str) -> String {
    s.replace("$${", "${")
}
