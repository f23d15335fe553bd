//! `cpi-gitops plan` and `cpi-gitops drift`: compare a committed revision with a target tenant.

use super::context::{Context, git_error};
use super::target::{self, Target, TargetArgs};
use super::{CliError, Outcome};
use crate::report::sync::{StepView, SyncView};
use crate::store::layout::{Role, locate};
use crate::sync::diff;
use crate::sync::plan::{self, Action, Plan};

/// Show what apply would change on a tenant
///
/// Compares the committed revision (never the work tree) with the tenant and with what the last
/// apply left there. Exit code 0: nothing would change; 2: something would; 1: error.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Plan as `apply --prune` would run: deleting what the tenant has and git does not counts as
    /// a change (without it, such objects are listed but do not make the exit code 2)
    #[arg(long)]
    pub prune: bool,
}

/// Check that a tenant equals the committed state
///
/// Exit code 0: the tenant equals the revision; 2: it differs (each difference says whether it
/// changed on the tenant since the last apply, was never applied, or is pending in git); 1: error.
/// Secrets are judged by their metadata (their change markers), since their values cannot be read.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

/// The plan of `target` with details of every changed object. `prune`: whether deletes count
/// as changes (apply carries them out only with `--prune`; for drift every difference counts).
pub fn view(target: &Target, plan: &Plan, prune: bool) -> Result<SyncView, CliError> {
    let mut steps = Vec::new();
    for step in plan.changes() {
        let (details, content_files) = match step.action {
            Action::Update => (
                Some(
                    diff::details(&target.repo, step.live.as_ref(), step.desired.as_ref())
                        .map_err(git_error)?,
                ),
                None,
            ),
            Action::Create => {
                let n = step.desired.as_ref().map_or(0, |d| {
                    d.files
                        .keys()
                        .filter(|p| matches!(locate(p).map(|l| l.role), Some(Role::Content(_))))
                        .count()
                });
                (None, (n > 0).then_some(n))
            }
            _ => (None, None),
        };
        steps.push(StepView {
            step: step.clone(),
            details,
            content_files,
            recreate: step.id.kind == crate::model::Kind::ValueMapping
                && step.action == Action::Update,
        });
    }
    Ok(SyncView {
        tenant: target.tenant.clone(),
        revision: target.desired.commit.to_string(),
        base: target.base.as_ref().map(|b| b.applied.clone()),
        changes: steps
            .iter()
            .filter(|s| prune || s.step.action != Action::Delete)
            .count(),
        drifted: plan
            .drifted()
            .filter(|s| prune || s.action != Action::Delete)
            .count(),
        prune,
        steps,
        warnings: target.live.warnings.clone(),
    })
}

pub async fn cmd_plan(ctx: &Context, args: &PlanArgs) -> Result<Outcome, CliError> {
    let target = target::load(ctx, &args.target).await?;
    let plan = plan::plan(&target.desired, &target.live, target.base.as_ref());
    let view = view(&target, &plan, args.prune)?;
    crate::report::sync::plan(&view, ctx.format);
    Ok(if view.changes == 0 {
        Outcome::Success
    } else {
        Outcome::Differences
    })
}

pub async fn cmd_drift(ctx: &Context, args: &DriftArgs) -> Result<Outcome, CliError> {
    let target = target::load(ctx, &args.target).await?;
    let plan = plan::plan(&target.desired, &target.live, target.base.as_ref());
    let view = view(&target, &plan, true)?;
    crate::report::sync::drift(&view, ctx.format);
    Ok(if view.changes == 0 {
        Outcome::Success
    } else {
        Outcome::Differences
    })
}
