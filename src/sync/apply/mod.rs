//! Apply: make a target equal a committed revision (design.md section 5).
//!
//! 1. Decide ([`decide`]): refuse, changing nothing, when the target drifted (or was never
//!    applied) unless `--overwrite-drift`, or when a prune would empty the target or shrink it
//!    sharply ([`guards`]: the prune guard); group the steps by phase.
//! 2. Preflight (`preflight.rs`): every object to write has its files, and every secret to write
//!    decrypts, before the first write.
//! 3. Execute (`execute.rs`, `artifact.rs`): phase by phase (the write order of
//!    [`crate::model::Phase`]), objects of a phase concurrently under the tenant's request
//!    limit; then deploy and wait until `STARTED` ([`deploy`]); undeploy; with `--prune`, delete
//!    what git does not have, phases in reverse.
//! 4. Verify (`verify.rs`): read the target again and compare with desired; what still differs
//!    is reported (exit 2).
//! 5. Record the base ([`crate::sync::base::Base::after_apply`]), so that running apply again
//!    after a partial failure converges instead of reporting drift.
//!
//! The result is typed ([`outcome`]); `report` renders it.

mod artifact;
pub mod decide;
pub mod deploy;
mod execute;
pub mod guards;
mod load;
pub mod outcome;
mod preflight;
mod verify;

pub use outcome::{ApplyReport, ObjectOutcome, Problem, Remaining, Skip, Status, StillDifferent};

use crate::blocking::Blocking;
use crate::git::{GitError, RepoPool};
use crate::model::{Effect, ObjectId, WriteError};
use crate::read::ReadError;
use crate::secrets::Identity;
use crate::sync::base::{Base, Written};
use crate::sync::live::{self, Live};
use crate::sync::plan::{Plan, SecretChange};
use crate::sync::target::Target;
use deploy::Deploy;
use execute::Executor;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Delete what the target has and git does not.
    pub prune: bool,
    /// Overwrite objects changed on the target since the last apply.
    pub overwrite_drift: bool,
    /// Leave the runtime alone (no deploy, no undeploy).
    pub no_deploy: bool,
    /// Refuse a prune that deletes more than this share of the target's objects.
    pub max_prune_share: f64,
    /// Reset number ranges' `CurrentValue` to `MinValue` when updating them.
    pub reset_number_ranges: bool,
    /// First delay between runtime status reads while waiting for a deploy.
    pub deploy_poll: Duration,
    /// Longest wait for one deploy.
    pub deploy_timeout: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            prune: false,
            overwrite_drift: false,
            no_deploy: false,
            max_prune_share: 0.25,
            reset_number_ranges: false,
            deploy_poll: Duration::from_secs(1),
            deploy_timeout: Duration::from_secs(600),
        }
    }
}

/// Why apply did not run, or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The target drifted and `--overwrite-drift` was not given: nothing was changed.
    #[error("refusing to apply to tenant `{tenant}`: {} objects changed there since the last apply, or never applied", objects.len())]
    Drift {
        /// The target tenant.
        tenant: String,
        /// The objects concerned.
        objects: Vec<String>,
    },
    /// A prune would delete too much.
    #[error("refusing to prune tenant `{tenant}`: {reason}")]
    Prune {
        /// The target tenant.
        tenant: String,
        /// Why.
        reason: String,
    },
    /// A secret that must be written cannot be read.
    #[error("{file}: {reason}")]
    Secret {
        /// The secret's file.
        file: String,
        /// Why.
        reason: String,
    },
    /// An object to write lacks a file it is written from (a certificate's `.pem`).
    #[error("{file}: {reason}")]
    Incomplete {
        /// The missing file.
        file: String,
        /// Why it is needed.
        reason: String,
    },
    /// Secrets must be written and no identity is configured.
    #[error(
        "{count} objects have secrets to write, and no age identity is configured (e.g. {example})"
    )]
    NoIdentity {
        /// How many objects have secrets to write.
        count: usize,
        /// One of them.
        example: String,
    },
    /// Reading the target failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Git failed.
    #[error(transparent)]
    Git(#[from] GitError),
}

/// Applies `plan` (made from `target`'s desired, live and base state) to the target.
pub async fn apply(
    target: &Target,
    plan: &Plan,
    identity: Option<&Identity>,
    options: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let decision = decide::decide(plan, &target.desired, &target.live, &target.tenant, options)?;
    let steps: Vec<&_> = decision.steps().collect();
    preflight::check_files(&target.state_dir, &steps)?;
    let secrets = preflight::decrypt_secrets(&target.repo, &target.state_dir, &steps, identity)?;
    let blocking = Blocking::new();
    let executor = Arc::new(
        Executor::new(
            target.client.clone(),
            RepoPool::new(target.repo.git_dir(), blocking.clone()),
            blocking,
            options.clone(),
            secrets,
            target.desired.artifacts.clone(),
            target.live.runtime.clone(),
        )
        .with_state(target.desired.format, target.limits),
    );
    let started = Instant::now();
    let mut outcomes: BTreeMap<ObjectId, ObjectOutcome> = BTreeMap::new();
    let mut deploys: Vec<Deploy> = Vec::new();
    let mut undeploys: Vec<ObjectId> = Vec::new();

    for steps in decision.writes.values() {
        let tasks = steps
            .iter()
            .map(|s| {
                let (ex, step) = (executor.clone(), (*s).clone());
                (s.id.clone(), async move { ex.write(&step).await })
            })
            .collect();
        for (id, result) in execute::all(tasks).await {
            let outcome = match result {
                Ok(done) => {
                    deploys.extend(done.deploy);
                    if done.undeploy {
                        undeploys.push(id.clone());
                    }
                    match done.skipped {
                        Some(skip) => ObjectOutcome::new(&id, Status::Skipped(skip), done.effects),
                        None => ObjectOutcome::new(&id, Status::Done, done.effects),
                    }
                }
                Err(e) => ObjectOutcome::new(&id, Status::Failed(e), vec![]),
            };
            outcomes.insert(id, outcome);
        }
    }
    // Artifacts in sync whose runtime is not as desired (deployed in git, not deployed here).
    for id in &decision.deploys {
        if let (Some(kind), Some(facts)) =
            (id.kind.artifact_kind(), target.desired.artifacts.get(id))
        {
            deploys.push(Deploy {
                id: (*id).clone(),
                kind,
                version: facts.version.clone(),
                previous: None,
            });
        }
    }
    let timing = executor.timing();
    let tasks = deploys
        .into_iter()
        .map(|d| {
            let client = target.client.clone();
            (d.id.clone(), async move {
                deploy::deploy_and_wait(&client, &d, timing)
                    .await
                    .map(|()| Effect::Deployed(d.version))
            })
        })
        .collect();
    add_runtime_outcomes(&mut outcomes, execute::all(tasks).await);
    let tasks = undeploys
        .into_iter()
        .map(|id| {
            let client = target.client.clone();
            let key = id.key.clone();
            (id, async move {
                deploy::undeploy_and_wait(&client, &key, timing)
                    .await
                    .map(|()| Effect::Undeployed)
            })
        })
        .collect();
    add_runtime_outcomes(&mut outcomes, execute::all(tasks).await);
    for steps in decision.deletes.values().rev() {
        let tasks = steps
            .iter()
            .map(|s| {
                let (ex, step) = (executor.clone(), (*s).clone());
                (s.id.clone(), async move { ex.delete(&step).await })
            })
            .collect();
        for (id, result) in execute::all(tasks).await {
            let outcome = match result {
                Ok(effects) => ObjectOutcome::new(&id, Status::Done, effects),
                Err(e) => ObjectOutcome::new(&id, Status::Failed(e), vec![]),
            };
            outcomes.insert(id, outcome);
        }
    }

    // Verify, and record what the apply left. Nothing written: the plan's read is the proof.
    let mut problems = Vec::new();
    let reread = if outcomes.is_empty() {
        None
    } else {
        match live::read(
            &target.repo,
            target.client.clone(),
            target.base.as_ref(),
            &target.state_dir,
            (target.desired.format, target.limits),
            Arc::new(crate::read::Silent),
        )
        .await
        {
            Ok(after) => Some(after),
            Err(e) => {
                problems.push(Problem::NotVerified(e));
                None
            }
        }
    };
    let verified = reread.is_some() || outcomes.is_empty();
    let after: &Live = reread.as_ref().unwrap_or(&target.live);
    let remaining = if verified {
        verify::still_different(&target.repo, &target.desired, after, options)
    } else {
        Vec::new()
    };
    let secrets_written: BTreeSet<&ObjectId> = steps
        .iter()
        .filter(|s| s.secrets == SecretChange::Write)
        .map(|s| &s.id)
        .collect();
    let written: BTreeMap<ObjectId, Written> = outcomes
        .values()
        .map(|o| {
            (
                o.id.clone(),
                Written {
                    succeeded: !o.failed(),
                    secrets: secrets_written.contains(&o.id),
                },
            )
        })
        .collect();
    let record = Base::after_apply(
        &target.tenant,
        target.desired.commit.to_string(),
        &target.desired.state,
        after.observed(),
        verified,
        target.base.as_ref(),
        &written,
    );
    let base_recorded = match record.write(&target.repo) {
        Ok(()) => true,
        Err(e) => {
            problems.push(Problem::BaseNotRecorded(target.tenant.clone(), e));
            false
        }
    };
    Ok(ApplyReport {
        tenant: target.tenant.clone(),
        revision: target.desired.commit.to_string(),
        outcomes: outcomes.into_values().collect(),
        remaining,
        problems,
        base_recorded,
        seconds: started.elapsed().as_secs_f64(),
        requests: target.client.stats().requests,
        held_back: target.held_back.clone(),
    })
}

/// Adds what deploys or undeploys did to each object's outcome (a failure fails the object).
fn add_runtime_outcomes(
    outcomes: &mut BTreeMap<ObjectId, ObjectOutcome>,
    results: Vec<(ObjectId, Result<Effect, WriteError>)>,
) {
    for (id, result) in results {
        let entry = outcomes
            .entry(id.clone())
            .or_insert_with(|| ObjectOutcome::new(&id, Status::Done, vec![]));
        match result {
            Ok(effect) => entry.effects.push(effect),
            Err(e) => entry.status = Status::Failed(e),
        }
    }
}
