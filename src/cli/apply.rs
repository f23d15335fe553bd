//! `cpi-gitops apply`: make a tenant equal a committed revision.

use super::context::{Context, config_error, git_error};
use super::target::{self, TargetArgs, read_error};
use super::{CliError, ErrorKind, Outcome};
use crate::config;
use crate::sync::apply::{self, ApplyError, ApplyOptions};
use crate::sync::plan;
use std::sync::Arc;

/// Apply a committed revision to a tenant
///
/// Writes security material, number ranges, Partner Directory entries, access policies,
/// packages, artifacts and their configuration, then deploys and waits until STARTED, then reads
/// the tenant again to verify. Refuses to overwrite drift unless --overwrite-drift. Exit code 0:
/// the tenant equals the revision; 2: refused because of drift, or differences remain; 1: error
/// (including a partial apply; running apply again converges).
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Delete what the tenant has and git does not
    #[arg(long)]
    pub prune: bool,
    /// Overwrite objects changed on the tenant since the last apply (and apply without a base)
    #[arg(long)]
    pub overwrite_drift: bool,
    /// Leave the runtime alone: no deploy, no undeploy
    #[arg(long)]
    pub no_deploy: bool,
    /// Refuse a prune that deletes more than this share of the tenant's objects
    #[arg(long, value_name = "SHARE", default_value_t = 0.25)]
    pub max_prune_share: f64,
    /// Reset number ranges' CurrentValue to MinValue when updating them (kept by default)
    #[arg(long)]
    pub reset_number_ranges: bool,
}

pub async fn cmd_apply(ctx: &Context, args: &ApplyArgs) -> Result<Outcome, CliError> {
    let started = std::time::Instant::now();
    let identity = config::age_identity(&ctx.env).map_err(config_error)?;
    let target = target::load(ctx, &args.target).await?;
    let plan = plan::plan(&target.desired, &target.live, target.base.as_ref());
    let (deploy_poll, deploy_timeout) = target.config.deploy_timing(&args.target.tenant);
    let options = ApplyOptions {
        prune: args.prune,
        overwrite_drift: args.overwrite_drift,
        no_deploy: args.no_deploy,
        max_prune_share: args.max_prune_share,
        reset_number_ranges: args.reset_number_ranges,
        deploy_poll,
        deploy_timeout,
    };
    let result = apply::apply(
        &target.repo,
        &target.client,
        &args.target.tenant,
        &target.config.state_dir,
        &target.desired,
        &target.live,
        target.base.as_ref(),
        &plan,
        identity.as_ref(),
        &options,
        Arc::new(crate::read::Silent),
    )
    .await;
    let mut report = match result {
        Ok(r) => r,
        Err(ApplyError::Drift { tenant, objects }) => {
            let mut err = CliError::new(ErrorKind::User, format!("refusing to apply to tenant `{tenant}`: {} changed there since the last apply, or never applied", crate::report::count(objects.len(), "object", "objects")));
            err.causes = objects.iter().take(20).cloned().collect();
            if objects.len() > 20 {
                err.causes.push(format!("and {} more", objects.len() - 20));
            }
            crate::report::error(&err.hinted(format!(
                "review with `cpi-gitops drift --tenant {tenant}`, then run apply again with --overwrite-drift; nothing was changed"
            )));
            return Ok(Outcome::Differences);
        }
        Err(e @ ApplyError::Prune { .. }) => {
            return Err(CliError::new(ErrorKind::User, e.to_string()).hinted("check that the revision is the one you mean; raise --max-prune-share to allow a larger prune; nothing was changed"))
        }
        Err(e @ ApplyError::NoIdentity { .. }) => {
            return Err(CliError::new(ErrorKind::Config, e.to_string())
                .hinted("set CPI_GITOPS_AGE_IDENTITY (the key text) or CPI_GITOPS_AGE_IDENTITY_FILE (a path) to an identity of recipients.txt; nothing was changed"))
        }
        Err(e @ ApplyError::Incomplete { .. }) => {
            return Err(CliError::new(ErrorKind::User, e.to_string()).hinted("restore the file from the commit that exported it (`git log -- FILE`), or export the primary again; nothing was written to the tenant"));
        }
        Err(e @ ApplyError::Secret { .. }) => {
            return Err(CliError::new(ErrorKind::Config, e.to_string()).hinted("nothing was written to the tenant"));
        }
        Err(ApplyError::Read(e)) => return Err(read_error(e)),
        Err(ApplyError::Git(e)) => return Err(git_error(e)),
    };
    // The whole command's time: a restore's time includes reading the target and git.
    report.seconds = started.elapsed().as_secs_f64();
    crate::report::sync::apply(&report, ctx.format);
    Ok(if report.failed() {
        Outcome::Failed
    } else if !report.remaining.is_empty() {
        Outcome::Differences
    } else {
        Outcome::Success
    })
}
