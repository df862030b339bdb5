//! `fintech validate`: checks fintech.yaml and every option's stack file for every stage, without AWS.

use anyhow::Result;

use crate::cli::Global;
use crate::model::schema::{Req, Ty, types};
use crate::model::{self, OPTIONS, Selection};

pub fn run(g: &Global, types: bool) -> Result<i32> {
    if types {
        print_types();
        return Ok(0);
    }
    // The selected stage and option, or every declared stage with every option that has a stack file.
    let options: Vec<String> = match &g.option {
        Some(o) => vec![o.clone()],
        None => OPTIONS
            .iter()
            .filter(|o| g.dir.join("stacks").join(format!("{o}.yaml")).is_file())
            .map(|o| o.to_string())
            .collect(),
    };
    let stages = match &g.stage {
        Some(s) => vec![s.clone()],
        None => super::stage_names(g),
    };
    let mut errors: Vec<String> = Vec::new();
    let mut ok = Vec::new();
    // Each stage also with no option given: the one `deploy` would use (the stage's, then
    // `default_option`), whose stack file must exist.
    let picks = options
        .iter()
        .map(|o| Some(o.clone()))
        .chain(g.option.is_none().then_some(None));
    for option in picks {
        for stage in &stages {
            let sel = Selection {
                stage: Some(stage.clone()),
                option: option.clone(),
                region: g.region.clone(),
                payload: true,
            };
            match model::load(&g.dir, &sel) {
                Ok(_) if option.is_none() => {}
                Ok(d) => ok.push((d.option.clone(), stage.clone(), d.resources.len())),
                Err(diags) => {
                    for d in diags.0 {
                        let text = d.to_string();
                        if !errors.contains(&text) {
                            errors.push(text);
                        }
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        anyhow::bail!(
            "{}\n{} error{} in the stack; nothing was sent to AWS",
            errors.join("\n"),
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
    }
    if options.is_empty() {
        // No stack file at all: let the loader say so, with its location and hint.
        crate::commands::load(g)?;
    }
    if g.json {
        let stacks: Vec<_> = ok
            .iter()
            .map(|(o, s, n)| serde_json::json!({ "option": o, "stage": s, "resources": n }))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "valid": true, "stacks": stacks }))?
        );
    } else if !g.quiet {
        let shown: Vec<String> = ok
            .iter()
            .map(|(o, s, n)| format!("{o}/{s}: {n} resources"))
            .collect();
        println!("valid: {}", shown.join(", "));
    }
    Ok(0)
}

fn print_types() {
    for t in types() {
        println!("{}  — {}", t.name, t.doc);
        for f in t.fields {
            let req = match f.req {
                Req::Required => "required".to_string(),
                Req::Default(d) => format!("default {d}"),
                Req::Optional => "optional (omit: none)".to_string(),
            };
            println!(
                "    {:<24} {:<12} {req:<24} {}",
                f.name,
                ty_name(&f.ty),
                f.doc
            );
        }
        if !t.outputs.is_empty() {
            println!("    outputs: {}", t.outputs.join(", "));
        }
    }
}

fn ty_name(t: &Ty) -> &'static str {
    match t {
        Ty::Str => "string",
        Ty::Int { .. } => "integer",
        Ty::Num => "number",
        Ty::Bool => "bool",
        Ty::Enum(_) | Ty::OneOf(..) => "enum",
        Ty::Cron => "schedule",
        Ty::Image => "image",
        Ty::List(_) => "list",
        Ty::Map(_) => "map",
        Ty::Obj(_) => "mapping",
    }
}
