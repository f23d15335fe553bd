//! `cpi-gitops companion install`: the companion package on a tenant.

use super::{CliError, Context, ErrorKind, Outcome};
use crate::companion::install::{self, InstallError, InstallOptions};
use crate::companion::{Settings, releases};
use crate::sync::apply::deploy::Timing;

/// Manage the companion package (secrets export and health probe flows) on a tenant
#[derive(Debug, clap::Subcommand)]
pub enum CompanionCommand {
    /// Install or update the companion on a tenant, configure, deploy and start it
    Install(InstallArgs),
}

/// Install or update the companion on a tenant, configure, deploy and start it
///
/// Creates or updates the package CPIGitOps and its flows CPIGitOps_SecurityMaterial and
/// CPIGitOps_Ping, sets their addresses and roles, deploys them and waits until they are STARTED,
/// then prints their URLs and the roles to assign. Run again, it changes nothing. An older
/// unmodified companion is updated; a package with other content is refused unless --force.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The tenant, as named in cpi-gitops.toml
    #[arg(long)]
    pub tenant: String,
    /// The security-material flow's address below /http (default: [tenants.NAME.companion]
    /// address, else /cpi-gitops/security-material)
    #[arg(long, value_name = "PATH")]
    pub address: Option<String>,
    /// The role its callers need (default: the config's role, else CPIGitOps.SecurityMaterial)
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// The ping flow's address below /http (default: the config's ping_address, else
    /// /cpi-gitops/ping)
    #[arg(long, value_name = "PATH")]
    pub ping_address: Option<String>,
    /// The role the ping's callers need (default: the config's ping_role, else CPIGitOps.Ping)
    #[arg(long, value_name = "ROLE")]
    pub ping_role: Option<String>,
    /// Replace a package CPIGitOps that holds other content (edited flows, other artifacts)
    #[arg(long)]
    pub force: bool,
}

/// Runs a companion command.
pub async fn cmd_companion(ctx: &Context, command: &CompanionCommand) -> Result<Outcome, CliError> {
    match command {
        CompanionCommand::Install(args) => cmd_install(ctx, args).await,
    }
}

async fn cmd_install(ctx: &Context, args: &InstallArgs) -> Result<Outcome, CliError> {
    let config = ctx.config_anywhere()?;
    let section = config.companion_section(&args.tenant);
    let defaults = Settings::default();
    let settings = Settings {
        address: args
            .address
            .clone()
            .or(section.address)
            .unwrap_or(defaults.address),
        role: args.role.clone().or(section.role).unwrap_or(defaults.role),
        ping_address: args
            .ping_address
            .clone()
            .or(section.ping_address)
            .unwrap_or(defaults.ping_address),
        ping_role: args
            .ping_role
            .clone()
            .or(section.ping_role)
            .unwrap_or(defaults.ping_role),
    };
    settings.check().map_err(|e| {
        CliError::user(format!(
            "companion settings of tenant `{}`: {e}",
            args.tenant
        ))
        .hinted("fix the flag or [tenants.NAME.companion] in cpi-gitops.toml; nothing was changed")
    })?;
    let client = ctx.client(&config, &args.tenant, None)?;
    let runtime_url = config.runtime_client(&args.tenant, &ctx.env)?.runtime_url;
    let (poll, timeout) = config.deploy_timing(&args.tenant);
    let options = InstallOptions {
        tenant: args.tenant.clone(),
        settings,
        force: args.force,
        timing: Timing { poll, timeout },
        runtime_url,
        releases: releases::RELEASES,
    };
    let report = install::install(&client, &options)
        .await
        .map_err(|e| install_error(e, &args.tenant))?;
    crate::report::companion::install(&report, ctx.format);
    Ok(Outcome::Success)
}

fn install_error(e: InstallError, tenant: &str) -> CliError {
    match e {
        InstallError::Modified { differences, .. } => {
            let mut err = CliError::new(
                ErrorKind::User,
                format!(
                    "refusing to install the companion on tenant `{tenant}`: its package CPIGitOps is not an unmodified companion"
                ),
            );
            err.causes = differences;
            err.hinted(format!(
                "nothing was changed; to replace the package with this companion anyway, run `cpi-gitops companion install --tenant {tenant} --force` (export the tenant first if the changes matter)"
            ))
        }
        InstallError::Elsewhere { ref flow, .. } => {
            let hint = format!(
                "delete {flow} from its package on the tenant (or rename it there), then install again; nothing was changed"
            );
            CliError::from_error(ErrorKind::User, &e).hinted(hint)
        }
        InstallError::Tenant(ref t) => {
            let hint = match t.status() {
                Some(401) => "check the tenant's API credentials in the environment",
                Some(403) => {
                    "the API user needs the roles to edit and deploy integration content (WorkspacePackagesEdit, WorkspaceArtifactsDeploy, or the AuthGroup.IntegrationDeveloper collection)"
                }
                _ => "run install again: it continues where it stopped",
            };
            CliError::from_error(ErrorKind::Tenant, &e).hinted(hint)
        }
        InstallError::Write { .. } => CliError::from_error(ErrorKind::Tenant, &e).hinted(
            "fix the cause on the tenant and run install again: it continues where it stopped",
        ),
        InstallError::Unreadable { .. } => CliError::from_error(ErrorKind::Tenant, &e)
            .hinted("run install with --force to replace the flow's content"),
        InstallError::Source(_) | InstallError::Zip(_) => {
            CliError::from_error(ErrorKind::Internal, &e)
        }
    }
}
