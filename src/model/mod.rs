//! The desired graph: the stack file with parameters resolved, every field type-checked, and references as edges.

pub mod cron;
pub mod eval;
pub mod graph;
pub mod jsonschema;
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
    "option",
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
    /// The stage's monthly budget, for the cost warning.
    pub budget_usd: Option<f64>,
    /// Declared outputs, with runtime references as text.
    pub outputs: BTreeMap<String, Value>,
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub stage: Option<String>,
    pub option: Option<String>,
    pub region: Option<String>,
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
        d = match did_you_mean(&stage_name, names.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None => d.hint(format!("declared stages: {}", names.join(", "))),
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
    let region = sel
        .region
        .clone()
        .or_else(|| stage.region.clone())
        .or_else(|| proj.region.clone())
        .unwrap_or_else(|| "us-east-1".to_string());
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
    let ctx = resolve::Ctx::new(&proj, stage, &stage_name, &region, &option, &stack);
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
        if let Some(r) = resolve::resource(&ctx, rspec, &mut diags) {
            resources.insert(name.clone(), r);
        }
    }
    let outputs = stack
        .outputs
        .iter()
        .filter_map(|(k, v)| resolve::output(&ctx, v, &mut diags).map(|v| (k.clone(), v)))
        .collect();
    let order = graph::order(&resources, &mut diags);
    let usage = proj
        .usage
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
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
        budget_usd: stage
            .budget
            .get("monthly_usd")
            .or_else(|| proj.budget.get("monthly_usd"))
            .and_then(|n| n.to_json().as_f64()),
        outputs,
    })
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
        budget_usd: None,
        outputs: BTreeMap::new(),
    }
}
