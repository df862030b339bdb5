//! Dependency order of the desired graph, and cycles reported with their path.

use std::collections::{BTreeMap, BTreeSet};

use super::Resource;
use crate::spec::{Diagnostic, Diagnostics};

/// A topological order of `resources` (dependencies first, ties by name). A cycle is an error naming its path.
pub fn order(resources: &BTreeMap<String, Resource>, diags: &mut Diagnostics) -> Vec<String> {
    let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1 = on the stack, 2 = done
    let mut out = Vec::new();
    let mut reported = BTreeSet::new();
    for id in resources.keys() {
        let mut path = Vec::new();
        visit(
            id,
            resources,
            &mut state,
            &mut path,
            &mut out,
            diags,
            &mut reported,
        );
    }
    out
}

fn visit<'a>(
    id: &'a str,
    resources: &'a BTreeMap<String, Resource>,
    state: &mut BTreeMap<&'a str, u8>,
    path: &mut Vec<&'a str>,
    out: &mut Vec<String>,
    diags: &mut Diagnostics,
    reported: &mut BTreeSet<Vec<String>>,
) {
    match state.get(id) {
        Some(2) => return,
        Some(1) => {
            let start = path.iter().position(|p| *p == id).unwrap_or(0);
            let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
            let key = {
                let mut k = cycle.clone();
                k.sort();
                k
            };
            if reported.insert(key) {
                cycle.push(id.to_string());
                let r = &resources[id];
                diags.push(
                    Diagnostic::new(r.loc.clone(), format!("dependency cycle: {}", cycle.join(" -> ")))
                        .hint("a resource cannot depend on itself through references; remove one of these references"),
                );
            }
            return;
        }
        _ => {}
    }
    let Some(r) = resources.get(id) else { return };
    state.insert(id, 1);
    path.push(id);
    for dep in &r.deps {
        if let Some((k, _)) = resources.get_key_value(dep.as_str()) {
            visit(k, resources, state, path, out, diags, reported);
        }
    }
    path.pop();
    state.insert(id, 2);
    out.push(id.to_string());
}
