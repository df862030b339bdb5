//! The shape of a resource type's schema: its fields, how a change to each is applied, and its
//! outputs. The schemas themselves live beside their drivers (`aws/types/`).

use crate::aws::driver::Driver;

/// The type of a field's value.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    Int {
        min: i64,
        max: i64,
    },
    Num,
    Bool,
    Enum(&'static [&'static str]),
    /// A value from a closed list too long to print in full (instance classes), with a hint.
    OneOf(&'static [&'static str], &'static str),
    Cron,
    /// A container image reference (`[registry/]repository[:tag][@sha256:...]`).
    Image,
    List(&'static Ty),
    Map(&'static Ty),
    Obj(&'static [Field]),
}

/// Whether a field is required, defaulted or optional, and so what leaving it out means. No field
/// is "unmanaged": everything a stack can set, `fintech` converges, including its absence.
#[derive(Debug, Clone, Copy)]
pub enum Req {
    Required,
    /// Left out, it takes this default (JSON text), and a live value that differs is changed back.
    Default(&'static str),
    /// Left out, there is none: a live one (a certificate, an API origin) is removed.
    Optional,
}

/// How a change to the field reaches AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    InPlace,
    /// The resource must be deleted and created again.
    Replace,
    /// In place when the number grows; a decrease forces replacement (RDS storage).
    Grow,
    /// Not an AWS attribute: used by the deployer (e.g. a path it packages, or a delete option).
    Local,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub req: Req,
    pub change: Change,
    /// Shown as `(sensitive)` in plans.
    pub sensitive: bool,
    pub doc: &'static str,
}

/// The layer of the stack a resource belongs to, as the pictures group them: requests enter at the
/// edge, are answered by compute, which keeps its state in data, inside the network; operations
/// (roles, logs, alarms, budgets) watch over all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Edge,
    Compute,
    Data,
    Network,
    Operations,
}

impl Tier {
    pub const ALL: [Tier; 5] = [
        Tier::Edge,
        Tier::Compute,
        Tier::Data,
        Tier::Network,
        Tier::Operations,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tier::Edge => "Edge / CDN",
            Tier::Compute => "Compute",
            Tier::Data => "Data",
            Tier::Network => "Network",
            Tier::Operations => "Access and operations",
        }
    }

    /// A name for identifiers (Mermaid subgraphs, DOT clusters, CSS classes).
    pub fn key(self) -> &'static str {
        match self {
            Tier::Edge => "edge",
            Tier::Compute => "compute",
            Tier::Data => "data",
            Tier::Network => "network",
            Tier::Operations => "operations",
        }
    }
}

/// One resource type.
#[derive(Debug)]
pub struct TypeSchema {
    pub name: &'static str,
    /// Everything the type does against AWS and beside it.
    pub driver: &'static dyn Driver,
    pub doc: &'static str,
    pub fields: &'static [Field],
    /// Attributes the deployer derives (e.g. the hash of a packaged zip); diffed like fields.
    pub computed: &'static [(&'static str, Change)],
    pub outputs: &'static [&'static str],
    /// Where it sits in the picture of the stack (`fintech graph`).
    pub tier: Tier,
    /// Replacing or deleting it loses data: refused without `--allow-data-loss`.
    pub data_bearing: bool,
    /// Read-only: looked up, never created or deleted.
    pub lookup: bool,
    /// Computed attributes whose values are never shown (a digest of a secret).
    pub hidden: &'static [&'static str],
}

impl TypeSchema {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// How a change to attribute `name` is applied (fields and computed attributes).
    pub fn change_of(&self, name: &str) -> Change {
        self.field(name)
            .map(|f| f.change)
            .or_else(|| {
                self.computed
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, c)| *c)
            })
            .unwrap_or(Change::InPlace)
    }
}

pub(crate) const fn f(
    name: &'static str,
    ty: Ty,
    req: Req,
    change: Change,
    doc: &'static str,
) -> Field {
    Field {
        name,
        ty,
        req,
        change,
        sensitive: false,
        doc,
    }
}

pub(crate) const STR: Ty = Ty::Str;
pub(crate) const STRS: Ty = Ty::List(&Ty::Str);
pub(crate) const BOOL: Ty = Ty::Bool;

pub const RDS_CLASSES: &[&str] = &[
    "db.t3.micro",
    "db.t3.small",
    "db.t3.medium",
    "db.t3.large",
    "db.t3.xlarge",
    "db.t3.2xlarge",
    "db.t4g.micro",
    "db.t4g.small",
    "db.t4g.medium",
    "db.t4g.large",
    "db.t4g.xlarge",
    "db.t4g.2xlarge",
    "db.m5.large",
    "db.m5.xlarge",
    "db.m5.2xlarge",
    "db.m6g.large",
    "db.m6g.xlarge",
    "db.m6i.large",
    "db.m6i.xlarge",
    "db.m7g.large",
    "db.m7g.xlarge",
    "db.r5.large",
    "db.r5.xlarge",
    "db.r6g.large",
    "db.r6g.xlarge",
    "db.r6i.large",
    "db.r7g.large",
    "db.r7g.xlarge",
];

pub const CACHE_NODE_TYPES: &[&str] = &[
    "cache.t3.micro",
    "cache.t3.small",
    "cache.t3.medium",
    "cache.t4g.micro",
    "cache.t4g.small",
    "cache.t4g.medium",
    "cache.m5.large",
    "cache.m6g.large",
    "cache.m7g.large",
    "cache.r6g.large",
    "cache.r7g.large",
];

/// Every type, from the registry.
pub fn types() -> &'static [&'static TypeSchema] {
    crate::aws::registry::TYPES
}

/// The type named `name`.
pub fn lookup(name: &str) -> Option<&'static TypeSchema> {
    types().iter().copied().find(|t| t.name == name)
}

/// Whether output `output` of a resource of `schema` changes with its attribute `attr` (so an update
/// of `attr` makes the output unknown until applied).
pub fn output_follows(schema: &TypeSchema, output: &str, attr: &str) -> bool {
    schema.driver.output_follows(output, attr)
}

/// Attributes whose values are never shown.
pub fn is_sensitive(schema: &TypeSchema, attr: &str) -> bool {
    schema.field(attr).is_some_and(|f| f.sensitive) || schema.hidden.contains(&attr)
}
