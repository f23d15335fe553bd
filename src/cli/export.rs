//! `cpi-gitops export`: a tenant into `tenant-state/` as one commit.

use super::{CliError, Context, Outcome};
use crate::export::{self, ExportOptions};

/// Export a tenant into tenant-state/ and commit it
///
/// Reads everything the tenant's API offers (packages, artifacts with their content and
/// configuration, deployed state, security material, number ranges, Partner Directory), writes
/// it as canonical JSON with age-encrypted secrets, and commits when anything changed.
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
    let client = ctx.client(&config, &args.tenant, args.concurrency)?;
    let options = ExportOptions {
        tenant: args.tenant.clone(),
        state_dir: config.state_dir.clone(),
        companion_path: config.companion_path(&args.tenant),
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
