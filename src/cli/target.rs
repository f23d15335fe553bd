//! The flags that name a target and a revision (plan, apply and drift share them), and loading
//! that target: for a passive tenant (design.md section 8), with the flows it holds back.

use super::{CliError, Context};
use crate::config::{Config, Role};
use crate::interrupt::Lock;
use crate::sync::apply::progress;
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
    /// The tenant's lock, when the command takes it (apply, drift): held, never read, until
    /// this value is dropped.
    #[allow(dead_code)]
    pub lock: Option<Lock>,
}

/// Loads the target of `args`, with the configuration that names it and the roles. A passive
/// target holds back its self-starting flows. With `command` (apply, drift), the tenant's lock
/// is taken for it and held by the returned [`Loaded::lock`]; without (plan), nothing is
/// locked. Either way, what a killed apply to the tenant left is recovered first (when no run
/// holds the lock), and said on stderr.
pub async fn load(
    ctx: &Context,
    args: &TargetArgs,
    command: Option<&str>,
) -> Result<Loaded, CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    let client = ctx.client(&config, &args.tenant, args.concurrency)?;
    let (lock, notes) = match command {
        Some(command) => {
            let (lock, notes) = progress::lock(&repo, &args.tenant, command)?;
            (Some(lock), notes)
        }
        None => (None, progress::recover(&repo, &args.tenant)),
    };
    for note in notes {
        crate::report::recovered(&note);
    }
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
        lock,
    })
}
