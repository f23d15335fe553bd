//! Apply: make a target equal a committed revision (design.md section 5).
//!
//! 1. Refuse, changing nothing, when the target drifted (or was never applied) unless
//!    `--overwrite-drift`; refuse a prune that would empty the target or shrink it sharply.
//! 2. Decrypt every secret that will be written, before the first write: a missing file or a
//!    wrong identity stops here, naming the file.
//! 3. Write in phases, objects of a phase concurrently under the tenant's request limit:
//!    security material, certificates, key pairs, certificate mappings; number ranges; Partner
//!    Directory; access policies; packages; script collections; message and value mappings;
//!    integration flows (content, then only the configuration values that differ); deploy and
//!    wait until `STARTED`; undeploy; with `--prune`, delete what git does not have (undeploy
//!    first, artifacts before packages).
//! 4. Read the target again and compare with desired: what still differs is reported (exit 2).
//! 5. Record the base: every object as the apply left it, so that running apply again after a
//!    partial failure converges instead of reporting drift.

use super::base::{Base, BaseObject};
use super::desired::Desired;
use super::live::{self, Live};
use super::plan::{self, Action, Plan, SecretChange, Step};
use super::state::ObjectFiles;
use super::write::{self, Material, WriteError};
use crate::client::Client;
use crate::git::{GitError, Repo};
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::read::{Progress, ReadError};
use crate::secrets::{Identity, SecretBytes};
use crate::store::content;
use crate::store::layout::{Role, locate};
use crate::wire::designtime::ArtifactKind;
use crate::wire::runtime::status;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
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

/// What happened to one object.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectOutcome {
    pub id: String,
    /// `done`, `failed` or `skipped`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ObjectOutcome {
    fn new(id: &ObjectId, status: &'static str, actions: Vec<String>) -> ObjectOutcome {
        ObjectOutcome {
            id: id.to_string(),
            status,
            actions,
            error: None,
        }
    }

    fn failed(id: &ObjectId, error: WriteError) -> ObjectOutcome {
        ObjectOutcome {
            id: id.to_string(),
            status: "failed",
            actions: vec![],
            error: Some(error.to_string()),
        }
    }
}

/// The result of an apply.
#[derive(Debug, Serialize)]
pub struct ApplyReport {
    pub tenant: String,
    pub revision: String,
    pub outcomes: Vec<ObjectOutcome>,
    /// Objects that still differ after the apply (with why).
    pub remaining: Vec<String>,
    /// What went wrong after the writes: the verification read or recording the base failed.
    pub problems: Vec<String>,
    /// Whether the base was recorded.
    pub base_recorded: bool,
    /// Seconds from the first write to the end of verification (the command replaces it with
    /// its whole time).
    pub seconds: f64,
    /// Requests sent to the tenant by the whole command.
    pub requests: u64,
}

impl ApplyReport {
    /// Whether an object failed, or the apply could not be verified or recorded.
    pub fn failed(&self) -> bool {
        !self.problems.is_empty() || self.outcomes.iter().any(|o| o.status == "failed")
    }
}

/// Why apply did not run, or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The target drifted and `--overwrite-drift` was not given: nothing was changed.
    #[error("refusing to apply to tenant `{tenant}`: {} changed there since the last apply (or never applied)", crate::report::count(objects.len(), "object", "objects"))]
    Drift {
        tenant: String,
        objects: Vec<String>,
    },
    /// A prune would delete too much.
    #[error("refusing to prune tenant `{tenant}`: {reason}")]
    Prune { tenant: String, reason: String },
    /// A secret that must be written cannot be read.
    #[error("{file}: {reason}")]
    Secret { file: String, reason: String },
    /// An object to write lacks a file it is written from (a certificate's `.pem`).
    #[error("{file}: {reason}")]
    Incomplete { file: String, reason: String },
    /// Secrets must be written and no identity is configured.
    #[error(
        "{count} objects have secrets to write, and no age identity is configured (e.g. {example})"
    )]
    NoIdentity { count: usize, example: String },
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Git(#[from] GitError),
}

struct Ctx {
    client: Client,
    /// Bounds how many objects have their files loaded at once (memory stays flat).
    loading: tokio::sync::Semaphore,
    git_dir: PathBuf,
    options: ApplyOptions,
    secrets: BTreeMap<ObjectId, BTreeMap<SecretSlot, SecretBytes>>,
    desired_facts: BTreeMap<ObjectId, super::desired::ArtifactFacts>,
    runtime: BTreeMap<String, crate::wire::runtime::IntegrationRuntimeArtifact>,
}

/// The phases of writes, in order.
const PHASES: &[&[Kind]] = &[
    &[
        Kind::UserCredential,
        Kind::OAuth2ClientCredential,
        Kind::SecureParameter,
        Kind::Certificate,
        Kind::KeyPair,
        Kind::CertificateUserMapping,
    ],
    &[Kind::NumberRange],
    &[
        Kind::StringParameter,
        Kind::BinaryParameter,
        Kind::UserCredentialParameter,
        Kind::AlternativePartner,
        Kind::AuthorizedUser,
    ],
    &[Kind::AccessPolicy],
    &[Kind::Package],
    &[
        Kind::ScriptCollection,
        Kind::DataType,
        Kind::MessageType,
        Kind::FaultMessageType,
        Kind::ServiceInterface,
    ],
    &[Kind::MessageMapping, Kind::ValueMapping],
    &[Kind::IntegrationFlow],
];

/// An artifact to deploy after the writes.
struct Deploy {
    id: ObjectId,
    kind: ArtifactKind,
    version: String,
    /// `DeployedOn` of the deployment before this one: a redeploy of the same version is done
    /// only when the runtime shows a newer deployment.
    previous: Option<String>,
}

/// Applies `plan` (made from `desired`, `live` and `base`) to the target of `client`.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    repo: &Repo,
    client: &Client,
    tenant: &str,
    state_dir: &str,
    desired: &Desired,
    live: &Live,
    base: Option<&Base>,
    plan: &Plan,
    identity: Option<&Identity>,
    options: &ApplyOptions,
    progress: Arc<dyn Progress>,
) -> Result<ApplyReport, ApplyError> {
    let executed: Vec<&Step> = plan
        .changes()
        .filter(|s| s.action != Action::Delete || options.prune)
        .collect();
    let drifted: Vec<String> = executed
        .iter()
        .filter(|s| s.needs_overwrite())
        .map(|s| s.id.to_string())
        .collect();
    if !drifted.is_empty() && !options.overwrite_drift {
        return Err(ApplyError::Drift {
            tenant: tenant.into(),
            objects: drifted,
        });
    }
    let deletes = executed
        .iter()
        .filter(|s| s.action == Action::Delete)
        .count();
    if options.prune && deletes > 0 {
        if desired.state.objects.is_empty() {
            return Err(ApplyError::Prune {
                tenant: tenant.into(),
                reason: "the desired state is empty: that would delete everything".into(),
            });
        }
        let share = deletes as f64 / live.state.objects.len().max(1) as f64;
        if share > options.max_prune_share {
            return Err(ApplyError::Prune {
                tenant: tenant.into(),
                reason: format!(
                    "it would delete {deletes} of the target's {} objects ({:.0} %), more than --max-prune-share {:.0} %",
                    live.state.objects.len(),
                    share * 100.0,
                    options.max_prune_share * 100.0
                ),
            });
        }
    }
    check_files(state_dir, &executed)?;
    let secrets = decrypt_secrets(repo, state_dir, &executed, identity)?;
    let ctx = Arc::new(Ctx {
        client: client.clone(),
        loading: tokio::sync::Semaphore::new(16),
        git_dir: repo.git_dir().to_path_buf(),
        options: options.clone(),
        secrets,
        desired_facts: desired.artifacts.clone(),
        runtime: live.runtime.clone(),
    });
    let started = Instant::now();
    let mut outcomes: BTreeMap<ObjectId, ObjectOutcome> = BTreeMap::new();
    let mut deploys: Vec<Deploy> = Vec::new();
    let mut undeploys: Vec<ObjectId> = Vec::new();

    for phase in PHASES {
        let tasks = executed
            .iter()
            .filter(|s| phase.contains(&s.id.kind) && s.action != Action::Delete)
            .map(|s| {
                let (ctx, step) = (ctx.clone(), (*s).clone());
                (s.id.clone(), async move { write_step(&ctx, &step).await })
            })
            .collect();
        for (id, result) in all(tasks).await {
            let outcome = match result {
                Ok(done) => {
                    if let Some(d) = done.deploy {
                        deploys.push(d);
                    }
                    if done.undeploy {
                        undeploys.push(id.clone());
                    }
                    ObjectOutcome::new(&id, done.status, done.actions)
                }
                Err(e) => ObjectOutcome::failed(&id, e),
            };
            outcomes.insert(id.clone(), outcome);
            progress.done(&id, 0);
        }
    }
    // Artifacts in sync whose runtime is not as desired (deployed in git, not deployed here).
    if !options.no_deploy {
        let written: std::collections::BTreeSet<&ObjectId> =
            executed.iter().map(|s| &s.id).collect();
        for (id, facts) in &desired.artifacts {
            let in_sync = !written.contains(id);
            let deployed = live.runtime.contains_key(&id.key);
            if in_sync && facts.deployed && !deployed {
                if let Some(kind) = id.kind.artifact_kind() {
                    deploys.push(Deploy {
                        id: id.clone(),
                        kind,
                        version: facts.version.clone(),
                        previous: None,
                    });
                }
            }
        }
    }
    let tasks = deploys
        .into_iter()
        .map(|d| {
            let ctx = ctx.clone();
            (d.id.clone(), async move {
                deploy_and_wait(&ctx, &d)
                    .await
                    .map(|()| format!("deployed {}, STARTED", d.version))
            })
        })
        .collect();
    add_runtime_outcomes(&mut outcomes, all(tasks).await);
    let tasks = undeploys
        .into_iter()
        .map(|id| {
            let ctx = ctx.clone();
            let key = id.key.clone();
            (id, async move {
                undeploy_and_wait(&ctx, &key)
                    .await
                    .map(|()| "undeployed".to_string())
            })
        })
        .collect();
    add_runtime_outcomes(&mut outcomes, all(tasks).await);
    if options.prune {
        for phase in PHASES.iter().rev() {
            let tasks = executed
                .iter()
                .filter(|s| phase.contains(&s.id.kind) && s.action == Action::Delete)
                .map(|s| {
                    let (ctx, step) = (ctx.clone(), (*s).clone());
                    (s.id.clone(), async move { delete_step(&ctx, &step).await })
                })
                .collect();
            for (id, result) in all(tasks).await {
                let outcome = match result {
                    Ok(actions) => ObjectOutcome::new(&id, "done", actions),
                    Err(e) => ObjectOutcome::failed(&id, e),
                };
                outcomes.insert(id, outcome);
            }
        }
    }

    // Verify, and record what the apply left. Nothing written: the plan's read is the proof.
    let mut problems = Vec::new();
    let reread = if outcomes.is_empty() {
        None
    } else {
        match live::read(
            repo,
            client.clone(),
            base,
            state_dir,
            Arc::new(crate::read::Silent),
        )
        .await
        {
            Ok(after) => Some(after),
            Err(e) => {
                problems.push(format!(
                    "the tenant could not be read again to verify the apply: {e}"
                ));
                None
            }
        }
    };
    let verified = reread.is_some() || outcomes.is_empty();
    let after: &Live = reread.as_ref().unwrap_or(live);
    let mut remaining = Vec::new();
    if verified {
        remaining = still_different(repo, desired, after, options);
    }
    let record = record_base(tenant, desired, after, verified, base, &executed, &outcomes);
    let base_recorded = match record.write(repo) {
        Ok(()) => true,
        Err(e) => {
            problems.push(format!(
                "the base (refs/cpi-gitops/applied/{tenant}) could not be recorded: {e}"
            ));
            false
        }
    };
    let stats = client.stats();
    Ok(ApplyReport {
        tenant: tenant.into(),
        revision: desired.commit.to_string(),
        outcomes: outcomes.into_values().collect(),
        remaining,
        problems,
        base_recorded,
        seconds: started.elapsed().as_secs_f64(),
        requests: stats.requests,
    })
}

/// What still differs between desired and the target after an apply, with why.
fn still_different(
    repo: &Repo,
    desired: &Desired,
    after: &Live,
    options: &ApplyOptions,
) -> Vec<String> {
    let check = plan::plan(desired, after, None);
    let mut remaining = Vec::new();
    for step in &check.steps {
        if step.action == Action::None || (step.action == Action::Delete && !options.prune) {
            continue;
        }
        if step.action == Action::Update
            && step.secrets == SecretChange::Write
            && step.runtime.is_none()
        {
            let same_files = step.desired.as_ref().map(ObjectFiles::fingerprint)
                == step.live.as_ref().map(ObjectFiles::fingerprint);
            if same_files {
                continue;
            }
        }
        if options.no_deploy && only_runtime_differs(repo, step) {
            continue;
        }
        let why = match (step.action, &step.runtime) {
            (_, Some(r)) => format!("{} (runtime {r})", step.id),
            (Action::Create, _) => format!("{} (missing on the target)", step.id),
            (Action::Delete, _) => format!("{} (still on the target)", step.id),
            _ => format!("{} (differs from git)", step.id),
        };
        remaining.push(why);
    }
    remaining
}

/// The base an apply leaves. An object's entry moves to what is on the target now only when
/// this apply wrote it (successfully or not: what it left is not drift) or when it equals git;
/// every other object keeps its old entry, so a change made on the target outside git stays
/// drift. `after` is the target read after the writes, or, when that read failed
/// (`verified` false), the read before them: objects written successfully are then recorded as
/// git has them (their secrets' change markers unknown, so not judged).
fn record_base(
    tenant: &str,
    desired: &Desired,
    after: &Live,
    verified: bool,
    base: Option<&Base>,
    executed: &[&Step],
    outcomes: &BTreeMap<ObjectId, ObjectOutcome>,
) -> Base {
    let mut record = Base {
        tenant: tenant.into(),
        applied: desired.commit.to_string(),
        objects: BTreeMap::new(),
        marks: after.marks.clone(),
    };
    let mut ids: Vec<&ObjectId> = after
        .state
        .objects
        .keys()
        .chain(desired.state.objects.keys())
        .collect();
    ids.sort();
    ids.dedup();
    let secrets_written: std::collections::BTreeSet<&ObjectId> = executed
        .iter()
        .filter(|s| s.secrets == SecretChange::Write)
        .map(|s| &s.id)
        .collect();
    for id in ids {
        let key = id.to_string();
        let old = base.and_then(|b| b.object(id));
        let wanted = desired.state.objects.get(id);
        let outcome = outcomes.get(id);
        let succeeded = outcome.is_some_and(|o| o.status != "failed");
        let wrote_secrets = succeeded && secrets_written.contains(id);
        let secrets = match (wanted, wrote_secrets) {
            (Some(d), true) => d.secrets_fingerprint(),
            (Some(d), false) if !d.secrets.is_empty() => {
                old.map(|o| o.secrets.clone()).unwrap_or_default()
            }
            _ => String::new(),
        };
        if !verified && succeeded {
            if let Some(d) = wanted {
                record.objects.insert(
                    key,
                    BaseObject {
                        fingerprint: d.fingerprint(),
                        secrets,
                        marker: String::new(),
                        runtime: String::new(),
                    },
                );
            }
            continue;
        }
        let now = after.state.objects.get(id);
        let equals_git = match (now, wanted) {
            (Some(n), Some(w)) => n.fingerprint() == w.fingerprint(),
            _ => false,
        };
        if outcome.is_none() && !equals_git {
            if let Some(old) = old {
                record.objects.insert(key, old.clone());
            }
            continue;
        }
        let Some(now) = now else { continue };
        let marker = after
            .marks
            .secrets
            .get(&key)
            .map(|m| m.changed.clone())
            .unwrap_or_default();
        let runtime = after
            .runtime
            .get(&id.key)
            .filter(|_| id.kind.is_artifact())
            .map(plan::runtime_state)
            .unwrap_or_default();
        record.objects.insert(
            key,
            BaseObject {
                fingerprint: now.fingerprint(),
                secrets,
                marker,
                runtime,
            },
        );
    }
    record
}

/// Adds what deploys or undeploys did to each object's outcome (a failure fails the object).
fn add_runtime_outcomes(
    outcomes: &mut BTreeMap<ObjectId, ObjectOutcome>,
    results: Vec<(ObjectId, Result<String, WriteError>)>,
) {
    for (id, result) in results {
        let entry = outcomes
            .entry(id.clone())
            .or_insert_with(|| ObjectOutcome::new(&id, "done", vec![]));
        match result {
            Ok(action) => entry.actions.push(action),
            Err(e) => {
                entry.status = "failed";
                entry.error = Some(e.to_string());
            }
        }
    }
}

/// Runs every object's task concurrently (the client's limit paces the requests) and returns
/// each object's result as tasks finish. A task that ends abnormally is that object's failure.
async fn all<T, F>(tasks: Vec<(ObjectId, F)>) -> Vec<(ObjectId, Result<T, WriteError>)>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<T, WriteError>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut ids = std::collections::HashMap::new();
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
                Err(WriteError::Other(format!(
                    "internal error: the task writing this object ended: {e}"
                ))),
            ),
        };
        if let Some(id) = ids.remove(&task) {
            results.push((id, result));
        }
    }
    results
}

/// Whether the only difference of `step` is the `Deployed` field (ignored with `--no-deploy`).
fn only_runtime_differs(repo: &Repo, step: &Step) -> bool {
    if step.runtime.is_some()
        && step.desired.as_ref().map(ObjectFiles::fingerprint)
            == step.live.as_ref().map(ObjectFiles::fingerprint)
    {
        return true;
    }
    match super::diff::details(repo, step.live.as_ref(), step.desired.as_ref()) {
        Ok(d) => {
            d.files.is_empty()
                && !d.fields.is_empty()
                && d.fields.iter().all(|f| f.field == "Deployed")
        }
        Err(_) => false,
    }
}

/// Checks that every object to create or update has the files it is written from, before
/// anything is written: certificates and certificate-user mappings their `.pem`, binary
/// parameters their `.value`.
fn check_files(state_dir: &str, steps: &[&Step]) -> Result<(), ApplyError> {
    for step in steps {
        let (Some(desired), Action::Create | Action::Update) = (&step.desired, step.action) else {
            continue;
        };
        let (role, suffix) = match step.id.kind {
            Kind::Certificate | Kind::CertificateUserMapping => (Role::Pem, "pem"),
            Kind::BinaryParameter => (Role::Value, "value"),
            _ => continue,
        };
        let has = desired
            .files
            .keys()
            .any(|p| locate(p).map(|l| l.role) == Some(role.clone()));
        if !has {
            let json = desired.json().map(|(p, _)| p.clone()).unwrap_or_default();
            return Err(ApplyError::Incomplete {
                file: format!("{state_dir}/{}.{suffix}", json.trim_end_matches(".json")),
                reason: format!(
                    "{} is written from this file, and git does not have it",
                    step.id
                ),
            });
        }
    }
    Ok(())
}

/// Decrypts the secrets of every object that will be created or updated.
fn decrypt_secrets(
    repo: &Repo,
    state_dir: &str,
    steps: &[&Step],
    identity: Option<&Identity>,
) -> Result<BTreeMap<ObjectId, BTreeMap<SecretSlot, SecretBytes>>, ApplyError> {
    let needing: Vec<&Step> = steps
        .iter()
        .copied()
        .filter(|s| {
            matches!(s.action, Action::Create | Action::Update)
                && !s.id.kind.secret_slots().is_empty()
                && s.desired.is_some()
        })
        .collect();
    let mut out = BTreeMap::new();
    if needing.is_empty() {
        return Ok(out);
    }
    let Some(identity) = identity else {
        return Err(ApplyError::NoIdentity {
            count: needing.len(),
            example: needing[0].id.to_string(),
        });
    };
    for step in needing {
        let Some(desired) = &step.desired else {
            continue;
        };
        let mut slots = BTreeMap::new();
        let json = desired.json().map(|(p, _)| p.clone()).unwrap_or_default();
        for slot in step.id.kind.secret_slots() {
            let path = desired
                .secrets
                .iter()
                .find(|(p, _)| locate(p).map(|l| l.role) == Some(Role::Secret(*slot)))
                .map(|(p, id)| (p.clone(), *id));
            let expected =
                json.trim_end_matches(".json").to_string() + &format!(".{}.age", slot.name);
            let Some((path, blob)) = path else {
                return Err(ApplyError::Secret {
                    file: format!("{state_dir}/{expected}"),
                    reason: format!(
                        "{} needs this secret and git does not have it: add it with `cpi-gitops secret set {}{}`",
                        step.id,
                        step.id,
                        if *slot == step.id.kind.secret_slots()[0] {
                            String::new()
                        } else {
                            format!("#{}", slot.name)
                        }
                    ),
                });
            };
            let file = format!("{state_dir}/{path}");
            let bytes = repo.blob(blob)?;
            let plain = identity
                .decrypt(&bytes, &file)
                .map_err(|e| ApplyError::Secret {
                    file: file.clone(),
                    reason: e.to_string(),
                })?;
            slots.insert(*slot, plain);
        }
        out.insert(step.id.clone(), slots);
    }
    Ok(out)
}

/// What a successful write did.
struct Done {
    status: &'static str,
    actions: Vec<String>,
    deploy: Option<Deploy>,
    undeploy: bool,
}

async fn write_step(ctx: &Ctx, step: &Step) -> Result<Done, WriteError> {
    let _permit = ctx
        .loading
        .acquire()
        .await
        .map_err(|e| WriteError::Other(e.to_string()))?;
    let Some(desired) = &step.desired else {
        return Err(WriteError::Other("nothing to write".into()));
    };
    let done = |actions| Done {
        status: "done",
        actions,
        deploy: None,
        undeploy: false,
    };
    if step.id.kind.is_artifact() {
        let loaded = {
            let repo =
                Repo::discover(&ctx.git_dir).map_err(|e| WriteError::Other(e.to_string()))?;
            LoadedArtifact::load(&repo, desired, step.live.as_ref())?
        };
        return artifact(ctx, step, desired, loaded).await;
    }
    let mut material = {
        let repo = Repo::discover(&ctx.git_dir).map_err(|e| WriteError::Other(e.to_string()))?;
        Material::load(&repo, desired, step.live.as_ref())?
    };
    if step.id.kind == Kind::Package {
        return Ok(done(
            write::package(
                &ctx.client,
                &step.id,
                &material.desired,
                step.live.is_some(),
            )
            .await?,
        ));
    }
    material.secrets = ctx.secrets.get(&step.id).cloned().unwrap_or_default();
    material.reset_number_ranges = ctx.options.reset_number_ranges;
    Ok(done(write::put(&ctx.client, &material, &step.id).await?))
}

/// An artifact's files from git, loaded before the first request.
struct LoadedArtifact {
    desired: serde_json::Map<String, Value>,
    live: Option<serde_json::Map<String, Value>>,
    content: Vec<(String, Vec<u8>)>,
    configuration: BTreeMap<String, (String, String)>,
    live_configuration: Option<BTreeMap<String, (String, String)>>,
}

impl LoadedArtifact {
    fn load(
        repo: &Repo,
        desired: &ObjectFiles,
        live: Option<&ObjectFiles>,
    ) -> Result<LoadedArtifact, WriteError> {
        Ok(LoadedArtifact {
            desired: write::json_of(repo, desired)?,
            live: live.map(|l| write::json_of(repo, l)).transpose()?,
            content: content_files(repo, desired)?,
            configuration: configuration(repo, desired)?,
            live_configuration: live.map(|l| configuration(repo, l)).transpose()?,
        })
    }
}

fn content_files(repo: &Repo, files: &ObjectFiles) -> Result<Vec<(String, Vec<u8>)>, WriteError> {
    let mut out = Vec::new();
    for (path, id) in &files.files {
        if let Some(Role::Content(inner)) = locate(path).map(|l| l.role) {
            out.push((
                inner,
                repo.blob(*id)
                    .map_err(|e| WriteError::Other(e.to_string()))?,
            ));
        }
    }
    Ok(out)
}

fn content_fingerprint(files: &ObjectFiles) -> Vec<(String, git2::Oid)> {
    files
        .files
        .iter()
        .filter_map(|(p, id)| match locate(p).map(|l| l.role) {
            Some(Role::Content(inner)) => Some((inner, *id)),
            _ => None,
        })
        .collect()
}

fn configuration(
    repo: &Repo,
    files: &ObjectFiles,
) -> Result<BTreeMap<String, (String, String)>, WriteError> {
    let Some(bytes) = write::file_of(repo, files, &Role::Configuration)? else {
        return Ok(BTreeMap::new());
    };
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| WriteError::Other(format!("configuration.json: {e}")))?;
    Ok(value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = |f: &str| {
                v.get(f)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (k.clone(), (text("Value"), text("DataType")))
        })
        .collect())
}

async fn artifact(
    ctx: &Ctx,
    step: &Step,
    desired: &ObjectFiles,
    loaded: LoadedArtifact,
) -> Result<Done, WriteError> {
    let id = &step.id;
    let kind = id
        .kind
        .artifact_kind()
        .ok_or_else(|| WriteError::Other("not an artifact".into()))?;
    let facts = ctx
        .desired_facts
        .get(id)
        .cloned()
        .unwrap_or(super::desired::ArtifactFacts {
            deployed: false,
            version: String::new(),
            read_only: false,
        });
    if !kind.writable() {
        return Ok(Done {
            status: "skipped",
            actions: vec![format!(
                "{} artifacts cannot be written one by one; import their package on the tenant",
                kind.entity_type()
            )],
            deploy: None,
            undeploy: false,
        });
    }
    let d = &loaded.desired;
    let live = step.live.as_ref();
    let l = &loaded.live;
    let mut actions = Vec::new();
    let mut uploaded = false;
    if facts.read_only {
        // Configure-only content comes with its package's copy from SAP's catalogue (made in the
        // package phase); only its configuration and deployment are written here.
        if live.is_none() {
            actions.push("taken from the package's copy of SAP's catalogue".to_string());
        }
    } else {
        let field =
            |m: &serde_json::Map<String, Value>, f: &str| m.get(f).cloned().unwrap_or(Value::Null);
        let metadata_differs = l.as_ref().is_none_or(|l| {
            ["Version", "Name", "Description"]
                .iter()
                .any(|f| field(l, f) != field(d, f))
        });
        let content_differs =
            live.is_none_or(|l| content_fingerprint(l) != content_fingerprint(desired));
        let moved = live.is_some_and(|l| l.parent != desired.parent);
        if metadata_differs || content_differs || moved {
            let config: Vec<(String, String)> = loaded
                .configuration
                .iter()
                .map(|(k, (v, _))| (k.clone(), v.clone()))
                .collect();
            let zip = content::repack(id.kind, &loaded.content, &config);
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(zip);
            let name = field(d, "Name");
            let description = field(d, "Description");
            let recreate = live.is_some() && (moved || kind == ArtifactKind::ValueMapping);
            if recreate {
                ctx.client.delete_artifact(kind, &id.key).await?;
            }
            if live.is_none() || recreate {
                let package = desired.parent.clone().unwrap_or_default();
                let body = serde_json::json!({ "Id": id.key, "Name": name, "PackageId": package, "Description": description, "ArtifactContent": encoded });
                ctx.client.create_artifact(kind, body).await?;
                actions.push(if recreate {
                    format!(
                        "re-created at version {} (deleted and created: {})",
                        facts.version,
                        if moved {
                            "moved to another package"
                        } else {
                            "value mappings have no update"
                        }
                    )
                } else {
                    format!("created at version {}", facts.version)
                });
            } else {
                let body = serde_json::json!({ "Name": name, "Description": description, "ArtifactContent": encoded });
                ctx.client.update_artifact(kind, &id.key, body).await?;
                actions.push(format!("content uploaded at version {}", facts.version));
            }
            uploaded = true;
        }
    }
    let mut configured = 0;
    if kind == ArtifactKind::IntegrationFlow {
        let live_config = match &loaded.live_configuration {
            Some(c) if !uploaded => c.clone(),
            _ => ctx
                .client
                .configurations(&id.key)
                .await?
                .into_iter()
                .map(|c| (c.parameter_key, (c.parameter_value, c.data_type)))
                .collect(),
        };
        for (key, (value, data_type)) in &loaded.configuration {
            if live_config.get(key).map(|(v, _)| v) != Some(value) {
                ctx.client.configure(&id.key, key, value, data_type).await?;
                configured += 1;
            }
        }
        if configured > 0 {
            actions.push(format!(
                "{} set",
                crate::report::count(configured, "configuration value", "configuration values")
            ));
        }
    }
    let runtime = ctx.runtime.get(&id.key);
    let deploy = (!ctx.options.no_deploy
        && facts.deployed
        && (uploaded
            || configured > 0
            || runtime.is_none_or(|r| r.status != status::STARTED || r.version != facts.version)))
    .then(|| Deploy {
        id: id.clone(),
        kind,
        version: facts.version.clone(),
        previous: runtime.and_then(|r| r.deployed_on.clone()),
    });
    let undeploy = !ctx.options.no_deploy && !facts.deployed && runtime.is_some();
    Ok(Done {
        status: "done",
        actions,
        deploy,
        undeploy,
    })
}

async fn delete_step(ctx: &Ctx, step: &Step) -> Result<Vec<String>, WriteError> {
    let Some(live) = &step.live else {
        return Ok(vec![]);
    };
    let live_json = {
        let repo = Repo::discover(&ctx.git_dir).map_err(|e| WriteError::Other(e.to_string()))?;
        write::json_of(&repo, live)?
    };
    let mut actions = Vec::new();
    if step.id.kind.is_artifact()
        && !ctx.options.no_deploy
        && ctx.runtime.contains_key(&step.id.key)
    {
        undeploy_and_wait(ctx, &step.id.key).await?;
        actions.push("undeployed".to_string());
    }
    actions.extend(write::delete(&ctx.client, &step.id, &live_json).await?);
    Ok(actions)
}

/// Deploys and waits until the runtime shows the version `STARTED`, with growing pauses between
/// status reads; on `ERROR` fails with the tenant's error text.
async fn deploy_and_wait(ctx: &Ctx, d: &Deploy) -> Result<(), WriteError> {
    ctx.client.deploy(d.kind, &d.id.key).await?;
    let started = Instant::now();
    let mut pause = ctx.options.deploy_poll;
    loop {
        tokio::time::sleep(pause).await;
        pause = (pause.mul_f64(1.5))
            .min(Duration::from_secs(10))
            .max(ctx.options.deploy_poll);
        if let Some(r) = ctx.client.runtime_artifact(&d.id.key).await? {
            let newer = d.previous.is_none() || r.deployed_on != d.previous;
            if !newer || r.version != d.version {
                // Still the previous deployment.
            } else if r.status == status::STARTED {
                return Ok(());
            } else if r.status == status::ERROR {
                let mut text = None;
                for _ in 0..5 {
                    text = ctx.client.error_information(&d.id.key).await?;
                    if text.is_some() {
                        break;
                    }
                    tokio::time::sleep(ctx.options.deploy_poll).await;
                }
                return Err(WriteError::Other(format!(
                    "deploy failed on the tenant: {}",
                    text.unwrap_or_else(|| "status ERROR (the tenant gave no error text)".into())
                )));
            }
        }
        if started.elapsed() > ctx.options.deploy_timeout {
            return Err(WriteError::Other(format!(
                "deploy did not reach STARTED within {} s",
                ctx.options.deploy_timeout.as_secs()
            )));
        }
    }
}

/// Undeploys and waits until the runtime artifact is gone.
async fn undeploy_and_wait(ctx: &Ctx, id: &str) -> Result<(), WriteError> {
    ctx.client.undeploy(id).await?;
    let started = Instant::now();
    let mut pause = ctx.options.deploy_poll;
    loop {
        tokio::time::sleep(pause).await;
        pause = (pause.mul_f64(1.5))
            .min(Duration::from_secs(10))
            .max(ctx.options.deploy_poll);
        if ctx.client.runtime_artifact(id).await?.is_none() {
            return Ok(());
        }
        if started.elapsed() > ctx.options.deploy_timeout {
            return Err(WriteError::Other(format!(
                "undeploy did not finish within {} s",
                ctx.options.deploy_timeout.as_secs()
            )));
        }
    }
}
