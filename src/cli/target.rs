//! What plan, apply and drift share: the revision's desired state, the target's base and live
//! state, read in that order (desired first, so bad input stops before the tenant is asked).

use super::context::{Context, git_error};
use super::{CliError, ErrorKind};
use crate::client::Client;
use crate::config::Config;
use crate::git::Repo;
use crate::read::ReadError;
use crate::sync::base::Base;
use crate::sync::desired::{self, Desired, DesiredError};
use crate::sync::live::{self, Live};
use std::sync::Arc;

/// Everything about a target.
pub struct Target {
    pub repo: Repo,
    pub config: Config,
    pub client: Client,
    pub tenant: String,
    pub desired: Desired,
    pub base: Option<Base>,
    pub live: Live,
}

/// The flags that name a target and a revision: plan, apply and drift share them.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// The target tenant, as named in cpi-gitops.toml
    #[arg(long)]
    pub tenant: String,
    /// The committed revision to compare with or apply (never the work tree)
    #[arg(long, default_value = "HEAD")]
    pub rev: String,
    /// Requests in flight to the tenant (default: the configuration's, else 8)
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

/// Loads the target `args.tenant` against revision `args.rev`.
pub async fn load(ctx: &Context, args: &TargetArgs) -> Result<Target, CliError> {
    let (tenant, rev, concurrency) = (args.tenant.as_str(), args.rev.as_str(), args.concurrency);
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    let client = ctx.client(&config, tenant, concurrency)?;
    let desired = desired::load(&repo, rev, &config.state_dir, tenant).map_err(desired_error)?;
    let base = Base::read(&repo, tenant).map_err(git_error)?;
    let live = live::read(
        &repo,
        client.clone(),
        base.as_ref(),
        &config.state_dir,
        Arc::new(crate::read::Silent),
    )
    .await
    .map_err(read_error)?;
    Ok(Target {
        repo,
        config,
        client,
        tenant: tenant.to_string(),
        desired,
        base,
        live,
    })
}

/// A problem with the committed state, with what to do.
pub fn desired_error(e: DesiredError) -> CliError {
    let hint = match &e {
        DesiredError::Git(_) => None,
        DesiredError::NoState { .. } => Some("export a tenant first, or pass --rev with a revision that has the state".to_string()),
        DesiredError::BadJson { .. } | DesiredError::Invalid { .. } => {
            Some("fix the file (git show, git diff) or restore it from the export that wrote it, commit, and run again; nothing was written to the tenant".into())
        }
        DesiredError::UnknownFile { .. } => Some("move the file out of the state folder, or correct its path; nothing was written to the tenant".into()),
        DesiredError::Override { .. } => Some("correct the overrides file and commit; nothing was written to the tenant".into()),
    };
    let mut err = CliError::new(ErrorKind::User, e.to_string());
    err.hint = hint;
    err
}

/// A problem reading the target.
pub fn read_error(e: ReadError) -> CliError {
    match e {
        ReadError::Git(g) => git_error(g),
        ReadError::Tenant(t) => {
            let hint = (t.status() == Some(401))
                .then(|| "check the tenant's credentials in the environment".to_string());
            let mut err = CliError::new(ErrorKind::Tenant, t.to_string());
            err.hint = hint;
            err
        }
        other => CliError::new(ErrorKind::Tenant, other.to_string()),
    }
}
