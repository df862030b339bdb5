//! Plans: what would change, resource by resource and attribute by attribute (pure), and how it is shown.

pub mod diff;
pub mod drift;
pub mod render;
pub mod saved;

use serde::Serialize;
use serde_json::Value;

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Read,
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    /// The actions that change something, in the order plans explain them.
    pub const CHANGES: [Action; 4] = [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Delete,
    ];

    pub fn is_change(self) -> bool {
        !matches!(self, Action::NoOp | Action::Read)
    }

    /// How plans mark it, in text and in every report: `+`, `~`, `-/+`, `-` (nothing when unchanged).
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::NoOp | Action::Read => "",
        }
    }
}

/// One attribute's change. `after: None` with `known_after_apply` means it depends on something not created yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttrChange {
    pub attribute: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub forces_replacement: bool,
    pub sensitive: bool,
    pub known_after_apply: bool,
    /// Live AWS moved away from what fintech last deployed (changed outside fintech), rather than
    /// the stack files changing: see [`drift`].
    pub drift: bool,
}

/// One resource's step.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: String,
    #[serde(rename = "type")]
    pub type_name: &'static str,
    pub name: String,
    pub action: Action,
    pub changes: Vec<AttrChange>,
    /// Replacing or deleting it destroys data.
    pub data_loss: bool,
    /// What the user should know that is not a change (the driver's [`crate::aws::Live::notes`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The whole plan, in dependency order.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub format_version: u32,
    pub app: String,
    pub stage: String,
    pub option: String,
    pub region: String,
    pub account: String,
    pub resources: Vec<Step>,
}

/// Counts of each action, for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub unchanged: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for st in &self.resources {
            match st.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
                Action::NoOp | Action::Read => s.unchanged += 1,
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        self.resources.iter().any(|s| s.action.is_change())
    }

    /// What the drivers noted that is not a change: (resource id, note), in plan order.
    pub fn notes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.resources
            .iter()
            .flat_map(|s| s.notes.iter().map(move |n| (s.id.as_str(), n.as_str())))
    }

    /// Steps that would destroy data (replace or delete a database, cache or bucket).
    pub fn data_loss(&self) -> Vec<&Step> {
        self.resources.iter().filter(|s| s.data_loss).collect()
    }
}

/// Plans, steps and changes for the unit tests of rendering and drift.
#[cfg(test)]
pub mod fixtures {
    use serde_json::Value;

    use super::{Action, AttrChange, Plan, Step};

    pub fn plan(steps: Vec<Step>) -> Plan {
        Plan {
            format_version: 1,
            app: "a".into(),
            stage: "dev".into(),
            option: "serverless".into(),
            region: "us-east-1".into(),
            account: "1".into(),
            resources: steps,
        }
    }

    pub fn step(action: Action, changes: Vec<AttrChange>) -> Step {
        Step {
            id: "api".into(),
            type_name: "lambda.function",
            name: "a-dev-api".into(),
            action,
            changes,
            data_loss: false,
            notes: Vec::new(),
        }
    }

    /// A step of resource `id`, of type `type_name`, named `a-dev-ID` (dashes for underscores).
    pub fn named(
        id: &str,
        type_name: &'static str,
        action: Action,
        changes: Vec<AttrChange>,
    ) -> Step {
        Step {
            id: id.into(),
            type_name,
            name: format!("a-dev-{}", id.replace('_', "-")),
            ..step(action, changes)
        }
    }

    pub fn ch(a: &str, before: Value, after: Value) -> AttrChange {
        AttrChange {
            attribute: a.into(),
            before: Some(before),
            after: Some(after),
            forces_replacement: false,
            sensitive: false,
            known_after_apply: false,
            drift: false,
        }
    }
}
