//! `cpi-gitops export`: a tenant into `tenant-state/` as one commit.

use super::{CliError, Context, Outcome};
use crate::config::Role;
use crate::export::{self, ExportOptions};
use crate::sync::roles::Roles;

/// Export a tenant into tenant-state/ and commit it
///
/// Reads everything the tenant's API offers (packages, artifacts with their content and
/// configuration, deployed state, security material, number ranges, Partner Directory), writes
/// it as canonical JSON with age-encrypted secrets, and commits when anything changed. A passive
/// tenant is refused: it holds back the flows that start by themselves, so its export would
/// record them as undeployed; export the active one (`cpi-gitops roles`).
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The tenant to read, as named in cpi-gitops.toml
    #[arg(long)]
    pub tenant: String,
    /// Write the work tree only; do not commit
    #[arg(long)]
    pub no_commit: bool,
    /// Commit message instead of the generated summary
    #[arg(long)]
    pub message: Option<String>,
    /// Requests in flight to the tenant, 1 to 64 (default: the configuration's, else 8)
    #[arg(long, value_name = "N", value_parser = super::values::concurrency)]
    pub concurrency: Option<usize>,
}

/// Exports the tenant and prints what changed.
pub async fn cmd_export(ctx: &Context, args: &ExportArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    config.check_tenant(&args.tenant)?;
    refuse_passive(&Roles::load(&repo, &config)?, &args.tenant)?;
    let client = ctx.client(&config, &args.tenant, args.concurrency)?;
    let options = ExportOptions {
        tenant: args.tenant.clone(),
        state_dir: config.state_dir.clone(),
        companion: crate::companion::export_call(&config, &args.tenant, &ctx.env)
            .map_err(CliError::companion_setup)?,
        commit: !args.no_commit,
        message: args.message.clone(),
        limits: config.content_limits(),
    };
    let progress = crate::report::progress::export(ctx.format, &args.tenant, ctx.quiet);
    let result = export::run(&repo, client, &options, progress.clone()).await;
    progress.finish();
    let report = result.map_err(|e| CliError::export(e, &config.state_dir))?;
    crate::report::export::print(&report, ctx.format, &config.state_dir);
    Ok(Outcome::Success)
}

/// A passive tenant holds back the flows that start by themselves: exported, they would read as
/// undeployed in git, and the next apply would undeploy them on the active twin.
fn refuse_passive(roles: &Roles, tenant: &str) -> Result<(), CliError> {
    if roles.role(tenant) != Role::Passive {
        return Ok(());
    }
    let (_, source) = roles.role_and_source(tenant);
    let active = roles.active_besides(tenant).ok();
    Err(CliError::user(format!(
        "refusing to export tenant `{tenant}`: it is passive ({}), holding back the flows that start by themselves, so its export would record them as undeployed",
        source.as_str()
    ))
    .hinted(match active {
        Some(a) => format!(
            "export the active tenant instead: `cpi-gitops export --tenant {a}` (see `cpi-gitops roles`); nothing was changed"
        ),
        None => "export the active tenant instead (see `cpi-gitops roles`); nothing was changed".into(),
    }))
}
