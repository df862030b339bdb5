//! One file per subcommand; this module wires the stages together (load, connect, engine).

mod cost;
mod deploy;
mod destroy;
mod outputs;
mod package;
mod plan;
mod validate;

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};

use crate::apply::engine::{Engine, Snapshot};
use crate::aws::{Aws, Connect};
use crate::cli::{Cli, Command, Global};
use crate::model::{self, Desired, Selection};

/// Runs the command; the number is the process exit code.
pub async fn run(cli: Cli) -> Result<i32> {
    let g = &cli.global;
    match cli.command {
        Command::Validate { types } => validate::run(g, types),
        Command::Plan {
            json,
            detailed_exitcode,
        } => plan::run(g, json, detailed_exitcode).await,
        Command::Deploy {
            yes,
            allow_data_loss,
        } => deploy::run(g, yes, allow_data_loss).await,
        Command::Destroy {
            yes,
            allow_data_loss,
        } => destroy::run(g, yes, allow_data_loss).await,
        Command::Outputs { json } => outputs::run(g, json).await,
        Command::Package => package::run(g),
        Command::Unlock => {
            let engine = engine(g, load(g)?, "unlock").await?;
            match crate::aws::lock::unlock(&engine.aws, &engine.names).await? {
                Some(held) => println!(
                    "Unlocked stage `{}` (it was held by {held}).",
                    engine.desired.stage
                ),
                None => println!("Stage `{}` was not locked.", engine.desired.stage),
            }
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
        Command::Cost { json, free_tier } => cost::run(g, g.option.as_deref(), json, free_tier),
    }
}

fn selection(g: &Global) -> Selection {
    Selection {
        stage: g.stage.clone(),
        option: g.option.clone(),
        region: g.region.clone(),
    }
}

/// Loads and checks the stack: every error at once, before any AWS call.
pub fn load(g: &Global) -> Result<Desired> {
    Ok(model::load(&g.dir, &selection(g))?)
}

/// Connects to AWS for the stage's region and builds the engine.
pub async fn engine(g: &Global, desired: Desired, command: &'static str) -> Result<Engine> {
    let aws = Aws::connect(&Connect {
        region: desired.region.clone(),
        profile: g.profile.clone(),
        endpoint_url: g.endpoint_url.clone(),
    })
    .await?;
    let reporter = crate::ui::progress::reporter(!g.no_progress, g.quiet);
    let mut engine = Engine::new(aws, desired, g.parallelism.max(1), reporter, g.offline);
    engine.verbose = g.verbose;
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
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Runs `work` holding the stage lock, on a plan read again under the lock, which must be the one
/// the user saw (else another run or a hand change came in between). The lock is given back
/// whatever happens.
pub async fn locked<T>(
    engine: &Engine,
    command: &str,
    shown: &crate::plan::Plan,
    work: impl AsyncFnOnce(&crate::plan::Plan, Snapshot) -> Result<T>,
) -> Result<T> {
    let lock = crate::aws::lock::acquire(&engine.aws, &engine.names, command).await?;
    let result = async {
        let (fresh, snap) = engine.plan().await?;
        let fresh = if command == "destroy" { engine.destroy_plan(&snap) } else { fresh };
        if crate::plan::render::json(&fresh) != crate::plan::render::json(shown) {
            bail!("the stage changed since the plan above was read (another run, or a change by hand); run `fintech {command}` again to see the new plan");
        }
        work(&fresh, snap).await
    }
    .await;
    let released = crate::aws::lock::release(&engine.aws, lock).await;
    let value = result?;
    released?;
    Ok(value)
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
