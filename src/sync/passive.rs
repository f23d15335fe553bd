//! A passive tenant (design.md section 8): it gets everything, and deploys the flows a caller
//! starts, but **holds back** the integration flows that start by themselves (a timer, a polling
//! or consuming sender channel: [`super::starts`]), so the twins never both poll the same folder
//! or run the same schedule. A held-back flow is desired *not deployed*: its `artifact.json` in
//! the desired state says `"Deployed": false`, so plan, apply and drift need no special case (a
//! held-back flow running on the passive is an update that undeploys it, and drift). A flow whose
//! start cannot be told is held back too: configure-only content, whose flow XML is SAP's (not in
//! git, and a tenant refuses to download it), SAP's standard content often being timer-started.
//! A failover deploys what was held back, so nothing is lost by erring this way.
//!
//! An override of `Deployed` in `overrides/<tenant>.json` is the one way to keep such a flow
//! deployed on a passive tenant (a configure-only flow you know to be push, or a JMS consumer of a
//! queue only that tenant's own flows fill): `{"integration-flow/<Id>": {"Deployed": true}}`.
//!
//! Before an apply to a passive tenant, [`check_roles`] compares the recorded roles with where the
//! self-starting flows actually run, and refuses when they contradict each other.

use super::desired::Desired;
use super::starts::{self, Known};
use super::target::Target;
use crate::client::{Client, ClientError};
use crate::git::{GitError, Repo};
use crate::model::{Kind, ObjectId};
use crate::wire::runtime::IntegrationRuntimeArtifact;
use serde_json::Value;
use std::collections::BTreeMap;

/// Why a flow is held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// It starts by itself: what starts it (`timer`, `SFTP`, ...), and the push adapters that can
    /// start it too (a mixed flow is held back whole).
    Starts {
        /// What starts it by itself.
        starters: Vec<String>,
        /// Push adapters it also has.
        push: Vec<String>,
    },
    /// How it starts cannot be told: why.
    Unknown(String),
}

/// A flow git deploys that a passive tenant holds back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBack {
    /// The integration flow.
    pub id: ObjectId,
    /// Its package.
    pub package: Option<String>,
    /// Its version in git.
    pub version: String,
    /// Why.
    pub hold: Hold,
    /// Whether it is deployed on the tenant now.
    pub running: bool,
}

impl HeldBack {
    /// Whether it also has a push sender.
    pub fn mixed(&self) -> bool {
        matches!(&self.hold, Hold::Starts { push, .. } if !push.is_empty())
    }

    /// Whether it is known to start by itself (not merely unknown).
    pub fn starts_by_itself(&self) -> bool {
        matches!(self.hold, Hold::Starts { .. })
    }
}

/// Why the flows could not be classified.
#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    /// Git failed.
    #[error(transparent)]
    Git(#[from] GitError),
}

/// The integration flows that `desired` deploys and that start by themselves, or whose start
/// cannot be told (configure-only content: SAP's flow XML is neither in git nor downloadable),
/// with why, in id order.
pub fn self_starting(
    repo: &Repo,
    desired: &Desired,
    state_dir: &str,
) -> Result<Vec<(ObjectId, Hold)>, HoldError> {
    let mut out = Vec::new();
    for (id, facts) in &desired.artifacts {
        if id.kind != Kind::IntegrationFlow || !facts.deployed {
            continue;
        }
        let hold = match starts::from_git(repo, &desired.state, state_dir, id)? {
            Known::Read(s) if s.by_itself() => Hold::Starts {
                starters: s.starters(),
                push: s.push_adapters(),
            },
            Known::Read(_) => continue,
            Known::NoContent if facts.read_only => Hold::Unknown(
                "configure-only content: its flow XML is SAP's, neither in git nor downloadable"
                    .into(),
            ),
            Known::NoContent => Hold::Unknown("its flow XML is not in git".into()),
            Known::Unreadable(file, reason) => Hold::Unknown(format!("{file}: {reason}")),
        };
        out.push((id.clone(), hold));
    }
    Ok(out)
}

/// A flow that starts by itself and by callers (a timer or poller beside an HTTPS, SOAP, IDoc...
/// sender): a passive twin holds it back whole, so its callers are served by the active tenant
/// only. Plan lists these on every tenant, so the runbook can account for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mixed {
    /// The integration flow.
    pub id: ObjectId,
    /// What starts it by itself.
    pub starters: Vec<String>,
    /// The push adapters that start it too.
    pub push: Vec<String>,
}

/// The mixed flows `target`'s revision deploys (or, on a passive target, holds back), in id
/// order.
pub fn mixed(target: &Target) -> Result<Vec<Mixed>, HoldError> {
    let found = if target.role == crate::config::Role::Passive {
        target
            .held_back
            .iter()
            .map(|h| (h.id.clone(), h.hold.clone()))
            .collect()
    } else {
        self_starting(&target.repo, &target.desired, &target.state_dir)?
    };
    Ok(found
        .into_iter()
        .filter_map(|(id, hold)| match hold {
            Hold::Starts { starters, push } if !push.is_empty() => {
                Some(Mixed { id, starters, push })
            }
            _ => None,
        })
        .collect())
}

/// Makes `target`'s desired state what a passive tenant should have: every flow git deploys that
/// starts by itself (or cannot be told) is desired undeployed, unless the tenant's overrides set
/// its `Deployed`, and listed in `target.held_back`.
pub fn hold_back(target: &mut Target) -> Result<(), HoldError> {
    let found = self_starting(&target.repo, &target.desired, &target.state_dir)?;
    let mut held = Vec::new();
    for (id, hold) in found {
        let overridden = target
            .desired
            .overridden
            .get(&id)
            .is_some_and(|fields| fields.iter().any(|f| f == "Deployed"));
        if overridden {
            continue;
        }
        undeploy_in(&target.repo, &mut target.desired, &id)?;
        let facts = target.desired.artifacts.get(&id);
        held.push(HeldBack {
            package: target
                .desired
                .state
                .objects
                .get(&id)
                .and_then(|o| o.parent.clone()),
            version: facts.map(|f| f.version.clone()).unwrap_or_default(),
            running: target.live.runtime.contains_key(&id.key),
            id,
            hold,
        });
    }
    if !held.is_empty() {
        let repo = &target.repo;
        target.desired.state =
            super::state::ObjectState::read(&target.desired.files, target.desired.format, |id| {
                repo.blob(id)
            })?;
    }
    target.held_back = held;
    target.role = crate::config::Role::Passive;
    Ok(())
}

/// Sets `"Deployed": false` in the desired `artifact.json` of `id`.
fn undeploy_in(repo: &Repo, desired: &mut Desired, id: &ObjectId) -> Result<(), GitError> {
    if let Some(facts) = desired.artifacts.get_mut(id) {
        facts.deployed = false;
    }
    let Some((path, blob)) = desired
        .state
        .objects
        .get(id)
        .and_then(|o| o.json())
        .map(|(p, b)| (p.clone(), *b))
    else {
        return Ok(());
    };
    let mut json: Value = serde_json::from_slice(&repo.blob(blob)?).unwrap_or(Value::Null);
    if let Some(map) = json.as_object_mut() {
        map.insert("Deployed".into(), Value::Bool(false));
        let new = repo.write_blob(&crate::wire::canonical::to_vec(&json))?;
        desired.files.insert(path, new);
    }
    Ok(())
}

/// A self-starting flow whose place contradicts the recorded roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misplaced {
    /// The flow.
    pub id: ObjectId,
    /// Whether it runs on the passive tenant (else: nowhere).
    pub on_passive: bool,
}

/// Why an apply to a passive tenant refuses after checking the roles.
#[derive(Debug, thiserror::Error)]
pub enum RoleCheckError {
    /// The active twin cannot be read.
    #[error(
        "cannot check the roles of passive tenant `{tenant}`: the active tenant `{active}` cannot be read"
    )]
    Unreadable {
        /// The passive tenant.
        tenant: String,
        /// The active twin.
        active: String,
        /// Why.
        #[source]
        source: ClientError,
    },
    /// Self-starting flows do not run on the active twin.
    #[error(
        "refusing to apply to passive tenant `{tenant}`: {} that {} by {} not run on the recorded active tenant `{active}`",
        crate::report::count(flows.len(), "flow", "flows"),
        if flows.len() == 1 { "starts" } else { "start" },
        if flows.len() == 1 { "itself does" } else { "themselves do" }
    )]
    Contradicts {
        /// The passive tenant.
        tenant: String,
        /// The recorded active twin.
        active: String,
        /// The flows.
        flows: Vec<Misplaced>,
    },
}

/// Checks the roles before an apply to the passive `target`: every flow it holds back because it
/// starts by itself must run on the active twin `active` (read through `client`). A flow that
/// runs nowhere, or only on the passive tenant, means the roles are stale (a clone without the
/// roles ref, a push that failed): refused, never guessed.
pub async fn check_roles(
    target: &Target,
    active: &str,
    client: &Client,
) -> Result<(), RoleCheckError> {
    let runtime: BTreeMap<String, IntegrationRuntimeArtifact> = client
        .runtime_artifacts()
        .await
        .map_err(|source| RoleCheckError::Unreadable {
            tenant: target.tenant.clone(),
            active: active.into(),
            source,
        })?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let flows: Vec<Misplaced> = target
        .held_back
        .iter()
        .filter(|h| h.starts_by_itself() && !runtime.contains_key(&h.id.key))
        .map(|h| Misplaced {
            id: h.id.clone(),
            on_passive: h.running,
        })
        .collect();
    if flows.is_empty() {
        Ok(())
    } else {
        Err(RoleCheckError::Contradicts {
            tenant: target.tenant.clone(),
            active: active.into(),
            flows,
        })
    }
}
