//! The executor: what [`super::decide`] says, done against the target. Each object is a task;
//! the objects of a phase run concurrently, paced by the client's request limit. Files come from
//! git on the blocking thread ([`RepoPool`]), a bounded number of objects at a time, so memory
//! stays flat.

use super::ApplyOptions;
use super::artifact::{self, Written};
use super::decide::{Operation, delete_operations};
use super::deploy::{self, Timing};
use super::load;
use super::preflight::Secrets;
use crate::blocking::Blocking;
use crate::client::Client;
use crate::git::RepoPool;
use crate::model::kinds::{self, artifact::Facts};
use crate::model::{Effect, ObjectId, WriteError};
use crate::store::content::Limits;
use crate::store::format::StateFormat;
use crate::sync::plan::Step;
use crate::wire::runtime::IntegrationRuntimeArtifact;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;

/// What the executor needs for every object.
pub(super) struct Executor {
    pub client: Client,
    pub repo: RepoPool,
    /// Blocking work (repacking) off the async workers.
    pub blocking: Blocking,
    /// Bounds how many objects have their files loaded at once.
    loading: tokio::sync::Semaphore,
    pub options: ApplyOptions,
    secrets: Secrets,
    pub facts: BTreeMap<ObjectId, Facts>,
    /// The target's runtime before the apply, by artifact id.
    pub runtime: BTreeMap<String, IntegrationRuntimeArtifact>,
    /// The desired state's layout version, and the size limits of artifact content.
    pub state: (StateFormat, Limits),
}

impl Executor {
    pub fn new(
        client: Client,
        repo: RepoPool,
        blocking: Blocking,
        options: ApplyOptions,
        secrets: Secrets,
        facts: BTreeMap<ObjectId, Facts>,
        runtime: BTreeMap<String, IntegrationRuntimeArtifact>,
    ) -> Executor {
        Executor {
            client,
            repo,
            blocking,
            loading: tokio::sync::Semaphore::new(16),
            options,
            secrets,
            facts,
            runtime,
            state: (StateFormat::CURRENT, Limits::default()),
        }
    }

    /// The desired state's layout version and the size limits of artifact content.
    pub fn with_state(self, format: StateFormat, limits: Limits) -> Executor {
        Executor {
            state: (format, limits),
            ..self
        }
    }

    /// The wait for deploys and undeploys.
    pub fn timing(&self) -> Timing {
        Timing {
            poll: self.options.deploy_poll,
            timeout: self.options.deploy_timeout,
        }
    }

    /// Creates or updates the object of `step`.
    pub async fn write(&self, step: &Step) -> Result<Written, WriteError> {
        let _permit = self
            .loading
            .acquire()
            .await
            .map_err(|e| WriteError::Unexpected(e.to_string()))?;
        let Some(desired) = step.desired.clone() else {
            return Err(WriteError::Unexpected("nothing to write".into()));
        };
        let live = step.live.clone();
        if step.id.kind.is_artifact() {
            let loaded = self
                .repo
                .run({
                    let format = self.state.0;
                    move |repo| load::Artifact::load(repo, &desired, live.as_ref(), format)
                })
                .await?;
            return artifact::write(
                &self.client,
                artifact::Context {
                    blocking: &self.blocking,
                    facts: self.facts.get(&step.id),
                    runtime: self.runtime.get(&step.id.key),
                    no_deploy: self.options.no_deploy,
                    state: self.state,
                },
                step,
                loaded,
            )
            .await;
        }
        let id = step.id.clone();
        let mut material = self
            .repo
            .run(move |repo| load::material(repo, id, &desired, live.as_ref()))
            .await?;
        material.secrets = self.secrets.get(&step.id).cloned().unwrap_or_default();
        material.reset_number_ranges = self.options.reset_number_ranges;
        Ok(Written {
            effects: kinds::write(&self.client, &material).await?,
            ..Default::default()
        })
    }

    /// Deletes the object of `step` (undeploying a deployed artifact first).
    pub async fn delete(&self, step: &Step) -> Result<Vec<Effect>, WriteError> {
        let Some(live) = step.live.clone() else {
            return Ok(vec![]);
        };
        let live_json = self
            .repo
            .run(move |repo| load::json_of(repo, &live))
            .await?;
        let deployed = step.id.kind.is_artifact() && self.runtime.contains_key(&step.id.key);
        let mut effects = Vec::new();
        for op in delete_operations(deployed, self.options.no_deploy) {
            match op {
                Operation::Undeploy => {
                    deploy::undeploy_and_wait(&self.client, &step.id.key, self.timing()).await?;
                    effects.push(Effect::Undeployed);
                }
                _ => {
                    kinds::delete(&self.client, &step.id, &live_json).await?;
                    effects.push(Effect::Deleted);
                }
            }
        }
        Ok(effects)
    }
}

/// Runs every object's task concurrently (the client's limit paces the requests) and returns
/// each object's result as tasks finish. A task that ends abnormally is that object's failure.
pub(super) async fn all<T, F>(tasks: Vec<(ObjectId, F)>) -> Vec<(ObjectId, Result<T, WriteError>)>
where
    T: Send + 'static,
    F: Future<Output = Result<T, WriteError>> + Send + 'static,
{
    all_with(tasks, |_, _| {}).await
}

/// [`all`], calling `done` with each object's result as it arrives (to journal it). Dropping the
/// future aborts the tasks still running.
pub(super) async fn all_with<T, F>(
    tasks: Vec<(ObjectId, F)>,
    mut done: impl FnMut(&ObjectId, &Result<T, WriteError>),
) -> Vec<(ObjectId, Result<T, WriteError>)>
where
    T: Send + 'static,
    F: Future<Output = Result<T, WriteError>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut ids = HashMap::new();
    for (id, task) in tasks {
        let handle = set.spawn(task);
        ids.insert(handle.id(), id);
    }
    let mut results = Vec::with_capacity(ids.len());
    while let Some(joined) = set.join_next_with_id().await {
        let (task, result) = match joined {
            Ok((task, result)) => (task, result),
            Err(e) => (
                e.id(),
                Err(WriteError::Unexpected(format!(
                    "internal error: the task writing this object ended: {e}"
                ))),
            ),
        };
        if let Some(id) = ids.remove(&task) {
            done(&id, &result);
            results.push((id, result));
        }
    }
    results
}
