//! The desired graph: the stack file with parameters resolved, every field type-checked, and references as edges.

pub mod cron;
pub mod eval;
pub mod graph;
pub mod jsonschema;
pub mod paths;
pub mod region;
pub mod resolve;
pub mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::spec::diag::did_you_mean;
use crate::spec::{self, Diagnostic, Diagnostics, Loc, project, stack};
use schema::TypeSchema;

/// Names that references use as namespaces; no resource may take them.
pub const RESERVED: &[&str] = &[
    "params", "payload", "secrets", "budget", "app", "stage", "region", "account", "protect",
    "option", "domain",
];

/// The options `fintech` ships stack files for.
pub const OPTIONS: &[&str] = &["serverless", "containers"];

/// One resource as it should be.
#[derive(Debug, Clone)]
pub struct Resource {
    pub id: String,
    pub schema: &'static TypeSchema,
    /// Every field with defaults filled; runtime references stay as `${res.output}` text.
    pub props: BTreeMap<String, Value>,
    pub deps: BTreeSet<String>,
    pub loc: Loc,
}

/// The whole stage as it should be.
#[derive(Debug, Clone)]
pub struct Desired {
    pub app: String,
    pub stage: String,
    pub region: String,
    pub option: String,
    pub protect: bool,
    pub root: PathBuf,
    pub resources: BTreeMap<String, Resource>,
    /// Resource ids, each after everything it depends on.
    pub order: Vec<String>,
    pub usage: BTreeMap<String, Value>,
    /// The account's creation date (`YYYY-MM-DD`) when fintech.yaml gives it.
    pub account_created: Option<String>,
    /// The stage's monthly budget, for the cost warning.
    pub budget_usd: Option<f64>,
    /// Declared outputs, with runtime references as text.
    pub outputs: BTreeMap<String, Value>,
    /// Resources the stage took over (`fintech adopt`), by id: they keep their names in AWS.
    pub adopted: BTreeMap<String, Adopted>,
}

/// A resource made without fintech that the stage took over: its type and the name (or id) it
/// keeps in AWS instead of the one fintech would give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    pub type_name: String,
    pub name: String,
}

impl Desired {
    /// What each resource depends on, by id.
    pub fn deps(&self) -> BTreeMap<String, std::collections::BTreeSet<String>> {
        self.resources
            .iter()
            .map(|(k, r)| (k.clone(), r.deps.clone()))
            .collect()
    }
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub stage: Option<String>,
    pub option: Option<String>,
    pub region: Option<String>,
    /// The command builds the payload (plan, deploy, package, validate): its directories must be
    /// there. Destroy, outputs and cost work from a checkout without the app.
    pub payload: bool,
}

/// Loads `fintech.yaml` and the option's stack from `root`, and builds the desired graph.
/// Every problem is reported at once; nothing here talks to AWS.
pub fn load(root: &Path, sel: &Selection) -> Result<Desired, Diagnostics> {
    let mut diags = Diagnostics::default();
    let proj_node = match spec::read_yaml(&root.join("fintech.yaml"), "fintech.yaml") {
        Ok(n) => n,
        Err(d) => {
            diags.push(d);
            return diags.finish(unreachable_desired());
        }
    };
    let proj = project::parse(&proj_node, &mut diags);
    let stage_name = sel.stage.clone().unwrap_or_else(|| "dev".to_string());
    let Some(stage) = proj.stages.get(&stage_name) else {
        let names: Vec<&str> = proj.stages.keys().map(String::as_str).collect();
        let mut d = Diagnostic::new(
            proj.loc.clone(),
            format!("stage `{stage_name}` is not declared in `stages`"),
        );
        let declared = format!("declared stages: {}", names.join(", "));
        d = match did_you_mean(&stage_name, names.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`? ({declared})")),
            None => d.hint(declared),
        };
        diags.push(d);
        return diags.finish(unreachable_desired());
    };
    if !project::is_name(&stage_name) {
        diags.push(
            Diagnostic::new(
                proj.loc.clone(),
                format!("`{stage_name}` is not a valid stage name"),
            )
            .hint("use 2-24 lowercase letters, digits and dashes, starting with a letter"),
        );
    }
    let option = sel
        .option
        .clone()
        .or_else(|| stage.option.clone())
        .or_else(|| proj.default_option.clone())
        .unwrap_or_else(|| "serverless".to_string());
    if !OPTIONS.contains(&option.as_str()) {
        diags.push(
            Diagnostic::new(proj.loc.clone(), format!("unknown option `{option}`"))
                .hint(format!("options: {}", OPTIONS.join(", "))),
        );
        return diags.finish(unreachable_desired());
    }
    let (region, region_at) = match (&sel.region, &stage.region, &proj.region) {
        (Some(r), _, _) => (r.clone(), Loc::new(&"--region".into(), 0, 0)),
        (None, Some(r), _) => (
            r.clone(),
            stage.region_at.clone().unwrap_or(proj.loc.clone()),
        ),
        (None, None, Some(r)) => (
            r.clone(),
            proj.region_at.clone().unwrap_or(proj.loc.clone()),
        ),
        (None, None, None) => ("us-east-1".to_string(), proj.loc.clone()),
    };
    if let Some(hint) = region::problem(&region) {
        diags.push(
            Diagnostic::new(region_at, format!("`{region}` is not an AWS region")).hint(hint),
        );
    }
    // A stage may only override parameters the project declares: a typo would be ignored
    // silently (prod keeping dev's backups).
    for (name, value) in &stage.params {
        if !proj.params.contains_key(name) {
            let mut d = Diagnostic::new(
                value.loc.clone(),
                format!("stage `{stage_name}` sets `{name}`, which `params` does not declare"),
            );
            d = match did_you_mean(name, proj.params.keys().map(String::as_str)) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint("declare it under `params` first (with the value other stages get)"),
            };
            diags.push(d);
        }
    }
    let stack_file = format!("{option}.yaml");
    if !root.join("stacks").join(&stack_file).is_file() {
        diags.push(
            Diagnostic::new(
                Loc::new(&"stacks".into(), 0, 0),
                format!("no stack file stacks/{stack_file} for option `{option}`"),
            )
            .hint("create it, or pick another --option"),
        );
        return diags.finish(unreachable_desired());
    }
    let before = diags.0.len();
    let stack = stack::load(&root.join("stacks"), "stacks", &stack_file, &mut diags);
    if diags.0[before..]
        .iter()
        .any(|d| d.message.starts_with("invalid YAML") || d.message.starts_with("cannot read"))
    {
        // Resources of an unreadable file are missing: checking references now would only cascade.
        return diags.finish(unreachable_desired());
    }
    if stack.resources.is_empty() {
        // (Unless the file's own errors explain it.)
        if diags.0.len() == before {
            diags.push(
            Diagnostic::new(
                Loc::new(&format!("stacks/{stack_file}").into(), 1, 1),
                format!("stacks/{stack_file} declares no resources"),
            )
            .hint("a stack with no resources would plan the deletion of everything the stage has; to remove a stage, run `fintech destroy`"),
            );
        }
        return diags.finish(unreachable_desired());
    }
    let mut ctx = resolve::Ctx::new(&proj, stage, &stage_name, &region, &option, &stack);
    ctx.switch_off(&stack, &mut diags);
    let mut resources = BTreeMap::new();
    for (name, secret) in &proj.secrets {
        let id = format!("secrets.{name}");
        let mut props = BTreeMap::new();
        props.insert(
            "from_env".to_string(),
            Value::String(secret.from_env.clone()),
        );
        resources.insert(
            id.clone(),
            Resource {
                id,
                schema: schema::lookup("secretsmanager.secret").expect("built-in type"),
                props,
                deps: BTreeSet::new(),
                loc: secret.loc.clone(),
            },
        );
    }
    for (name, rspec) in &stack.resources {
        if ctx.is_off(name) {
            continue;
        }
        if let Some(r) = resolve::resource(&ctx, rspec, &mut diags) {
            resources.insert(name.clone(), r);
        }
    }
    let outputs = stack
        .outputs
        .iter()
        .filter_map(|(k, v)| resolve::output(&ctx, v, &mut diags).map(|v| (k.clone(), v)))
        .collect();
    paths::check_payload(&proj.payload, &mut diags);
    if sel.payload {
        paths::check_resources(root, &stack, &resources, &mut diags);
    }
    let order = graph::order(&resources, &mut diags);
    let usage = proj
        .usage
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let adopted = adopted(&proj, &stage_name, &mut diags);
    diags.finish(Desired {
        app: proj.app.clone(),
        stage: stage_name,
        region,
        option,
        protect: stage.protect,
        root: root.to_path_buf(),
        resources,
        order,
        usage,
        account_created: stage
            .account_created
            .clone()
            .or_else(|| proj.account_created.clone()),
        budget_usd: stage
            .budget
            .get("monthly_usd")
            .or_else(|| proj.budget.get("monthly_usd"))
            .and_then(|n| n.to_json().as_f64()),
        outputs,
        adopted,
    })
}

/// The stage's adopted resources, of known types. One that this option does not declare with that
/// type (the other option's `api`) keeps its name all the same: it is a leftover the plan deletes.
fn adopted(
    proj: &project::Project,
    stage: &str,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Adopted> {
    let mut out = BTreeMap::new();
    for (other, entries) in &proj.adopted {
        if other != stage
            && !proj.stages.contains_key(other)
            && let Some(e) = entries.values().next()
        {
            diags.push(
                Diagnostic::new(
                    e.loc.clone(),
                    format!("`adopted` names stage `{other}`, which `stages` does not declare"),
                )
                .hint("declare the stage, or remove its entries"),
            );
        }
    }
    for (id, e) in proj.adopted.get(stage).into_iter().flatten() {
        if schema::lookup(&e.type_name).is_none() {
            diags.push(
                Diagnostic::new(
                    e.loc.clone(),
                    format!("adopted `{id}` has unknown type `{}`", e.type_name),
                )
                .hint("`fintech validate --types` lists the types"),
            );
            continue;
        }
        out.insert(
            id.clone(),
            Adopted {
                type_name: e.type_name.clone(),
                name: e.name.clone(),
            },
        );
    }
    out
}

fn unreachable_desired() -> Desired {
    Desired {
        app: String::new(),
        stage: String::new(),
        region: String::new(),
        option: String::new(),
        protect: false,
        root: PathBuf::new(),
        resources: BTreeMap::new(),
        order: Vec::new(),
        usage: BTreeMap::new(),
        account_created: None,
        budget_usd: None,
        outputs: BTreeMap::new(),
        adopted: BTreeMap::new(),
    }
}
