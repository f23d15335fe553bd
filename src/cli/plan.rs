//! `cpi-gitops plan`: what apply would change on a tenant.

use super::target::{self, TargetArgs};
use super::{CliError, Context, Outcome};
use crate::sync::{plan, review};

/// Show what apply would change on a tenant
///
/// Compares the committed revision (never the work tree) with the tenant and with what the last
/// apply left there. On a passive tenant, the flows that start by themselves are held back (not
/// deployed) and listed; on every tenant, the flows that start both by themselves and by callers
/// are listed (a passive twin holds them back whole). Exit code 0: nothing would change; 2:
/// something would; 1: error.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Plan as `apply --prune` would run: deleting what the tenant has and git does not counts as
    /// a change (without it, such objects are listed but do not make the exit code 2)
    #[arg(long)]
    pub prune: bool,
}

/// Plans the revision against the target and prints the plan.
pub async fn cmd_plan(ctx: &Context, args: &PlanArgs) -> Result<Outcome, CliError> {
    let loaded = target::load(ctx, &args.target).await?;
    let target = &loaded.target;
    let plan = plan::plan(&target.desired, &target.live, target.base.as_ref());
    let mut review = review::review(target, &plan, args.prune)?;
    review.roles = crate::sync::roles::summary(&loaded.roles);
    review.mixed = crate::sync::passive::mixed(target)?;
    crate::report::plan::plan(&review, ctx.format);
    Ok(Outcome::differences_if(review.has_changes()))
}
