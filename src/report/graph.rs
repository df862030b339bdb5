//! The stack as a graph for people: one node per resource (kind, name, size, tier, data or not),
//! edges from references, and, beside a plan, what happens to each.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::aws::Names;
use crate::model::Desired;
use crate::model::schema::Tier;
use crate::plan::{Action, Plan};

/// One resource as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub kind: &'static str,
    /// Its physical name (an account id in it is shown as `<account>` where AWS is not asked).
    pub name: String,
    /// What it is sized by (instance class, memory, storage, count), when it has a size.
    pub size: Option<String>,
    pub tier: Tier,
    /// Replacing or deleting it loses data.
    pub data: bool,
    /// What a plan does to it; `None` in a picture of the stack alone.
    pub action: Option<Action>,
}

/// Resources and the references between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub title: String,
    pub nodes: Vec<Node>,
    /// (referencing, referenced), as indexes into `nodes`.
    pub edges: Vec<(usize, usize)>,
}

/// Fields that say how big a resource is, each with what is written before and after its value.
const SIZES: &[(&str, &str, &str)] = &[
    ("instance_class", "", ""),
    ("node_type", "", ""),
    ("mode", "VPC ", ""),
    ("nat", "NAT ", ""),
    ("cpu", "CPU ", ""),
    ("memory_mb", "", " MB"),
    ("storage_gb", "", " GB"),
    ("desired_count", "×", ""),
    ("min_count", "min ", ""),
    ("max_count", "max ", ""),
];

impl Graph {
    /// The stack of `desired`, in its dependency order.
    pub fn of(desired: &Desired, account: &str) -> Graph {
        let names = Names {
            app: desired.app.clone(),
            stage: desired.stage.clone(),
            region: desired.region.clone(),
            account: account.to_string(),
            adopted: std::sync::Arc::new(desired.adopted.clone()),
            adopting: false,
        };
        let nodes: Vec<Node> = desired
            .order
            .iter()
            .filter_map(|id| desired.resources.get(id))
            .map(|r| Node {
                id: r.id.clone(),
                kind: r.schema.name,
                name: names.physical(r.schema, &r.id),
                size: size(&r.props),
                tier: r.schema.tier,
                data: r.schema.data_bearing,
                action: None,
            })
            .collect();
        let index: BTreeMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        let mut edges = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            for dep in &desired.resources[&n.id].deps {
                if let Some(&j) = index.get(dep.as_str()) {
                    edges.push((i, j));
                }
            }
        }
        Graph {
            title: format!(
                "{}/{} — option {} in {}",
                desired.app, desired.stage, desired.option, desired.region
            ),
            nodes,
            edges,
        }
    }

    /// The stack with what `plan` does to each resource, and the resources it deletes (which the
    /// stack no longer declares) added.
    pub fn with_plan(desired: &Desired, plan: &Plan) -> Graph {
        let mut g = Graph::of(desired, &plan.account);
        let steps: BTreeMap<&str, &crate::plan::Step> =
            plan.resources.iter().map(|s| (s.id.as_str(), s)).collect();
        for n in &mut g.nodes {
            if let Some(s) = steps.get(n.id.as_str()) {
                n.action = Some(s.action);
                n.name = s.name.clone();
            }
        }
        for s in plan.resources.iter().filter(|s| s.action == Action::Delete) {
            if g.nodes.iter().any(|n| n.id == s.id) {
                continue;
            }
            let schema = crate::model::schema::lookup(s.type_name);
            g.nodes.push(Node {
                id: s.id.clone(),
                kind: s.type_name,
                name: s.name.clone(),
                size: None,
                tier: schema.map_or(Tier::Operations, |t| t.tier),
                data: s.data_loss || schema.is_some_and(|t| t.data_bearing),
                action: Some(Action::Delete),
            });
        }
        g
    }

    /// What changes, and what it references or is referenced by (unchanged, for context).
    pub fn changes(&self) -> Graph {
        let changed: BTreeSet<usize> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.action.is_some_and(Action::is_change))
            .map(|(i, _)| i)
            .collect();
        let keep: BTreeSet<usize> = self
            .edges
            .iter()
            .filter(|(a, b)| changed.contains(a) || changed.contains(b))
            .flat_map(|&(a, b)| [a, b])
            .chain(changed.iter().copied())
            .collect();
        let new_index: BTreeMap<usize, usize> = keep
            .iter()
            .enumerate()
            .map(|(new, &old)| (old, new))
            .collect();
        Graph {
            title: self.title.clone(),
            nodes: keep.iter().map(|&i| self.nodes[i].clone()).collect(),
            edges: self
                .edges
                .iter()
                .filter_map(|(a, b)| Some((*new_index.get(a)?, *new_index.get(b)?)))
                .collect(),
        }
    }

    /// The tiers that have nodes, in their order, each with its nodes' indexes.
    pub fn tiers(&self) -> Vec<(Tier, Vec<usize>)> {
        Tier::ALL
            .iter()
            .map(|&t| {
                let members = (0..self.nodes.len())
                    .filter(|&i| self.nodes[i].tier == t)
                    .collect::<Vec<_>>();
                (t, members)
            })
            .filter(|(_, m)| !m.is_empty())
            .collect()
    }
}

/// The resource's size from its fields, e.g. `db.t4g.micro, 20GB`; references are left out.
fn size(props: &BTreeMap<String, Value>) -> Option<String> {
    let parts: Vec<String> = SIZES
        .iter()
        .filter_map(|(field, before, after)| {
            let v = match props.get(*field)? {
                // A NAT instance by its type.
                Value::String(s) if *field == "nat" && s == "instance" => {
                    props.get("nat_instance_type")?.as_str()?.to_string()
                }
                Value::String(s) if !s.contains("${") => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(format!("{before}{v}{after}"))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The outline of a data-bearing resource, in every format.
pub const DATA_STROKE: &str = "#b45309";

/// The fill a plan's action is drawn with, in every format (none: unchanged, or no plan).
pub fn fill(action: Option<Action>) -> Option<&'static str> {
    match action? {
        Action::Create => Some("#dcfce7"),
        Action::Update => Some("#fef9c3"),
        Action::Replace => Some("#fee2e2"),
        Action::Delete => Some("#fecaca"),
        Action::NoOp | Action::Read => None,
    }
}

/// What goes before a resource's id: its action's symbol and a space (nothing when unchanged).
pub fn prefix(action: Option<Action>) -> String {
    match action.map(Action::symbol) {
        Some(sym) if !sym.is_empty() => format!("{sym} "),
        _ => String::new(),
    }
}

/// The symbol and verb a plan's action is shown with in the pictures and reports.
pub fn action_mark(a: Action) -> (&'static str, &'static str) {
    let verb = match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
        Action::NoOp | Action::Read => "unchanged",
    };
    (a.symbol(), verb)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A small graph of every kind of node: edge, compute, data (data-bearing), a deleted bucket.
    pub fn sample(with_actions: bool) -> Graph {
        let node = |id: &str, kind, tier, data, size: Option<&str>, action| Node {
            id: id.into(),
            kind,
            name: format!("a-dev-{}", id.replace('_', "-")),
            size: size.map(str::to_string),
            tier,
            data,
            action: if with_actions { Some(action) } else { None },
        };
        let mut nodes = vec![
            node(
                "cdn",
                "cloudfront.distribution",
                Tier::Edge,
                false,
                None,
                Action::NoOp,
            ),
            node(
                "api",
                "lambda.function",
                Tier::Compute,
                false,
                Some("512 MB"),
                Action::Update,
            ),
            node(
                "db",
                "rds.postgres",
                Tier::Data,
                true,
                Some("db.t4g.micro, 20 GB"),
                Action::Replace,
            ),
            node(
                "fn_role",
                "iam.role",
                Tier::Operations,
                false,
                None,
                Action::Create,
            ),
        ];
        if with_actions {
            nodes.push(node(
                "old_bucket",
                "s3.bucket",
                Tier::Data,
                true,
                None,
                Action::Delete,
            ));
        }
        Graph {
            title: "a/dev — option serverless in us-east-1".into(),
            nodes,
            edges: vec![(0, 1), (1, 2), (1, 3)],
        }
    }

    #[test]
    fn sizes_come_from_the_fields_that_say_how_big() {
        let props: BTreeMap<String, Value> = serde_json::from_value(serde_json::json!({
            "instance_class": "db.t4g.micro", "storage_gb": 20, "engine_version": "17.6"
        }))
        .unwrap();
        assert_eq!(size(&props).as_deref(), Some("db.t4g.micro, 20 GB"));
        let props: BTreeMap<String, Value> =
            serde_json::from_value(serde_json::json!({"cpu": 256, "memory_mb": 512, "desired_count": 2, "subnets": "${network.subnet_ids}"}))
                .unwrap();
        assert_eq!(size(&props).as_deref(), Some("CPU 256, 512 MB, ×2"));
        assert_eq!(size(&BTreeMap::new()), None);
        let props: BTreeMap<String, Value> = serde_json::from_value(
            serde_json::json!({"mode": "dedicated", "nat": "instance", "nat_instance_type": "t4g.nano"}),
        )
        .unwrap();
        assert_eq!(size(&props).as_deref(), Some("VPC dedicated, NAT t4g.nano"));
    }

    #[test]
    fn the_changes_keep_their_neighbours_for_context() {
        let mut g = sample(true);
        g.nodes[0].action = Some(Action::NoOp);
        g.nodes[1].action = Some(Action::NoOp);
        g.nodes[2].action = Some(Action::NoOp);
        // Only fn_role (created) and old_bucket (deleted) change: api is kept as fn_role's neighbour.
        let c = g.changes();
        let ids: Vec<&str> = c.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["api", "fn_role", "old_bucket"]);
        assert_eq!(c.edges, [(0, 1)]);
    }
}
