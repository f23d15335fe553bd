//! `cpi-gitops export`: a tenant into `tenant-state/` as one commit.

use super::context::{Context, git_error};
use super::{CliError, ErrorKind, Outcome};
use crate::export::{self, ExportError, ExportOptions};

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
    /// Requests in flight to the tenant (default: the configuration's, else 8)
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

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
    };
    let progress = crate::report::progress::export(ctx.format, &args.tenant, ctx.quiet);
    let result = export::run(&repo, client, &options, progress.clone()).await;
    progress.finish();
    let report = result.map_err(|e| export_error(e, &config.state_dir))?;
    crate::report::export::print(&report, ctx.format, &config.state_dir);
    Ok(Outcome::Success)
}

fn export_error(e: ExportError, state_dir: &str) -> CliError {
    match e {
        ExportError::Git(g) => git_error(g),
        ExportError::Tenant(t) => {
            let companion = t.request().is_some_and(|r| r.path.contains("cpi-gitops/security-material"));
            let hint = match (t.status(), companion) {
                (Some(401), _) => Some("check the tenant's credentials in the environment".to_string()),
                (Some(403), true) => Some(
                    "the companion endpoint refused the API user; grant it the endpoint's role, or set companion_path = \"\" for this tenant to export without it".to_string(),
                ),
                (Some(403), false) => Some("the API user needs read roles for packages, artifacts, security material and the Partner Directory".to_string()),
                _ => None,
            };
            let mut err = CliError::new(ErrorKind::Tenant, t.to_string());
            err.hint = hint;
            err.causes.push("nothing was written: the repository is as it was".into());
            err
        }
        ExportError::NoRecipients { .. } => CliError::new(ErrorKind::Config, e.to_string()).hinted(format!(
            "create {state_dir}/recipients.txt with one age public key (age1...) or SSH public key per line, commit it, and export again"
        )),
        ExportError::TenantData { .. } => CliError::new(ErrorKind::Tenant, e.to_string()).hinted("the tenant answered something cpi-gitops cannot store; nothing was written"),
        ExportError::Content(c) => {
            CliError::new(ErrorKind::Tenant, c.to_string()).hinted("fix the artifact on the tenant (its zip holds an unsafe entry name); nothing was written")
        }
        other => CliError::new(ErrorKind::Internal, other.to_string()),
    }
}
