//! The command line: global flags and one subcommand per job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The version `--version` prints: the crate's, and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("FINTECH_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "fintech",
    version = VERSION,
    about = "Deploy the Fintech Tracker (or your FastAPI + Next.js app) to AWS: exact plans, idempotent deploys, cost before the bill."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Project directory (holds fintech.yaml and stacks/).
    #[arg(long, global = true, default_value = ".", env = "FINTECH_DIR")]
    pub dir: PathBuf,
    /// Stage to work on (declared under `stages:` in fintech.yaml).
    #[arg(long, short = 's', global = true, env = "FINTECH_STAGE")]
    pub stage: Option<String>,
    /// Architecture option: serverless or containers (default: the stage's, then fintech.yaml's);
    /// `cost` also takes `all`.
    #[arg(long, global = true)]
    pub option: Option<String>,
    /// AWS region (default: the stage's, then fintech.yaml's).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (an emulator such as moto or LocalStack).
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// How many resources are worked on at once. Each AWS service's calls are also held to its
    /// published request rate, whatever this is, so raising it does not get a run throttled.
    #[arg(long, global = true, default_value_t = 16)]
    pub parallelism: usize,
    /// Plain lines instead of spinners.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Only errors and the result.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// -v: errors with their whole chain of causes (the SDK's included); -vv: also every AWS
    /// request on stderr, with its service, operation, status and duration.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The result as JSON on stdout (progress and errors stay on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Colours: on a terminal only (auto, and never when NO_COLOR is set), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: Color,
    /// How long deploy and destroy wait for another run of the stage to finish (0: fail at once).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 300)]
    pub lock_timeout: u64,
    /// Never run pip: use cached Lambda dependencies only.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Write when each resource's work started and ended, and what it depends on, to FILE (JSON):
    /// where a slow run's time went.
    #[arg(long, global = true, value_name = "FILE")]
    pub timings: Option<PathBuf>,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a project: fintech.yaml, stacks/, .gitignore and a GitHub Actions workflow, and in an
    /// empty directory a minimal FastAPI backend and static site (`--option` picks the architecture).
    Init {
        /// Where (created if missing; default: --dir, the current directory).
        dir: Option<PathBuf>,
        /// The app's name, in every resource name (default: the directory's name).
        #[arg(long)]
        app: Option<String>,
    },
    /// Check fintech.yaml and the stack file; no AWS call.
    Validate {
        /// List the resource types and their fields.
        #[arg(long)]
        types: bool,
    },
    /// Show what deploy would change against live AWS.
    Plan {
        /// Exit 0 when nothing would change, 2 when something would, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Also save the plan to FILE: `fintech deploy FILE` applies exactly it, and refuses if
        /// the stack files or live AWS moved since.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// text; json (as --json); markdown: a report for a pull request (warnings, table of
        /// changes, cost per service, graph of what changes); html: the same as a page.
        #[arg(long, value_enum, default_value = "text")]
        format: PlanFormat,
    },
    /// Draw the stack's resources and the references between them, grouped by tier, the
    /// data-bearing ones marked; no AWS call.
    Graph {
        /// mermaid (renders in GitHub Markdown), dot (Graphviz) or svg (drawn by fintech).
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
    /// Converge AWS to the stack file and ship the app.
    Deploy {
        /// A plan saved by `plan --out`: apply exactly it (no question asked: it was reviewed), or
        /// refuse if the stack files or live AWS moved since.
        #[arg(value_name = "PLAN_FILE")]
        saved: Option<PathBuf>,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Allow replacing or deleting databases, caches and buckets.
        #[arg(long)]
        allow_data_loss: bool,
        /// Also wait until what AWS rolls out after answering is live (CloudFront: 3-5 minutes
        /// until every edge serves the change). Off by default: the site and API work meanwhile,
        /// served by the edges already updated.
        #[arg(long)]
        wait: bool,
    },
    /// Delete everything the stage owns, dependents first.
    Destroy {
        #[arg(long, short = 'y')]
        yes: bool,
        /// Required when the stage has a database, cache or bucket (RDS still gets a final snapshot
        /// unless the stack turns `final_snapshot` off).
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// Take over a deployment made by hand as the deployment guide has it: find the resources
    /// that are the stack's declarations, show the mapping, and with --yes tag them as the
    /// stage's and record their names in fintech.yaml. Nothing is created, changed or deleted:
    /// `fintech plan` then shows what deploy would change.
    Adopt {
        /// Where the resources came from: the deployment guide's names and steps.
        #[arg(long, value_enum, default_value = "guide")]
        from: AdoptFrom,
        /// Tag what was found and record it (without: only show the mapping).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Print the stage's outputs (URLs, endpoints; never secrets).
    Outputs,
    /// Build the artifacts (Lambda zips, site manifest) without touching AWS.
    Package,
    /// Give a generated secret (`secretsmanager.generated`, e.g. the origin token) a new value; the
    /// previous one stays valid until the next rotation. Then `deploy` rolls it out.
    Rotate {
        /// The secret's resource id in the stack.
        id: String,
    },
    /// Clear the stage's lock, left by a deploy or destroy that was killed (shows the holder first).
    Unlock {
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Print the JSON Schema of the stack files (`stack`) or of fintech.yaml (`project`), for editors.
    Schema {
        #[arg(value_parser = ["stack", "project"], default_value = "stack")]
        which: String,
    },
    /// Each resource of the stage at a glance: live or not, drift (where it differs from the stack
    /// files), its name; and the outputs.
    Status,
    /// Show the functions' and tasks' logs (CloudWatch Logs), oldest first; `--follow` keeps
    /// printing new ones.
    Logs {
        /// A `lambda.function`, `ecs.service` or `logs.log_group` of the stack (default: every
        /// function and service).
        resource: Option<String>,
        /// Keep printing new events until interrupted.
        #[arg(long, short = 'f')]
        follow: bool,
        /// From how long ago: 30s, 10m, 2h, 1d (default 10m).
        #[arg(long, default_value = "10m")]
        since: String,
        /// A CloudWatch Logs filter pattern: `ERROR`, `"timed out"`, `{ $.level = "error" }`.
        #[arg(long)]
        filter: Option<String>,
    },
    /// List the stages fintech.yaml declares: option, region, whether deployed (resources with
    /// their tags), and the last deploy or destroy; and stages deployed but no longer declared.
    Stages,
    /// Print a shell's completion script: `fintech completions bash > /etc/bash_completion.d/fintech`
    /// (zsh: into a directory of $fpath as _fintech; fish: ~/.config/fish/completions/fintech.fish;
    /// PowerShell: add it to $PROFILE).
    Completions { shell: clap_complete::Shell },
    /// Estimate the monthly bill from the stack file alone (no AWS call), per service.
    /// `--option all` compares the options side by side.
    Cost {
        /// The account's free tier. Default: chosen from `account_created` in fintech.yaml and
        /// today's date (legacy: created before 2025-07-15, in its first 12 months; credits: created
        /// since, in its 6-month free plan; none: always-free offers only).
        #[arg(long, value_enum)]
        free_tier: Option<crate::cost::FreeTier>,
        /// text; json (as --json); html: a page with a chart per service, both options side by
        /// side unless --option names one.
        #[arg(long, value_enum, default_value = "text")]
        format: CostFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AdoptFrom {
    /// ../aws-deployment-guide.md's names: fintech-tracker-db, fintech-tracker-api, ...
    Guide,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CostFormat {
    Text,
    Json,
    Html,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
