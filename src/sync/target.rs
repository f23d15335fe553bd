//! A target of plan, apply and drift: the revision's desired state, the target's base and its
//! live state, read in that order (desired first, so bad input stops before the tenant is asked).

use super::base::Base;
use super::desired::{self, Desired, DesiredError};
use super::live::{self, Live};
use crate::client::Client;
use crate::git::{GitError, Repo};
use crate::read::ReadError;
use std::sync::Arc;

/// Everything about a target.
pub struct Target {
    /// The repository holding the state.
    pub repo: Repo,
    /// The target tenant's client.
    pub client: Client,
    /// The target tenant's name.
    pub tenant: String,
    /// The state folder, relative to the repository root.
    pub state_dir: String,
    /// The revision's state, with the target's overrides.
    pub desired: Desired,
    /// What the last apply left on the target.
    pub base: Option<Base>,
    /// The target as it is now.
    pub live: Live,
    /// Size limits of artifact content.
    pub limits: crate::store::content::Limits,
    /// The target's role (design.md section 8): a passive target holds back the flows that
    /// start by themselves ([`super::passive::hold_back`]).
    pub role: crate::config::Role,
    /// The flows a passive target holds back (empty for an active one).
    pub held_back: Vec<super::passive::HeldBack>,
}

/// Why a target could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The committed state cannot be used.
    #[error(transparent)]
    Desired(#[from] DesiredError),
    /// The base cannot be read.
    #[error(transparent)]
    Base(#[from] GitError),
    /// The target cannot be read.
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl Target {
    /// Loads the target `tenant` of `client` against revision `rev` of `repo`.
    pub async fn load(
        repo: Repo,
        client: Client,
        tenant: &str,
        rev: &str,
        state_dir: &str,
        limits: crate::store::content::Limits,
    ) -> Result<Target, TargetError> {
        let desired = desired::load(&repo, rev, state_dir, tenant)?;
        let base = Base::read(&repo, tenant)?;
        let live = live::read(
            &repo,
            client.clone(),
            base.as_ref(),
            state_dir,
            (desired.format, limits),
            Arc::new(crate::read::Silent),
        )
        .await?;
        Ok(Target {
            repo,
            client,
            tenant: tenant.to_string(),
            state_dir: state_dir.to_string(),
            desired,
            base,
            live,
            limits,
            role: crate::config::Role::Active,
            held_back: Vec::new(),
        })
    }
}
