//! `failover --to NAME`: promote the passive twin to active (design.md section 8), so that the
//! flows that start by themselves run on exactly one tenant.
//!
//! 1. **Preflight** (nothing changed yet): the new active has a base, and holds every flow its
//!    applied revision deploys and that starts by itself (the flows it holds back as a passive
//!    twin) at the version git has. Otherwise: refused, "apply first".
//! 2. **Fence** the old active, when there is one, within the fence timeout: undeploy its
//!    self-starting flows and wait until they are gone. A connection failure, a timeout or a 5xx
//!    makes it *unreachable*: the switch goes on, and says loudly that it may still be polling. A
//!    refusal (401, 403, another 4xx) stops the failover before anything is deployed.
//! 3. **Deploy** the held-back flows on the new active and wait until `STARTED`. When one fails:
//!    what started is undeployed again, and the fenced flows are deployed back on the old active,
//!    so that both sides are never without them while both are reachable.
//! 4. **Record** the roles (`refs/cpi-gitops/roles`) and **update** both tenants' bases, without
//!    a commit to the branch.
//!
//! Every step is idempotent, so a failover that was interrupted or failed converges when run
//! again; run again for a tenant that is already active, it fences an old active that is back.

mod outcome;

pub use outcome::{FailoverReport, FlowDid, FlowReport, Phase, Status, StepReport, Verdict};

use super::apply::deploy::{self, Deploy, Timing};
use super::base::{Base, Written};
use super::desired::{self, Desired, DesiredError};
use super::live;
use super::passive::{self, HoldError};
use super::roles::Roles;
use super::starts::{self, Known};
use crate::client::{Client, ClientError};
use crate::git::{GitError, Repo};
use crate::interrupt::failpoint;
use crate::model::{Kind, ObjectId, WriteError};
use crate::wire::designtime::ArtifactKind;
use crate::wire::runtime::{IntegrationRuntimeArtifact, status};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

/// One tenant of the pair.
#[derive(Clone)]
pub struct Twin {
    /// Its name in the configuration.
    pub name: String,
    /// Its client.
    pub client: Client,
    /// How it waits for deploys.
    pub timing: Timing,
}

/// How to fail over.
#[derive(Debug, Clone, Copy)]
pub struct FailoverOptions {
    /// The longest the fence of the old active may take before it counts as unreachable.
    pub fence_timeout: Duration,
    /// Read and say what would be done; change nothing.
    pub dry_run: bool,
}

/// A failover to run.
pub struct Request<'a> {
    /// The repository (bases, roles, the applied revisions' state).
    pub repo: &'a Repo,
    /// The state folder.
    pub state_dir: &'a str,
    /// The roles in effect.
    pub roles: &'a Roles,
    /// The new active.
    pub to: Twin,
    /// The old active to fence, if any.
    pub from: Option<Twin>,
    /// Whether `to` is already the recorded active.
    pub already_active: bool,
    /// Size limits of artifact content (reading the tenants to update their bases).
    pub limits: crate::store::content::Limits,
    /// How.
    pub options: FailoverOptions,
}

/// Why a failover could not even start its steps.
#[derive(Debug, thiserror::Error)]
pub enum FailoverError {
    /// Git failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The revision applied to the new active cannot be read.
    #[error(transparent)]
    Desired(#[from] DesiredError),
}

impl From<HoldError> for FailoverError {
    fn from(e: HoldError) -> FailoverError {
        match e {
            HoldError::Git(g) => FailoverError::Git(g),
        }
    }
}

/// A held-back flow: its id and the version git deploys.
#[derive(Debug, Clone)]
struct Held {
    id: ObjectId,
    package: Option<String>,
    version: String,
}

/// Runs the failover `req` and says what each step did.
pub async fn failover(req: Request<'_>) -> Result<FailoverReport, FailoverError> {
    let Request {
        repo,
        state_dir,
        roles,
        to,
        from,
        already_active,
        limits,
        options,
    } = req;
    let mut report = FailoverReport {
        to: to.name.clone(),
        from: from.as_ref().map(|f| f.name.clone()),
        already_active,
        dry_run: options.dry_run,
        steps: Vec::new(),
        verdict: Verdict::Failed,
    };

    // 1. Preflight.
    let Some(to_base) = Base::read(repo, &to.name)? else {
        report.steps.push(
            StepReport::new(Phase::Preflight, Some(&to.name), Status::Failed).says(format!(
                "tenant `{}` has no base (it was never applied to): apply the committed state to it first",
                to.name
            )),
        );
        report.verdict = Verdict::Refused;
        return Ok(report);
    };
    let desired_to = desired::load(repo, &to_base.applied, state_dir, &to.name)?;
    let held: Vec<Held> = passive::self_starting(repo, &desired_to, state_dir)?
        .into_iter()
        .map(|(id, _)| Held {
            package: desired_to
                .state
                .objects
                .get(&id)
                .and_then(|o| o.parent.clone()),
            version: desired_to
                .artifacts
                .get(&id)
                .map(|f| f.version.clone())
                .unwrap_or_default(),
            id,
        })
        .collect();
    let (step, to_runtime) = preflight(&to, &held, options.dry_run).await;
    let refused = step.status == Status::Failed;
    report.steps.push(step);
    let Some(to_runtime) = to_runtime.filter(|_| !refused) else {
        report.verdict = Verdict::Refused;
        return Ok(report);
    };

    // 2. Fence the old active.
    let held_ids: BTreeSet<ObjectId> = held.iter().map(|h| h.id.clone()).collect();
    let mut fenced: Vec<(String, String)> = Vec::new();
    let mut reached = true;
    if let Some(from) = &from {
        let (step, undeployed) =
            fence(repo, state_dir, from, &held_ids, &desired_to, options).await;
        fenced = undeployed;
        match step.status {
            Status::Unreachable => reached = false,
            Status::Failed => {
                report.steps.push(step);
                report.verdict = Verdict::Failed;
                return Ok(report);
            }
            _ => {}
        }
        report.steps.push(step);
    }

    failpoint::reach_async("failover:fenced").await;

    // 3. Deploy the held-back flows on the new active.
    let (step, started) = deploy_held(&to, &held, &to_runtime, options.dry_run).await;
    let deploy_failed = step.status == Status::Failed;
    report.steps.push(step);
    if options.dry_run {
        report.verdict = Verdict::Planned;
        return Ok(report);
    }
    if deploy_failed {
        let both_reachable = from.is_some() && reached;
        if both_reachable {
            report.steps.push(withdraw(&to, &started).await);
            if let Some(from) = &from {
                report.steps.push(deploy_back(from, &fenced).await);
            }
            report.verdict = Verdict::Failed;
            return Ok(report);
        }
    }

    failpoint::reach_async("failover:deployed").await;

    // 4. Record the roles and update the bases.
    let from_name = from.as_ref().map(|f| f.name.as_str());
    let record = roles.after_failover(&to.name, from_name, reached);
    let unchanged = roles.recorded()
        && roles
            .tenants()
            .iter()
            .all(|t| record.roles.get(t).is_none_or(|r| *r == roles.role(t)))
        && record.unfenced == roles.unfenced();
    let message = format!(
        "cpi-gitops: failover to {}{}",
        to.name,
        match (from_name, reached) {
            (Some(f), true) => format!(" from {f} (fenced)"),
            (Some(f), false) => format!(" from {f} (NOT fenced: unreachable)"),
            (None, _) => String::new(),
        }
    );
    let mut roles_recorded = true;
    if unchanged {
        report
            .steps
            .push(StepReport::new(Phase::RecordRoles, None, Status::Done).says("already recorded"));
    } else {
        match roles.write(repo, &record, &message) {
            Ok(()) => report.steps.push(
                StepReport::new(Phase::RecordRoles, None, Status::Done).says(roles_text(&record)),
            ),
            Err(e) => {
                roles_recorded = false;
                report.steps.push(
                    StepReport::new(Phase::RecordRoles, None, Status::Failed).says(e.to_string()),
                );
            }
        }
    }
    let mut bases_updated = true;
    let written: Vec<ObjectId> = started.iter().map(|(k, _)| flow_id(k)).collect();
    let step = update_base(repo, state_dir, &to, &desired_to, &written, limits).await;
    bases_updated &= step.status != Status::Failed;
    report.steps.push(step);
    if let (Some(from), true) = (&from, reached) {
        let written: Vec<ObjectId> = fenced.iter().map(|(k, _)| flow_id(k)).collect();
        let step = match Base::read(repo, &from.name)? {
            Some(base) => {
                let desired_from = desired::load(repo, &base.applied, state_dir, &from.name)?;
                update_base(repo, state_dir, from, &desired_from, &written, limits).await
            }
            None => StepReport::new(Phase::UpdateBase, Some(&from.name), Status::Skipped)
                .says("it has no base (never applied to): nothing to update"),
        };
        bases_updated &= step.status != Status::Failed;
        report.steps.push(step);
    }
    report.verdict = if deploy_failed || !roles_recorded || !bases_updated {
        Verdict::Failed
    } else if reached {
        Verdict::Switched
    } else {
        Verdict::SwitchedUnfenced
    };
    Ok(report)
}

fn flow_id(key: &str) -> ObjectId {
    ObjectId::new(Kind::IntegrationFlow, key)
}

fn roles_text(record: &super::roles::RolesRecord) -> String {
    let mut text = record
        .roles
        .iter()
        .map(|(t, r)| format!("{t}: {r}"))
        .collect::<Vec<_>>()
        .join(", ");
    if !record.unfenced.is_empty() {
        text.push_str(&format!(
            "; not fenced: {}",
            record
                .unfenced
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text
}

/// The new active holds every held-back flow at the version git has; its runtime, when so.
async fn preflight(
    to: &Twin,
    held: &[Held],
    dry_run: bool,
) -> (
    StepReport,
    Option<BTreeMap<String, IntegrationRuntimeArtifact>>,
) {
    let fail = |m: String| {
        (
            StepReport::new(Phase::Preflight, Some(&to.name), Status::Failed).says(m),
            None,
        )
    };
    let runtime = match to.client.runtime_artifacts().await {
        Ok(r) => r.into_iter().map(|r| (r.id.clone(), r)).collect(),
        Err(e) => return fail(format!("the new active cannot be read: {e}")),
    };
    let mut versions: BTreeMap<String, String> = BTreeMap::new();
    let packages: BTreeSet<&str> = held.iter().filter_map(|h| h.package.as_deref()).collect();
    for package in packages {
        match to
            .client
            .package_artifacts(package, ArtifactKind::IntegrationFlow)
            .await
        {
            Ok(artifacts) => versions.extend(artifacts.into_iter().map(|a| (a.id, a.version))),
            Err(e) if e.is_not_found() => {}
            Err(e) => return fail(format!("the new active cannot be read: {e}")),
        }
    }
    let mut step = StepReport::new(
        Phase::Preflight,
        Some(&to.name),
        if dry_run {
            Status::Planned
        } else {
            Status::Done
        },
    );
    let mut missing = 0;
    for h in held {
        let did = match versions.get(&h.id.key) {
            Some(v) if *v == h.version => FlowDid::Holds(v.clone()),
            Some(v) => {
                missing += 1;
                FlowDid::NotReady(format!(
                    "it has version {v}, its base records {}",
                    h.version
                ))
            }
            None => {
                missing += 1;
                FlowDid::NotReady(format!(
                    "it does not have it (its base records version {})",
                    h.version
                ))
            }
        };
        step.flows.push(FlowReport {
            flow: h.id.key.clone(),
            did,
        });
    }
    if missing > 0 {
        step.status = Status::Failed;
        step.message = Some(format!(
            "tenant `{}` does not hold {} at the version its base records: apply the committed state to it first; nothing was changed",
            to.name,
            crate::report::count(missing, "held-back flow", "held-back flows")
        ));
        return (step, None);
    }
    step.message = Some(format!(
        "{} to start",
        crate::report::count(held.len(), "held-back flow", "held-back flows")
    ));
    (step, Some(runtime))
}

/// Why the fence could not finish.
#[derive(Debug, thiserror::Error)]
enum FenceError {
    #[error(transparent)]
    Tenant(#[from] ClientError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Git(#[from] GitError),
}

impl FenceError {
    /// Whether it means the tenant is unreachable: no answer, or a 5xx.
    fn unreachable(&self) -> bool {
        match self {
            FenceError::Tenant(c) | FenceError::Write(WriteError::Tenant(c)) => unreachable(c),
            FenceError::Write(WriteError::UndeployTimeout(_)) => true,
            _ => false,
        }
    }
}

/// Whether a failed request means its tenant is unreachable: no answer (connection refused,
/// reset, timed out), or a 5xx after the client's retries. 401, 403 and other 4xx are answers.
fn unreachable(e: &ClientError) -> bool {
    match e {
        ClientError::Transport { .. } => true,
        ClientError::Http { status, .. } => status.is_server_error(),
        _ => false,
    }
}

/// Undeploys the old active's self-starting flows within the fence timeout; the flows undeployed
/// (id, version), to deploy back if the switch fails.
async fn fence(
    repo: &Repo,
    state_dir: &str,
    from: &Twin,
    held: &BTreeSet<ObjectId>,
    desired_to: &Desired,
    options: FailoverOptions,
) -> (StepReport, Vec<(String, String)>) {
    let work = async {
        let runtime = from.client.runtime_artifacts().await?;
        let mut targets = Vec::new();
        for r in runtime.iter().filter(|r| {
            r.kind
                .as_deref()
                .is_none_or(|k| k == ArtifactKind::IntegrationFlow.runtime_type())
        }) {
            let id = flow_id(&r.id);
            let by_itself = if held.contains(&id) {
                true
            } else {
                match starts::from_git(repo, &desired_to.state, state_dir, &id)? {
                    Known::Read(s) => s.by_itself(),
                    _ => match starts::from_tenant(&from.client, &r.id).await {
                        Ok(Known::Read(s)) => s.by_itself(),
                        Err(e) if unreachable(&e) => {
                            return Err(e.into());
                        }
                        // Cannot tell (configure-only content cannot be downloaded): fenced,
                        // as a passive twin holds it back.
                        _ => true,
                    },
                }
            };
            if by_itself {
                targets.push((r.id.clone(), r.version.clone()));
            }
        }
        if options.dry_run {
            return Ok::<_, FenceError>((targets, Vec::new()));
        }
        let tasks = targets
            .iter()
            .map(|(key, _)| {
                let (client, key, timing) = (from.client.clone(), key.clone(), from.timing);
                (key.clone(), async move {
                    deploy::undeploy_and_wait(&client, &key, timing).await
                })
            })
            .collect();
        let results = concurrently(tasks).await;
        Ok((targets, results))
    };
    let mut step = StepReport::new(Phase::Fence, Some(&from.name), Status::Done);
    let seconds = options.fence_timeout.as_secs_f64();
    let (targets, results) = match tokio::time::timeout(options.fence_timeout, work).await {
        Err(_) => {
            step.status = Status::Unreachable;
            step.message = Some(format!(
                "tenant `{}` did not answer within the fence timeout ({seconds} s): it may still be running its self-starting flows",
                from.name
            ));
            return (step, Vec::new());
        }
        Ok(Err(e)) => {
            step.status = if e.unreachable() {
                Status::Unreachable
            } else {
                Status::Failed
            };
            step.message = Some(if e.unreachable() {
                format!(
                    "tenant `{}` is unreachable ({e}): it may still be running its self-starting flows",
                    from.name
                )
            } else {
                format!(
                    "tenant `{}` refused the fence: {e}; nothing was deployed on the new active",
                    from.name
                )
            });
            return (step, Vec::new());
        }
        Ok(Ok(done)) => done,
    };
    if options.dry_run {
        step.status = Status::Planned;
        step.flows = targets
            .iter()
            .map(|(key, _)| FlowReport {
                flow: key.clone(),
                did: FlowDid::WouldUndeploy,
            })
            .collect();
        return (step, Vec::new());
    }
    let mut undeployed = Vec::new();
    let mut problem: Option<FenceError> = None;
    for (key, result) in results {
        let did = match result {
            Ok(()) => {
                if let Some(t) = targets.iter().find(|(k, _)| *k == key) {
                    undeployed.push(t.clone());
                }
                FlowDid::Undeployed
            }
            Err(e) => {
                let text = e.to_string();
                problem.get_or_insert(FenceError::Write(e));
                FlowDid::Failed(text)
            }
        };
        step.flows.push(FlowReport { flow: key, did });
    }
    step.flows.sort_by(|a, b| a.flow.cmp(&b.flow));
    if let Some(e) = problem {
        step.status = if e.unreachable() {
            Status::Unreachable
        } else {
            Status::Failed
        };
        step.message = Some(format!(
            "not every self-starting flow of tenant `{}` could be undeployed: {e}",
            from.name
        ));
    } else if targets.is_empty() {
        step.message = Some("no self-starting flow runs there".into());
    }
    (step, undeployed)
}

/// Deploys the held-back flows on the new active; the flows this deployed (id, version): started,
/// or failed (a failed deployment stays on the tenant in `ERROR`).
async fn deploy_held(
    to: &Twin,
    held: &[Held],
    runtime: &BTreeMap<String, IntegrationRuntimeArtifact>,
    dry_run: bool,
) -> (StepReport, Vec<(String, String)>) {
    let mut step = StepReport::new(
        Phase::Deploy,
        Some(&to.name),
        if dry_run {
            Status::Planned
        } else {
            Status::Done
        },
    );
    let mut tasks = Vec::new();
    for h in held {
        let current = runtime.get(&h.id.key);
        let running =
            current.is_some_and(|r| r.status == status::STARTED && r.version == h.version);
        if running {
            step.flows.push(FlowReport {
                flow: h.id.key.clone(),
                did: FlowDid::AlreadyThere,
            });
            continue;
        }
        if dry_run {
            step.flows.push(FlowReport {
                flow: h.id.key.clone(),
                did: FlowDid::WouldDeploy,
            });
            continue;
        }
        let d = Deploy {
            id: h.id.clone(),
            kind: ArtifactKind::IntegrationFlow,
            version: h.version.clone(),
            previous: current.and_then(|r| r.deployed_on.clone()),
        };
        let (client, timing) = (to.client.clone(), to.timing);
        tasks.push((h.id.key.clone(), async move {
            deploy::deploy_and_wait(&client, &d, timing).await
        }));
    }
    let mut started = Vec::new();
    let mut failed = 0;
    for (key, result) in concurrently(tasks).await {
        let version = held
            .iter()
            .find(|h| h.id.key == key)
            .map(|h| h.version.clone())
            .unwrap_or_default();
        let did = match result {
            Ok(()) => {
                started.push((key.clone(), version.clone()));
                FlowDid::Started(version)
            }
            Err(e) => {
                failed += 1;
                started.push((key.clone(), version.clone()));
                FlowDid::Failed(e.to_string())
            }
        };
        step.flows.push(FlowReport { flow: key, did });
    }
    step.flows.sort_by(|a, b| a.flow.cmp(&b.flow));
    if failed > 0 {
        step.status = Status::Failed;
        let errors: Vec<String> = step
            .flows
            .iter()
            .filter_map(|f| match &f.did {
                FlowDid::Failed(e) => Some(format!("{}: {e}", f.flow)),
                _ => None,
            })
            .collect();
        step.message = Some(format!(
            "{} did not start on tenant `{}`: {}",
            crate::report::count(failed, "held-back flow", "held-back flows"),
            to.name,
            errors.join("; ")
        ));
    }
    (step, started)
}

/// Undeploys on the new active what this failover deployed there (started or in `ERROR`).
async fn withdraw(to: &Twin, deployed: &[(String, String)]) -> StepReport {
    let tasks = deployed
        .iter()
        .map(|(key, _)| {
            let (client, key, timing) = (to.client.clone(), key.clone(), to.timing);
            (key.clone(), async move {
                if client.runtime_artifact(&key).await?.is_none() {
                    return Ok(());
                }
                deploy::undeploy_and_wait(&client, &key, timing).await
            })
        })
        .collect();
    let mut step = StepReport::new(Phase::Withdraw, Some(&to.name), Status::Done);
    for (key, result) in concurrently(tasks).await {
        let did = match result {
            Ok(()) => FlowDid::Undeployed,
            Err(e) => {
                step.status = Status::Failed;
                FlowDid::Failed(e.to_string())
            }
        };
        step.flows.push(FlowReport { flow: key, did });
    }
    step.flows.sort_by(|a, b| a.flow.cmp(&b.flow));
    step
}

/// Deploys the fenced flows again on the old active.
async fn deploy_back(from: &Twin, fenced: &[(String, String)]) -> StepReport {
    let tasks = fenced
        .iter()
        .map(|(key, version)| {
            let d = Deploy {
                id: flow_id(key),
                kind: ArtifactKind::IntegrationFlow,
                version: version.clone(),
                previous: None,
            };
            let (client, timing) = (from.client.clone(), from.timing);
            (key.clone(), async move {
                deploy::deploy_and_wait(&client, &d, timing).await
            })
        })
        .collect();
    let mut step = StepReport::new(Phase::DeployBack, Some(&from.name), Status::Done);
    for (key, result) in concurrently(tasks).await {
        let did = match result {
            Ok(()) => FlowDid::Started(
                fenced
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            ),
            Err(e) => {
                step.status = Status::Failed;
                FlowDid::Failed(e.to_string())
            }
        };
        step.flows.push(FlowReport { flow: key, did });
    }
    step.flows.sort_by(|a, b| a.flow.cmp(&b.flow));
    step.message = Some(if step.status == Status::Done {
        "the old active runs them again; the roles are unchanged".into()
    } else {
        "some fenced flows could not be deployed back: deploy them by hand".into()
    });
    step
}

/// Records `twin`'s base after the failover changed `written` there: those take what the tenant
/// has now; every other object keeps its entry (drift stays drift).
async fn update_base(
    repo: &Repo,
    state_dir: &str,
    twin: &Twin,
    desired: &Desired,
    written: &[ObjectId],
    limits: crate::store::content::Limits,
) -> StepReport {
    let step = |status| StepReport::new(Phase::UpdateBase, Some(&twin.name), status);
    let old = match Base::read(repo, &twin.name) {
        Ok(Some(b)) => b,
        Ok(None) => return step(Status::Skipped).says("it has no base: nothing to update"),
        Err(e) => return step(Status::Failed).says(e.to_string()),
    };
    let after = match live::read(
        repo,
        twin.client.clone(),
        &twin.name,
        Some(&old),
        state_dir,
        (desired.format, limits),
        std::sync::Arc::new(crate::read::Silent),
    )
    .await
    {
        Ok(a) => a,
        Err(e) => {
            return step(Status::Failed).says(format!(
                "tenant `{}` could not be read to update its base: {e}; run the failover again",
                twin.name
            ));
        }
    };
    let written: BTreeMap<ObjectId, Written> = written
        .iter()
        .map(|id| {
            (
                id.clone(),
                Written {
                    succeeded: true,
                    secrets: false,
                },
            )
        })
        .collect();
    let record = Base::after_apply(
        &twin.name,
        old.applied.clone(),
        &desired.state,
        after.observed(),
        true,
        Some(&old),
        &written,
    );
    match record.write(repo) {
        Ok(()) => step(Status::Done),
        Err(e) => step(Status::Failed).says(e.to_string()),
    }
}

/// Runs every task concurrently (the client's limit paces the requests); results in the order
/// tasks finish.
async fn concurrently<F>(tasks: Vec<(String, F)>) -> Vec<(String, Result<(), WriteError>)>
where
    F: Future<Output = Result<(), WriteError>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for (key, task) in tasks {
        set.spawn(async move { (key, task.await) });
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(r) => out.push(r),
            Err(e) => out.push((
                String::new(),
                Err(WriteError::Unexpected(format!(
                    "internal error: a deploy task ended: {e}"
                ))),
            )),
        }
    }
    out
}
