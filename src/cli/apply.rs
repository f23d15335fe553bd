//! `cpi-gitops apply`: make a tenant equal a committed revision.

use super::target::{self, TargetArgs};
use super::{CliError, Context, Outcome};
use crate::config::{self, Role};
use crate::sync::apply::{self, ApplyOptions};
use crate::sync::passive;
use crate::sync::plan;

/// Apply a committed revision to a tenant
///
/// Writes security material, number ranges, Partner Directory entries, access policies,
/// packages, artifacts and their configuration, then deploys and waits until STARTED, then reads
/// the tenant again to verify. Refuses to overwrite drift unless --overwrite-drift. Exit code 0:
/// the tenant equals the revision; 2: refused because of drift, or differences remain; 1: error
/// (including a partial apply; running apply again converges). On a passive tenant the flows that
/// start by themselves are held back (not deployed; undeployed if they run), after a check that
/// they run on the active twin.
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
    /// Refuse a prune that deletes more than this share of the tenant's objects (0 to 1, or a percentage)
    #[arg(long, value_name = "SHARE", default_value = "0.25", value_parser = super::values::share)]
    pub max_prune_share: f64,
    /// Reset number ranges' CurrentValue to MinValue when updating them (kept by default)
    #[arg(long)]
    pub reset_number_ranges: bool,
    /// On a passive tenant, check first that the flows it holds back run on the active twin
    /// (refuse when the roles contradict where they run); `off` skips the check
    #[arg(long, value_enum, value_name = "on|off", default_value_t = RoleCheck::On)]
    pub role_check: RoleCheck,
}

/// `--role-check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[allow(missing_docs)]
pub enum RoleCheck {
    On,
    Off,
}

/// Applies the revision to the target and prints what was done.
pub async fn cmd_apply(ctx: &Context, args: &ApplyArgs) -> Result<Outcome, CliError> {
    let started = std::time::Instant::now();
    let identity = config::age_identity(&ctx.env)?;
    let loaded = target::load(ctx, &args.target).await?;
    let (target, config) = (&loaded.target, &loaded.config);
    if target.role == Role::Passive && args.role_check == RoleCheck::On {
        let active = loaded.roles.active_besides(&target.tenant)?;
        let client = ctx.client(config, &active, None).map_err(|e| {
            e.hinted(format!(
                "the role check reads the active twin `{active}`: give its credentials, or pass --role-check off"
            ))
        })?;
        passive::check_roles(target, &active, &client).await?;
    }
    let plan = plan::plan(&target.desired, &target.live, target.base.as_ref());
    let (deploy_poll, deploy_timeout) = config.deploy_timing(&args.target.tenant);
    let options = ApplyOptions {
        prune: args.prune,
        overwrite_drift: args.overwrite_drift,
        no_deploy: args.no_deploy,
        max_prune_share: args.max_prune_share,
        reset_number_ranges: args.reset_number_ranges,
        deploy_poll,
        deploy_timeout,
    };
    let mut report = apply::apply(target, &plan, identity.as_ref(), &options).await?;
    // The whole command's time: a restore's time includes reading the target and git.
    report.seconds = started.elapsed().as_secs_f64();
    crate::report::apply::apply(&report, ctx.format);
    Ok(if report.failed() {
        Outcome::Failed
    } else {
        Outcome::differences_if(!report.remaining.is_empty())
    })
}
