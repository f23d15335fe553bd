//! `cpi-gitops init [DIR]`: a team's state repository, and what to do next.

use super::error::ErrorKind;
use super::{CliError, Context, Outcome};
use crate::init::{self, ActionPin, FileAction, InitError, InitOptions, InitReport};
use crate::report::{Format, line};
use std::path::PathBuf;

/// Scaffold a team's state repository: configuration, age key, workflows
///
/// Writes cpi-gitops.toml (an active tenant and passive ones, with placeholders), a fresh age
/// recipient in tenant-state/recipients.txt (its identity goes to
/// $XDG_CONFIG_HOME/cpi-gitops/<repository>.key, never into the repository),
/// tenant-state/.gitattributes, the workflows (export, plan-request, plan, apply, drift,
/// failover) pinned to this binary's release, and a README.md for the team; runs `git init`
/// when DIR is not a repository. Run again, it changes nothing that is current; a file it did
/// not write, or that differs from what it writes, fails the run (exit 1, nothing written)
/// unless --force.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The repository's root (created when missing)
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// The tenants, the active one first, then the passive ones
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        default_value = "primary,secondary"
    )]
    pub tenants: Vec<String>,
    /// Replace files that differ from what init writes (a valid recipients.txt is kept)
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_init(ctx: &Context, args: &InitArgs) -> Result<Outcome, CliError> {
    let key_dir = crate::config::user_config_dir(&ctx.env).ok_or_else(|| {
        CliError::new(
            ErrorKind::Config,
            "no folder for the age identity: neither XDG_CONFIG_HOME nor HOME is set",
        )
        .hinted("set XDG_CONFIG_HOME to a folder outside the repository")
    })?;
    let (repository, sha) = crate::config::action_override(&ctx.env);
    let options = InitOptions {
        dir: args.dir.clone(),
        tenants: args.tenants.iter().map(|t| t.trim().to_string()).collect(),
        force: args.force,
        pin: ActionPin::current(repository, sha),
        key_dir,
    };
    let report = init::run(&options).map_err(|e| {
        let mut err = CliError::from_error(ErrorKind::User, &e);
        if let Some(hint) = e.hint() {
            err = err.hinted(hint);
        }
        if matches!(
            e,
            InitError::Write(_) | InitError::Git(_) | InitError::Read { .. }
        ) {
            err.kind = ErrorKind::Internal;
        }
        err
    })?;
    match ctx.format {
        Format::Json => crate::report::out(&crate::report::json::render("init", &report)),
        _ => print(&report),
    }
    Ok(Outcome::Success)
}

fn print(report: &InitReport) {
    if report.git_initialized {
        line(&format!("git init {}", report.dir.display()));
    }
    for file in &report.files {
        let what = match file.action {
            FileAction::Created => "created",
            FileAction::Unchanged => "unchanged",
            FileAction::Kept => "kept",
            FileAction::Overwritten => "overwritten",
        };
        line(&format!("{what:>11}  {}", file.path));
    }
    if !report.changed() {
        line("\nNothing to do: the repository is as init writes it.");
        return;
    }
    if !report.pinned {
        line(&format!(
            "\nwarning: this binary was not built by the release workflow: the workflows use the tag ({}), not a commit. Set CPI_GITOPS_ACTION_SHA to the release's commit and run init again with --force.",
            report.uses
        ));
    }
    if let Some(key) = &report.identity_file {
        line(&format!(
            "\nThe age identity that decrypts the secrets is in {} (mode 0600, outside the repository); keep a copy somewhere safe. Store it in each write environment:",
            key.display()
        ));
        let quoted = shell_quote(&key.display().to_string());
        for t in std::iter::once(&report.active).chain(&report.passive) {
            line(&format!(
                "  gh secret set CPI_GITOPS_AGE_IDENTITY --env {t} < {quoted}"
            ));
        }
    }
    line(
        "\nNext: fill in the tenants' hosts in cpi-gitops.toml, then follow README.md (environments, branch protection, the first apply), and commit.",
    );
}

/// `text` as one shell word.
fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
