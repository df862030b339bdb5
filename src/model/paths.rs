//! The payload's local paths, checked before any AWS call: they stay in the project directory
//! (a stack file cannot ship `/etc` or `~/.ssh` to AWS), exist, and are what their field needs (a
//! function's handler module, a frontend's package.json).

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde_json::Value;

use super::Resource;
use crate::spec::stack::Stack;
use crate::spec::yaml::Node;
use crate::spec::{Diagnostic, Diagnostics, Loc};

/// The fields that name a directory of the project: (type, field).
const PATH_FIELDS: &[(&str, &str)] = &[
    ("lambda.function", "code"),
    ("ecs.service", "build"),
    ("s3.site", "source"),
    ("s3.site", "build"),
];

const INSIDE: &str = "payload paths are relative to the project directory (where fintech.yaml is) and stay in it; to deploy code from elsewhere, move fintech.yaml up or link the directory into the project";

/// Whether `path`, written in the stack, leaves the project directory (absolute, or `..`).
fn leaves(path: &str) -> bool {
    let p = Path::new(path);
    p.is_absolute()
        || p.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        })
}

/// `payload:` in fintech.yaml: strings that stay in the project.
pub fn check_payload(payload: &BTreeMap<String, Node>, diags: &mut Diagnostics) {
    for (name, node) in payload {
        match node.as_str() {
            Some(p) if leaves(p) => diags.push(
                Diagnostic::new(
                    node.loc.clone(),
                    format!("payload `{name}` is `{p}`, outside the project directory"),
                )
                .hint(INSIDE),
            ),
            Some(_) => {}
            None => diags.push(crate::spec::project::expected(node, "a path (a string)")),
        }
    }
}

/// Each path field of each resource: inside the project (when written there directly), an
/// existing directory (a site's `source` may be what its `build` makes), holding what it needs.
pub fn check_resources(
    root: &Path,
    stack: &Stack,
    resources: &BTreeMap<String, Resource>,
    diags: &mut Diagnostics,
) {
    for (id, r) in resources {
        for (type_name, field) in PATH_FIELDS {
            if r.schema.name != *type_name {
                continue;
            }
            let Some(path) = r.props.get(*field).and_then(Value::as_str) else {
                continue;
            };
            let loc = stack
                .resources
                .get(id)
                .and_then(|s| s.fields.iter().find(|(k, _)| k.name == *field))
                .map_or_else(|| r.loc.clone(), |(_, n)| n.loc.clone());
            if let Some(d) = problem(root, r, field, path, loc) {
                diags.push(d);
            }
        }
    }
}

fn problem(root: &Path, r: &Resource, field: &str, path: &str, loc: Loc) -> Option<Diagnostic> {
    let at =
        |msg: String, hint: &str| Some(Diagnostic::new(loc.clone(), msg).hint(hint.to_string()));
    if leaves(path) {
        return at(
            format!(
                "`{}`: {field} `{path}` is outside the project directory",
                r.id
            ),
            INSIDE,
        );
    }
    let dir = root.join(path);
    let built_later = field == "source" && r.props.get("build").is_some_and(|b| !b.is_null());
    if !dir.is_dir() {
        if built_later {
            return None;
        }
        let what = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return at(
            format!("`{}`: {field} `{path}` {what}", r.id),
            "payload paths are relative to the project directory (where fintech.yaml is)",
        );
    }
    match (r.schema.name, field) {
        ("lambda.function", "code") => {
            let handler = r.props.get("handler").and_then(Value::as_str).unwrap_or("");
            let module = handler.rsplit_once('.').map_or(handler, |(m, _)| m);
            let file = module.replace('.', "/");
            let found = dir.join(format!("{file}.py")).is_file()
                || dir.join(&file).join("__init__.py").is_file();
            (!found).then(|| {
                Diagnostic::new(
                    loc,
                    format!(
                        "`{}`: {path} has no `{file}.py` for the handler `{handler}`",
                        r.id
                    ),
                )
                .hint(
                    "the handler is `module.function`, the module a .py file in the code directory",
                )
            })
        }
        ("s3.site", "build") if !dir.join("package.json").is_file() => at(
            format!("`{}`: build `{path}` has no package.json", r.id),
            "`build` is the frontend directory that `npm run build` is run in",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::leaves;

    #[test]
    fn paths_that_leave_the_project() {
        for p in ["../x", "/etc", "app/../../x", "./../x"] {
            assert!(leaves(p), "{p}");
        }
        for p in ["app/backend", "./app", "app/frontend/out"] {
            assert!(!leaves(p), "{p}");
        }
    }
}
