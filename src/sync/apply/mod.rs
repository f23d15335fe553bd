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
pub mod progress;
mod verify;

pub use outcome::{ApplyReport, ObjectOutcome, Problem, Remaining, Skip, Status, StillDifferent};

use crate::blocking::Blocking;
use crate::git::{GitError, RepoPool};
use crate::interrupt::{failpoint, signals};
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
use std::sync::{Arc, Mutex};
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
    /// Push the base to this remote before the first write and after the run.
    pub push_progress: Option<String>,
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
            push_progress: None,
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
    /// Stopped by SIGINT or SIGTERM before the first write.
    #[error("stopped by {0} before the first write: nothing was written")]
    Stopped(crate::interrupt::Signal),
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
    // Progress: the objects about to be written, recorded in the base (and journaled) before
    // the first write, so that a run cut short leaves them as its own work, not drift.
    let revision = target.desired.commit.to_string();
    let mut intent_ids: BTreeSet<String> = steps.iter().map(|s| s.id.to_string()).collect();
    intent_ids.extend(decision.deploys.iter().map(|id| id.to_string()));
    let old_base = target.base.clone().unwrap_or_else(|| Base {
        tenant: target.tenant.clone(),
        ..Default::default()
    });
    let mut journal = None;
    if let Some(signal) = signals::received() {
        return Err(ApplyError::Stopped(signal));
    }
    let intent = if intent_ids.is_empty() {
        target.base.clone()
    } else {
        let intent = old_base.with_intent(&revision, intent_ids.iter().cloned());
        intent.write(&target.repo)?;
        if let Some(remote) = &options.push_progress {
            // Before the first write: a runner that dies now leaves its intent where the next
            // runner finds it. A push that fails stops the apply with nothing written.
            target
                .repo
                .push_ref(remote, &crate::sync::base::ref_name(&target.tenant))?;
        }
        let previous: Vec<String> = target
            .base
            .as_ref()
            .and_then(|b| b.in_progress.as_ref())
            .map(|p| p.objects.iter().cloned().collect())
            .unwrap_or_default();
        journal = Some(progress::begin(
            &target.repo,
            &target.tenant,
            &revision,
            &target.state_dir,
            previous,
        )?);
        failpoint::reach_async("apply:intent-recorded").await;
        Some(intent)
    };
    let journal = Mutex::new(journal);
    let first_written = std::sync::atomic::AtomicBool::new(false);
    let outcomes: Mutex<BTreeMap<ObjectId, ObjectOutcome>> = Mutex::new(BTreeMap::new());
    let begun: Mutex<BTreeSet<ObjectId>> = Mutex::new(BTreeSet::new());
    // Records that `step` begins (in memory and in the journal); the executor and the step to
    // hand to its task.
    let begin = |step: &crate::sync::plan::Step| {
        lock(&begun).insert(step.id.clone());
        progress::begun(&journal, &step.id);
        (executor.clone(), step.clone())
    };
    let note = |id: &ObjectId, ok: bool, secrets: bool| {
        if ok {
            progress::written(&journal, id, secrets);
        }
    };
    let secrets_written: BTreeSet<ObjectId> = steps
        .iter()
        .filter(|s| s.secrets == SecretChange::Write)
        .map(|s| s.id.clone())
        .collect();
    let run = async {
        let mut deploys: Vec<Deploy> = Vec::new();
        let mut undeploys: Vec<ObjectId> = Vec::new();
        for steps in decision.writes.values() {
            let tasks = steps
                .iter()
                .map(|s| {
                    let (ex, step) = begin(s);
                    (s.id.clone(), async move { ex.write(&step).await })
                })
                .collect();
            let results = execute::all_with(tasks, |id, r| {
                note(id, r.is_ok(), secrets_written.contains(id))
            })
            .await;
            for (id, result) in results {
                let outcome = match result {
                    Ok(done) => {
                        deploys.extend(done.deploy);
                        if done.undeploy {
                            undeploys.push(id.clone());
                        }
                        match done.skipped {
                            Some(skip) => {
                                ObjectOutcome::new(&id, Status::Skipped(skip), done.effects)
                            }
                            None => ObjectOutcome::new(&id, Status::Done, done.effects),
                        }
                    }
                    Err(e) => ObjectOutcome::new(&id, Status::Failed(e), vec![]),
                };
                lock(&outcomes).insert(id, outcome);
            }
            if !first_written.swap(true, std::sync::atomic::Ordering::SeqCst) {
                failpoint::reach_async("apply:object-written").await;
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
                lock(&begun).insert(d.id.clone());
                let client = target.client.clone();
                (d.id.clone(), async move {
                    deploy::deploy_and_wait(&client, &d, timing)
                        .await
                        .map(|()| Effect::Deployed(d.version))
                })
            })
            .collect();
        let results = execute::all(tasks).await;
        add_runtime_outcomes(&mut lock(&outcomes), results);
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
        let results = execute::all(tasks).await;
        add_runtime_outcomes(&mut lock(&outcomes), results);
        for steps in decision.deletes.values().rev() {
            let tasks = steps
                .iter()
                .map(|s| {
                    let (ex, step) = begin(s);
                    (s.id.clone(), async move { ex.delete(&step).await })
                })
                .collect();
            let results = execute::all_with(tasks, |id, r| note(id, r.is_ok(), false)).await;
            for (id, result) in results {
                let outcome = match result {
                    Ok(effects) => ObjectOutcome::new(&id, Status::Done, effects),
                    Err(e) => ObjectOutcome::new(&id, Status::Failed(e), vec![]),
                };
                lock(&outcomes).insert(id, outcome);
            }
        }
        failpoint::reach_async("apply:writes-done").await;
    };
    // SIGINT or SIGTERM: the writes still running are cut (dropped), nothing new starts, and
    // the base records what is known.
    let stopped = tokio::select! {
        () = run => None,
        signal = signals::wait() => Some(signal),
    }
    .or_else(signals::received);
    let mut outcomes = std::mem::take(&mut *lock(&outcomes));
    if stopped.is_some() {
        // An object whose write was cut may or may not have been written.
        for id in lock(&begun).iter() {
            if !outcomes.contains_key(id) {
                outcomes.insert(
                    id.clone(),
                    ObjectOutcome::new(
                        id,
                        Status::Failed(WriteError::Unexpected(
                            "cut short: the apply was stopped".into(),
                        )),
                        vec![],
                    ),
                );
            }
        }
    }

    // Verify, and record what the apply left. Nothing written: the plan's read is the proof.
    let mut problems = Vec::new();
    let reread = if outcomes.is_empty() || stopped.is_some() {
        None
    } else {
        match live::read(
            &target.repo,
            target.client.clone(),
            &target.tenant,
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
    let verified = reread.is_some() || (outcomes.is_empty() && stopped.is_none());
    let after: &Live = reread.as_ref().unwrap_or(&target.live);
    let remaining = if verified {
        verify::still_different(&target.repo, &target.desired, after, options)
    } else {
        Vec::new()
    };
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
    let mut record = Base::after_apply(
        &target.tenant,
        target.desired.commit.to_string(),
        &target.desired.state,
        after.observed(),
        verified,
        intent.as_ref(),
        &written,
    );
    if stopped.is_some() {
        // Objects never started are not in progress: only the old ones and those cut short.
        let previous = target.base.as_ref().and_then(|b| b.in_progress.clone());
        if let Some(p) = &mut record.in_progress {
            let begun = lock(&begun);
            p.objects.retain(|key| {
                previous.as_ref().is_some_and(|o| o.objects.contains(key))
                    || begun.iter().any(|id| &id.to_string() == key)
            });
        }
        if record
            .in_progress
            .as_ref()
            .is_some_and(|p| p.objects.is_empty())
        {
            record.in_progress = None;
        }
    }
    let base_recorded = match record.write(&target.repo) {
        Ok(()) => true,
        Err(e) => {
            problems.push(Problem::BaseNotRecorded(target.tenant.clone(), e));
            false
        }
    };
    if base_recorded {
        if let Some(j) = lock(&journal).take() {
            let _ = j.finish();
        }
        if let Some(remote) = &options.push_progress {
            if let Err(e) = target
                .repo
                .push_ref(remote, &crate::sync::base::ref_name(&target.tenant))
            {
                problems.push(Problem::BaseNotRecorded(target.tenant.clone(), e));
            }
        }
    }
    Ok(ApplyReport {
        tenant: target.tenant.clone(),
        revision: target.desired.commit.to_string(),
        outcomes: outcomes.into_values().collect(),
        remaining,
        problems,
        base_recorded,
        seconds: started.elapsed().as_secs_f64(),
        requests: target.client.stats().requests,
        stopped,
        held_back: target.held_back.clone(),
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
