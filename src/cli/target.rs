//! The flags that name a target and a revision (plan, apply and drift share them), and loading
//! that target.

use super::{CliError, Context};
use crate::config::Config;
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

/// Loads the target of `args`, with the configuration that names it.
pub async fn load(ctx: &Context, args: &TargetArgs) -> Result<(Target, Config), CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    let client = ctx.client(&config, &args.tenant, args.concurrency)?;
    let target = Target::load(
        repo,
        client,
        &args.tenant,
        &args.rev,
        &config.state_dir,
        config.content_limits(),
    )
    .await?;
    Ok((target, config))
}
