//! The command line: one `clap` enum, one dispatching `match`, and one place that maps outcomes
//! and errors to exit codes ([`Outcome`], [`CliError::outcome`]; errors get their hints in
//! `error.rs`). Each command is a thin file that adapts flags and calls the library; none builds
//! a request, opens a file or prints (that is `report`'s job).
//!
//! | file | command |
//! |---|---|
//! | `export.rs` | `export` |
//! | `plan.rs`, `drift.rs`, `apply.rs` | `plan`, `drift`, `apply` (their shared flags: `target.rs`) |
//! | `failover.rs` | `failover`, `roles` |
//! | `secret/` | `secret set`, `secret rekey` |
//! | `companion.rs`, `probe.rs` | `companion install`, `probe` |
//! | `emulator.rs`, `demo.rs` | `emulator`, `demo` |
//! | `init.rs` | `init` |

mod apply;
mod companion;
mod context;
mod demo;
mod drift;
mod emulator;
mod error;
mod export;
mod failover;
mod init;
mod plan;
mod probe;
mod secret;
mod target;
mod values;

pub use context::{Context, Format, FormatArg};
pub use error::{CliError, ErrorKind};

use crate::interrupt::{failpoint, signals};
use clap::{Parser, Subcommand};

/// Keep SAP Cloud Integration tenants in git
#[derive(Debug, Parser)]
#[command(name = "cpi-gitops", version, about, long_about = None)]
pub struct Cli {
    /// Log more (repeat for more detail)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Configuration file (default: cpi-gitops.toml at the repository root)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// The git repository holding the state (default: the current directory)
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub repo: std::path::PathBuf,
    /// Output format of results
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    #[command(subcommand)]
    /// The command to run.
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an emulated SAP Cloud Integration tenant
    Emulator(Box<emulator::EmulatorArgs>),
    /// Show the whole loop on emulated tenants
    Demo(demo::DemoArgs),
    /// Export a tenant into tenant-state/ and commit it
    Export(export::ExportArgs),
    /// Show what apply would change on a tenant
    Plan(plan::PlanArgs),
    /// Apply a committed revision to a tenant
    Apply(apply::ApplyArgs),
    /// Check that a tenant equals the committed state
    Drift(drift::DriftArgs),
    /// Make a passive tenant active: fence the old active, start the held-back flows
    Failover(failover::FailoverArgs),
    /// Print the roles of the tenants (active, passive)
    Roles(failover::RolesArgs),
    /// Manage the age-encrypted secrets in tenant-state/
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Manage the companion package (secrets export and health probe flows) on a tenant
    #[command(subcommand)]
    Companion(companion::CompanionCommand),
    /// Check a tenant's runtime as a traffic manager's health probe does
    Probe(probe::ProbeArgs),
    /// Scaffold a team's state repository: configuration, age key, workflows
    Init(init::InitArgs),
}

impl Command {
    /// The command's name, as JSON documents say it (`"command"`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Emulator(_) => "emulator",
            Command::Demo(_) => "demo",
            Command::Export(_) => "export",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Drift(_) => "drift",
            Command::Failover(_) => "failover",
            Command::Roles(_) => "roles",
            Command::Secret(secret::SecretCommand::Set(_)) => "secret set",
            Command::Secret(secret::SecretCommand::Rekey) => "secret rekey",
            Command::Companion(companion::CompanionCommand::Install(_)) => "companion install",
            Command::Probe(_) => "probe",
            Command::Init(_) => "init",
        }
    }
}

/// What a successful command found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Success; in sync; nothing to do.
    Success,
    /// Differences found (plan has changes, drift, apply refused or left differences).
    Differences,
    /// An error was reported.
    Failed,
    /// Stopped by a signal, after finishing or rolling back what was in progress.
    Stopped(crate::interrupt::Signal),
}

impl Outcome {
    /// `Differences` when `differs`, else `Success`.
    pub fn differences_if(differs: bool) -> Outcome {
        if differs {
            Outcome::Differences
        } else {
            Outcome::Success
        }
    }

    /// The process exit code: 0, 2 or 1, like `terraform plan -detailed-exitcode`; 130 or 143
    /// when stopped by SIGINT or SIGTERM.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Differences => 2,
            Outcome::Failed => 1,
            Outcome::Stopped(signal) => signal.exit_code(),
        }
    }
}

/// Parses the arguments, runs the command, reports errors; the binary's whole body.
pub fn main() -> Outcome {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout (exit 0); a usage error is an error like any other
            // (exit 1, never clap's 2, which means "differences").
            let _ = e.print();
            return if e.use_stderr() {
                Outcome::Failed
            } else {
                Outcome::Success
            };
        }
    };
    init_logging(cli.verbose, cli.quiet);
    let (format, name) = (Format::from(cli.format), cli.command.name());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return settle_as(
                format,
                name,
                Err(CliError::internal(format!(
                    "cannot start the async runtime: {e}"
                ))),
            );
        }
    };
    let context = Context {
        config_path: cli.config,
        repo_dir: cli.repo,
        format,
        env: crate::config::Env::from_process(),
        quiet: cli.quiet,
    };
    if let Some(name) = context.env.get(failpoint::VARIABLE) {
        failpoint::arm(name);
    }
    runtime.block_on(run_until_stopped(&context, format, name, cli.command))
}

/// Runs one command with SIGINT and SIGTERM caught (design.md section 6: exit 130 or 143 after
/// finishing or rolling back). Export and apply decide themselves what to finish and what to roll
/// back; any other command stops at once and says what that leaves ([`stop_leaves`]). The emulator keeps its own
/// handling (Ctrl-C stops it; SIGTERM ends it as before).
async fn run_until_stopped(ctx: &Context, format: Format, name: &str, command: Command) -> Outcome {
    match &command {
        Command::Emulator(_) => return settle_as(format, name, run(ctx, command).await),
        Command::Export(_) | Command::Apply(_) => {
            signals::install();
            return settle_as(format, name, run(ctx, command).await);
        }
        _ => signals::install(),
    }
    let left = stop_leaves(&command);
    tokio::select! {
        result = run(ctx, command) => settle_as(format, name, result),
        signal = signals::wait() => {
            if format == Format::Json {
                settle_as(
                    format,
                    name,
                    Err(CliError::new(
                        ErrorKind::Stopped(signal),
                        format!("stopped by {signal}"),
                    )
                    .hinted(left)),
                )
            } else {
                crate::report::stopped(signal, left);
                Outcome::Stopped(signal)
            }
        }
    }
}

/// What a command stopped at once by a signal leaves, in words.
fn stop_leaves(command: &Command) -> &'static str {
    match command {
        Command::Failover(_) => {
            "the failover was cut short between its steps: run the same failover command again to finish it"
        }
        Command::Companion(_) => "the install was cut short: run it again",
        Command::Secret(_) => {
            "some secret files may be written already (each one whole): run the command again"
        }
        Command::Demo(_) => "the demo was cut short",
        _ => "nothing was written",
    }
}

/// A command's outcome; an error is reported (as text on stderr), and its kind decides the
/// outcome.
pub(crate) fn settle(result: Result<Outcome, CliError>) -> Outcome {
    settle_as(Format::Text, "", result)
}

/// A command's outcome; an error is reported as `format` says (under `--format json` as the
/// command's one JSON document, on stdout), and its kind decides the outcome.
pub(crate) fn settle_as(
    format: Format,
    command: &str,
    result: Result<Outcome, CliError>,
) -> Outcome {
    match result {
        Ok(outcome) => outcome,
        Err(e) if format == Format::Json => {
            crate::report::out(&crate::report::json::error(
                command,
                &crate::report::json::ErrorView {
                    kind: e.kind.as_str(),
                    message: &e.message,
                    causes: &e.causes,
                    hint: e.hint.as_deref(),
                },
            ));
            e.outcome()
        }
        Err(e) => {
            crate::report::error(&e);
            e.outcome()
        }
    }
}

/// Runs one command.
pub async fn run(ctx: &Context, command: Command) -> Result<Outcome, CliError> {
    match command {
        Command::Emulator(args) => emulator::cmd_emulator(ctx, &args).await,
        Command::Demo(args) => demo::cmd_demo(ctx, &args).await,
        Command::Export(args) => export::cmd_export(ctx, &args).await,
        Command::Plan(args) => plan::cmd_plan(ctx, &args).await,
        Command::Apply(args) => apply::cmd_apply(ctx, &args).await,
        Command::Drift(args) => drift::cmd_drift(ctx, &args).await,
        Command::Failover(args) => failover::cmd_failover(ctx, &args).await,
        Command::Roles(args) => failover::cmd_roles(ctx, &args).await,
        Command::Secret(command) => secret::cmd_secret(ctx, &command).await,
        Command::Companion(command) => companion::cmd_companion(ctx, &command).await,
        Command::Probe(args) => probe::cmd_probe(ctx, &args).await,
        Command::Init(args) => init::cmd_init(ctx, &args),
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CPI_GITOPS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("cpi_gitops={level}")));
    // Every log line goes through redaction: a secret known to the run never reaches the log.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::redact::RedactingStderr::new)
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_tree_is_valid() {
        Cli::command().debug_assert();
    }
}
