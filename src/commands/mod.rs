//! One file per subcommand; this module wires the stages together (load, connect, engine).

mod adopt;
mod cost;
mod deploy;
mod destroy;
mod graph;
mod init;
mod logs;
mod outputs;
mod package;
mod plan;
mod rotate;
mod stages;
mod status;
mod validate;

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};

use crate::apply::engine::{Engine, Snapshot};
use crate::aws::{Aws, Connect};
use crate::cli::{Cli, Command, Global};
use crate::model::{self, Desired, Selection};

/// Runs the command; the number is the process exit code.
pub async fn run(cli: Cli) -> Result<i32> {
    crate::interrupt::install();
    let g = &cli.global;
    crate::ui::color::choose(g.color);
    if g.verbose >= 2 {
        crate::aws::trace::enable();
    }
    match cli.command {
        Command::Init { dir, app } => init::run(g, dir.as_deref(), app.as_deref()),
        Command::Validate { types } => validate::run(g, types),
        Command::Plan {
            detailed_exitcode,
            out,
            format,
        } => plan::run(g, detailed_exitcode, out.as_deref(), format).await,
        Command::Graph { format } => graph::run(g, format),
        Command::Deploy {
            saved,
            yes,
            allow_data_loss,
            wait,
        } => deploy::run(g, saved.as_deref(), yes, allow_data_loss, wait).await,
        Command::Destroy {
            yes,
            allow_data_loss,
        } => destroy::run(g, yes, allow_data_loss).await,
        Command::Adopt { from: _, yes } => adopt::run(g, yes).await,
        Command::Outputs => outputs::run(g).await,
        Command::Package => package::run(g),
        Command::Rotate { id } => rotate::run(g, &id).await,
        Command::Unlock { yes } => {
            let engine = engine(g, load_stack(g)?, "unlock").await?;
            let stage = &engine.desired.stage;
            let Some(held) = crate::aws::lock::holder(&engine.aws, &engine.names).await? else {
                println!("Stage `{stage}` is not locked.");
                return Ok(0);
            };
            println!(
                "Stage `{stage}` is locked by {}.",
                crate::aws::lock::holder_text(&held)
            );
            if !confirm(
                yes,
                "Clear it? Only if that run is dead: a live one would go on unguarded",
            )? {
                println!("Nothing changed.");
                return Ok(1);
            }
            crate::aws::lock::clear(&engine.aws, &engine.names).await?;
            println!("Unlocked stage `{stage}`.");
            Ok(0)
        }
        Command::Schema { which } => {
            let schema = if which == "project" {
                model::jsonschema::project()
            } else {
                model::jsonschema::stack()
            };
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(0)
        }
        Command::Cost { free_tier, format } => cost::run(g, free_tier, format),
        Command::Stages => stages::run(g).await,
        Command::Status => status::run(g).await,
        Command::Logs {
            resource,
            follow,
            since,
            filter,
        } => logs::run(g, resource.as_deref(), follow, &since, filter.as_deref()).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "fintech",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    }
}

fn selection(g: &Global, payload: bool) -> Selection {
    Selection {
        stage: g.stage.clone(),
        option: g.option.clone(),
        region: g.region.clone(),
        payload,
    }
}

/// Loads and checks the stack: every error at once, before any AWS call. The payload's
/// directories are checked too: the command builds it.
pub fn load(g: &Global) -> Result<Desired> {
    Ok(model::load(&g.dir, &selection(g, true))?)
}

/// The output format: `--format`, or JSON under the global `--json` (which asks for JSON, so with
/// another `--format` it is an error, not a silent choice).
pub fn json_or<F: PartialEq + clap::ValueEnum>(
    g: &Global,
    format: F,
    text: F,
    json: F,
) -> Result<F> {
    if !g.json || format == json {
        return Ok(format);
    }
    if format != text {
        let name = format
            .to_possible_value()
            .map_or(String::new(), |v| v.get_name().to_string());
        bail!("--json and --format {name} ask for two formats\nhint: leave out one of them");
    }
    Ok(json)
}

/// Stage names from fintech.yaml (or `dev` when it cannot be read: the loader reports why).
pub fn stage_names(g: &Global) -> Vec<String> {
    crate::spec::read_yaml(&g.dir.join("fintech.yaml"), "fintech.yaml")
        .ok()
        .and_then(|n| {
            n.get("stages").and_then(|s| {
                s.as_map()
                    .map(|m| m.iter().map(|(k, _)| k.name.clone()).collect::<Vec<_>>())
            })
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| vec!["dev".into()])
}

/// [`load`] for a saved plan: its stage, option and region (a different one given on the command
/// line is an error, not a silent choice).
pub fn load_saved(g: &Global, saved: &crate::plan::saved::Saved) -> Result<Desired> {
    for (flag, given, was) in [
        ("--stage", &g.stage, &saved.stage),
        ("--option", &g.option, &saved.option),
        ("--region", &g.region, &saved.region),
    ] {
        if let Some(given) = given.as_ref().filter(|v| *v != was) {
            bail!(
                "{flag} {given} was given, but the saved plan is for {was}\nhint: deploy the plan without {flag}, or save a plan for {given}"
            );
        }
    }
    let sel = Selection {
        stage: Some(saved.stage.clone()),
        option: Some(saved.option.clone()),
        region: Some(saved.region.clone()),
        payload: true,
    };
    Ok(model::load(&g.dir, &sel)?)
}

/// [`load`] for a command that builds nothing (destroy, outputs, cost, unlock): the app need not
/// be there.
pub fn load_stack(g: &Global) -> Result<Desired> {
    Ok(model::load(&g.dir, &selection(g, false))?)
}

/// Connects to AWS for the stage's region and builds the engine.
pub async fn engine(g: &Global, desired: Desired, command: &'static str) -> Result<Engine> {
    let aws = Aws::connect(&Connect {
        region: desired.region.clone(),
        profile: g.profile.clone(),
        endpoint_url: g.endpoint_url.clone(),
    })
    .await?;
    // With -vv the request lines interleave: plain lines, not spinners redrawn over them.
    let mut reporter = crate::ui::progress::reporter(!g.no_progress && g.verbose < 2, g.quiet);
    if let Some(path) = &g.timings {
        reporter = std::sync::Arc::new(crate::apply::timings::Timings::new(
            reporter,
            path.clone(),
            desired.deps(),
            desired
                .resources
                .iter()
                .filter(|(_, r)| r.schema.driver.reads_early())
                .map(|(id, _)| id.clone())
                .collect(),
        ));
    }
    let mut engine = Engine::new(aws, desired, g.parallelism.max(1), reporter, g.offline);
    engine.verbose = g.verbose > 0;
    engine.lock_timeout = std::time::Duration::from_secs(g.lock_timeout);
    engine.quiet = g.quiet;
    engine.command = command;
    Ok(engine)
}

/// Asks before changing AWS, unless `--yes`; refuses to guess without a terminal.
pub fn confirm(yes: bool, question: &str) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!("{question} needs confirmation: pass --yes to run without a terminal");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    crate::interrupt::prompting(|| std::io::stdin().lock().read_line(&mut answer))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// What the user agreed to: any plan (`--yes`), and losing data (`--allow-data-loss`); or exactly
/// the plan saved (`deploy FILE`).
pub struct Consent {
    pub yes: bool,
    pub allow_data_loss: bool,
    pub saved: bool,
}

/// Runs `work` holding the stage lock, on a plan read again under the lock. When another run or a
/// hand change came in between, the new plan is shown and applied only under `--yes` (and the
/// data-loss guard again); a user who confirmed the old plan is asked to run again. The lock is
/// given back whatever happens.
pub async fn locked<T>(
    engine: &Engine,
    command: &str,
    shown: &crate::plan::Plan,
    consent: &Consent,
    work: impl AsyncFnOnce(&crate::plan::Plan, Snapshot) -> Result<T>,
) -> Result<T> {
    let lock = crate::aws::lock::acquire(
        &engine.aws,
        &engine.names,
        command,
        engine.lock_timeout,
        !engine.quiet,
    )
    .await?;
    let result = async {
        let (fresh, snap) = engine.plan().await?;
        let fresh = if command == "destroy" { engine.destroy_plan(&snap) } else { fresh };
        if crate::plan::render::json(&fresh) != crate::plan::render::json(shown) {
            if consent.saved {
                bail!("the stage changed since the plan was saved (another run, or a change by hand); nothing was changed\nhint: run `fintech plan --out FILE` again, review it, and deploy that");
            }
            if !consent.yes {
                bail!("the stage changed since the plan above was read (another run, or a change by hand); run `fintech {command}` again to see the new plan");
            }
            if !engine.quiet {
                println!("\nThe stage changed since the plan above was read (another run, or a change by hand). The plan now:");
                print!("{}", crate::plan::render::text(&fresh));
            }
            guard_data_loss(&fresh, consent.allow_data_loss)?;
        }
        let attrs = (command == "deploy")
            .then(|| crate::plan::drift::digests(&engine.desired, &snap.prepared));
        let unrecorded = command == "deploy" && unrecorded(&snap);
        let done = work(&fresh, snap).await;
        if matches!(command, "deploy" | "destroy") && (fresh.has_changes() || unrecorded) {
            // A run that failed part-way deployed some of it: no digests then (what it did
            // would be taken for drift, or what it did not for deployed), until the next success.
            let mut what = serde_json::json!({"command": command, "option": engine.desired.option, "summary": fresh.summary(), "failed": done.is_err()});
            if let (Some(attrs), true) = (attrs, done.is_ok()) {
                what["attrs"] = attrs;
            }
            let recorded = crate::aws::lock::record_deploy(&engine.aws, &lock, &engine.names, what).await;
            if done.is_ok() {
                recorded?;
            }
        }
        done
    }
    .await;
    let released = crate::aws::lock::release(&engine.aws, lock).await;
    match (result, released) {
        (Ok(v), Ok(())) => Ok(v),
        (Err(e), Ok(())) | (Ok(_), Err(e)) => Err(e),
        (Err(e), Err(r)) => Err(anyhow::anyhow!(
            "{}\nand the stage lock could not be released ({}): clear it with `fintech unlock --stage {}`",
            crate::aws::error::describe(&e, engine.verbose),
            crate::aws::error::describe(&r, false),
            engine.desired.stage
        )),
    }
}

/// Whether the stage lacks a successful deploy record. A deploy that changes nothing writes none,
/// except then: a run killed after its last change but before its record leaves the next one
/// (changing nothing) to write it, else drift detection and `stages` would lack it for good.
pub fn unrecorded(snap: &crate::apply::engine::Snapshot) -> bool {
    snap.last_deploy
        .as_ref()
        .is_none_or(|r| r["failed"] != serde_json::Value::Bool(false))
}

/// Refuses a plan that would destroy data, naming what and how to allow it.
pub fn guard_data_loss(plan: &crate::plan::Plan, allow: bool) -> Result<()> {
    let lost = plan.data_loss();
    if lost.is_empty() || allow {
        return Ok(());
    }
    let names: Vec<String> = lost
        .iter()
        .map(|s| format!("{} ({})", s.id, s.type_name))
        .collect();
    bail!(
        "refusing to replace or delete data-bearing resources: {}\nthis would destroy their data; re-run with --allow-data-loss if that is what you want (RDS takes a final snapshot first)",
        names.join(", ")
    )
}
