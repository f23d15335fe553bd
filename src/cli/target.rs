//! The flags that name a target and a revision (plan, apply and drift share them), and loading
//! that target: for a passive tenant (design.md section 8), with the flows it holds back.

use super::{CliError, Context};
use crate::config::{Config, Role};
use crate::sync::passive;
use crate::sync::roles::Roles;
use crate::sync::target::Target;

/// The flags that name a target and a revision.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// The target tenant, as named in cpi-gitops.toml
    #[arg(long)]
    pub tenant: String,
    /// The committed revision to compare with or apply (never the work tree)
    #[arg(long, default_value = "HEAD")]
    pub rev: String,
    /// Requests in flight to the tenant, 1 to 64 (default: the configuration's, else 8)
    #[arg(long, value_name = "N", value_parser = super::values::concurrency)]
    pub concurrency: Option<usize>,
}

/// A loaded target with the configuration and the roles in effect.
pub struct Loaded {
    /// The target (a passive one with its held-back flows).
    pub target: Target,
    /// The configuration.
    pub config: Config,
    /// The roles.
    pub roles: Roles,
}

/// Loads the target of `args`, with the configuration that names it and the roles. A passive
/// target holds back its self-starting flows.
pub async fn load(ctx: &Context, args: &TargetArgs) -> Result<Loaded, CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    let client = ctx.client(&config, &args.tenant, args.concurrency)?;
    let roles = Roles::load(&repo, &config)?;
    let mut target = Target::load(
        repo,
        client,
        &args.tenant,
        &args.rev,
        &config.state_dir,
        config.content_limits(),
    )
    .await?;
    if roles.role(&args.tenant) == Role::Passive {
        passive::hold_back(&mut target)?;
    }
    Ok(Loaded {
        target,
        config,
        roles,
    })
}
