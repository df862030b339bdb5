//! `stacks/<option>.yaml`: resource declarations, with `include` of shared files (one definition, many options).

use std::collections::BTreeMap;
use std::path::Path;

use super::diag::{Diagnostic, Diagnostics};
use super::project::{expect_map, expect_str, expected, unknown_key};
use super::read_yaml;
use super::yaml::{Key, Node};

/// One declared resource: its type and its fields, still located.
#[derive(Debug, Clone)]
pub struct ResourceSpec {
    pub name: Key,
    pub type_name: Node,
    pub depends_on: Vec<Node>,
    /// `when:`: the resource exists only where this is true (a parameter a stage sets).
    pub when: Option<Node>,
    pub fields: Vec<(Key, Node)>,
}

/// All resources of an option, after includes.
#[derive(Debug, Clone, Default)]
pub struct Stack {
    pub resources: BTreeMap<String, ResourceSpec>,
    /// Values shown by `fintech outputs` (URLs, endpoints), by name.
    pub outputs: BTreeMap<String, Node>,
}

const STACK_KEYS: &[&str] = &["include", "resources", "outputs", "description"];

/// Loads `stacks/<file>` and its includes (relative to the stacks directory), collecting errors.
pub fn load(dir: &Path, shown_dir: &str, file: &str, diags: &mut Diagnostics) -> Stack {
    let mut stack = Stack::default();
    let mut seen = Vec::new();
    load_into(dir, shown_dir, file, &mut stack, &mut seen, diags);
    stack
}

fn load_into(
    dir: &Path,
    shown_dir: &str,
    file: &str,
    stack: &mut Stack,
    seen: &mut Vec<String>,
    diags: &mut Diagnostics,
) {
    if seen.iter().any(|s| s == file) {
        return;
    }
    seen.push(file.to_string());
    let root = match read_yaml(&dir.join(file), &format!("{shown_dir}/{file}")) {
        Ok(n) => n,
        Err(d) => return diags.push(d),
    };
    for (key, value) in expect_map(&root, "a stack file", diags).unwrap_or_default() {
        match key.name.as_str() {
            "description" => {}
            "include" => {
                let files: Vec<&Node> = match &value.kind {
                    super::yaml::Kind::Seq(items) => items.iter().collect(),
                    _ => vec![value],
                };
                for f in files {
                    if let Some(name) = expect_str(f, diags) {
                        // Includes stay in the stacks directory: a stack file cannot read the
                        // rest of the machine (and print it in its errors).
                        let path = Path::new(name);
                        if path.is_absolute()
                            || path
                                .components()
                                .any(|c| !matches!(c, std::path::Component::Normal(_)))
                        {
                            diags.push(
                                Diagnostic::new(
                                    f.loc.clone(),
                                    format!("included file `{name}` is outside {shown_dir}/"),
                                )
                                .hint(format!(
                                    "includes name files in {shown_dir}/, like `common.yaml`"
                                )),
                            );
                            continue;
                        }
                        if !dir.join(name).is_file() {
                            diags.push(
                                Diagnostic::new(
                                    f.loc.clone(),
                                    format!("included file `{name}` does not exist"),
                                )
                                .hint(format!("includes are relative to {shown_dir}/")),
                            );
                            continue;
                        }
                        load_into(dir, shown_dir, name, stack, seen, diags);
                    }
                }
            }
            "outputs" => {
                for (name, v) in expect_map(value, "outputs", diags).unwrap_or_default() {
                    stack.outputs.insert(name.name.clone(), v.clone());
                }
            }
            "resources" => {
                for (name, body) in expect_map(value, "resources", diags).unwrap_or_default() {
                    if let Some(r) = parse_resource(name, body, diags) {
                        if let Some(prev) = stack.resources.get(&name.name) {
                            diags.push(
                                Diagnostic::new(
                                    name.loc.clone(),
                                    format!("resource `{}` is declared twice", name.name),
                                )
                                .hint(format!("the other declaration is at {}", prev.name.loc)),
                            );
                        } else {
                            stack.resources.insert(name.name.clone(), r);
                        }
                    }
                }
            }
            other => diags.push(unknown_key(&key.loc, other, STACK_KEYS, "a stack file")),
        }
    }
}

fn parse_resource(name: &Key, body: &Node, diags: &mut Diagnostics) -> Option<ResourceSpec> {
    if !is_resource_name(&name.name) {
        diags.push(
            Diagnostic::new(name.loc.clone(), format!("`{}` is not a valid resource name", name.name))
                .hint("use lowercase letters, digits and `_`, starting with a letter (it becomes part of AWS names)"),
        );
        return None;
    }
    if super::super::model::RESERVED.contains(&name.name.as_str()) {
        diags.push(
            Diagnostic::new(
                name.loc.clone(),
                format!("`{}` is a reserved name", name.name),
            )
            .hint("it is used by references like `${params.x}`; choose another name"),
        );
        return None;
    }
    let entries = expect_map(body, "a resource", diags)?;
    let mut type_name = None;
    let mut depends_on = Vec::new();
    let mut when = None;
    let mut fields = Vec::new();
    for (k, v) in entries {
        match k.name.as_str() {
            "type" => type_name = Some(v.clone()),
            "when" => when = Some(v.clone()),
            "depends_on" => match &v.kind {
                super::yaml::Kind::Seq(items) => depends_on = items.clone(),
                _ => diags.push(expected(v, "a list of resource names")),
            },
            _ => fields.push((k.clone(), v.clone())),
        }
    }
    let Some(type_name) = type_name else {
        diags.push(
            Diagnostic::new(
                name.loc.clone(),
                format!("resource `{}` has no `type`", name.name),
            )
            .hint("add e.g. `type: lambda.function`; `fintech validate --types` lists them"),
        );
        return None;
    };
    Some(ResourceSpec {
        name: name.clone(),
        type_name,
        depends_on,
        when,
        fields,
    })
}

fn is_resource_name(s: &str) -> bool {
    s.len() <= 24
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
