//! `cpi-gitops drift`: whether a tenant equals the committed state.

use super::target::{self, TargetArgs};
use super::{CliError, Context, Outcome};
use crate::sync::{plan, review};

/// Check that a tenant equals the committed state
///
/// Exit code 0: the tenant equals the revision; 2: it differs (each difference says whether it
/// changed on the tenant since the last apply, was never applied, or is pending in git); 1: error.
/// Secrets are judged by their metadata (their change markers), since their values cannot be read.
/// On a passive tenant, a flow that starts by itself and runs there is drift (the
/// double-processing risk); held back and not deployed, it is in sync.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Compares the revision with the target (every difference counts) and prints the report.
pub async fn cmd_drift(ctx: &Context, args: &DriftArgs) -> Result<Outcome, CliError> {
    let loaded = target::load(ctx, &args.target).await?;
    let target = &loaded.target;
    let plan = plan::plan(&target.desired, &target.live, target.base.as_ref());
    let mut review = review::review(target, &plan, true)?;
    review.roles = crate::sync::roles::summary(&loaded.roles);
    crate::report::plan::drift(&review, ctx.format);
    Ok(Outcome::differences_if(review.has_changes()))
}
