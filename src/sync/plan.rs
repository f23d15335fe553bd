//! Classifying objects: desired (git) vs live (target) vs base (last apply).
//!
//! | desired | live | base | verdict |
//! |---|---|---|---|
//! | = live | = desired | any | in sync |
//! | present | absent | no base object | pending in git: create |
//! | present | absent | base object | drifted (deleted on the target): create |
//! | absent | present | base object equal to live | pending in git: delete (with `--prune`) |
//! | absent | present | no base object | drifted (created on the target): delete (with `--prune`) |
//! | ≠ live | present | base equal to live | pending in git: update |
//! | ≠ live | present | base ≠ live | drifted (changed on the target): update |
//!
//! Without any base (a first sync, a restore onto an empty tenant) every difference is "never
//! applied". Secrets are judged by metadata: the fingerprint of the desired `.age` files against
//! the one applied (pending), and the target's change marker against the one recorded after the
//! apply (drifted: re-saved on the target).

use super::base::Base;
use super::desired::Desired;
use super::live::Live;
use super::state::ObjectFiles;
use crate::model::ObjectId;
use crate::wire::runtime::status;
use serde::Serialize;

/// What an object needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    None,
    Create,
    Update,
    Delete,
}

/// Why an object differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Equal on both sides.
    InSync,
    /// Changed in git since the last apply; the target is as the last apply left it.
    Pending,
    /// Changed on the target since the last apply.
    Drifted,
    /// No base to tell (first sync or restore).
    NeverApplied,
}

/// What happens to an object's secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretChange {
    /// The object has no secrets.
    NoSecrets,
    /// The secrets are as applied.
    Unchanged,
    /// The secrets will be written (changed in git, or never applied).
    Write,
}

/// One object's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    #[serde(serialize_with = "as_string")]
    pub id: ObjectId,
    pub action: Action,
    pub reason: Reason,
    pub secrets: SecretChange,
    /// The secrets were re-saved on the target since the last apply.
    pub secrets_drifted: bool,
    /// Overridden fields of the desired object.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// A deployed artifact's runtime is not `STARTED` at the desired version (what it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(skip)]
    pub desired: Option<ObjectFiles>,
    #[serde(skip)]
    pub live: Option<ObjectFiles>,
}

fn as_string<S: serde::Serializer>(id: &ObjectId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&id.to_string())
}

impl Step {
    /// Whether the step changes anything.
    pub fn is_change(&self) -> bool {
        self.action != Action::None || self.secrets == SecretChange::Write
    }

    /// Whether apply must refuse it without `--overwrite-drift`.
    pub fn needs_overwrite(&self) -> bool {
        self.is_change() && matches!(self.reason, Reason::Drifted | Reason::NeverApplied)
    }
}

/// Every object's verdict, in the order of the state (ids sorted).
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Whether the target has a base.
    pub has_base: bool,
}

impl Plan {
    /// The steps that change something.
    pub fn changes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.is_change())
    }

    /// The steps apply refuses without `--overwrite-drift`.
    pub fn drifted(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.needs_overwrite())
    }
}

/// A runtime artifact's state as the base records it: `STATUS@version`.
pub fn runtime_state(r: &crate::wire::runtime::IntegrationRuntimeArtifact) -> String {
    format!("{}@{}", r.status, r.version)
}

/// Classifies every object.
pub fn plan(desired: &Desired, live: &Live, base: Option<&Base>) -> Plan {
    let mut ids: Vec<&ObjectId> = desired
        .state
        .objects
        .keys()
        .chain(live.state.objects.keys())
        .collect();
    ids.sort();
    ids.dedup();
    let mut steps = Vec::with_capacity(ids.len());
    for id in ids {
        let d = desired.state.objects.get(id);
        let l = live.state.objects.get(id);
        let b = base.and_then(|b| b.object(id));
        let d_fp = d.map(ObjectFiles::fingerprint);
        let l_fp = l.map(ObjectFiles::fingerprint);
        let action = match (d, l) {
            (Some(_), None) => Action::Create,
            (None, Some(_)) => Action::Delete,
            (Some(_), Some(_)) if d_fp != l_fp => Action::Update,
            _ => Action::None,
        };
        let has_secrets = d.is_some_and(|d| !d.secrets.is_empty());
        let secrets = match (d, b) {
            (Some(d), _) if d.secrets.is_empty() => SecretChange::NoSecrets,
            (None, _) => SecretChange::NoSecrets,
            (Some(d), Some(b)) if b.secrets == d.secrets_fingerprint() && l.is_some() => {
                SecretChange::Unchanged
            }
            (Some(_), _) => SecretChange::Write,
        };
        let marker = live
            .marks
            .secrets
            .get(&id.to_string())
            .map(|m| m.changed.as_str());
        let secrets_drifted = has_secrets
            && l.is_some()
            && b.is_some_and(|b| !b.marker.is_empty() && Some(b.marker.as_str()) != marker);
        let reason = if action == Action::None && secrets != SecretChange::Write && !secrets_drifted
        {
            Reason::InSync
        } else {
            match (base, b) {
                (None, _) => Reason::NeverApplied,
                (Some(_), Some(b)) => {
                    let live_as_applied =
                        l_fp.as_deref() == Some(b.fingerprint.as_str()) && !secrets_drifted;
                    if live_as_applied {
                        Reason::Pending
                    } else {
                        Reason::Drifted
                    }
                }
                (Some(_), None) if l.is_none() => Reason::Pending,
                (Some(_), None) if d.is_none() => Reason::Drifted,
                (Some(_), None) => Reason::NeverApplied,
            }
        };
        let secrets = if secrets_drifted && secrets == SecretChange::Unchanged {
            SecretChange::Write
        } else {
            secrets
        };
        let runtime = match (desired.artifacts.get(id), live.runtime.get(&id.key)) {
            (Some(facts), Some(r))
                if facts.deployed
                    && l.is_some()
                    && (r.status != status::STARTED || r.version != facts.version) =>
            {
                Some(format!("{} at version {}", r.status, r.version))
            }
            _ => None,
        };
        let runtime_as_applied = match (b, live.runtime.get(&id.key)) {
            (Some(b), Some(r)) => b.runtime == runtime_state(r),
            _ => false,
        };
        let reason = match (reason, &runtime) {
            (Reason::InSync, Some(_)) if runtime_as_applied => Reason::Pending,
            (Reason::InSync, Some(_)) if base.is_some() => Reason::Drifted,
            (Reason::InSync, Some(_)) => Reason::NeverApplied,
            (r, _) => r,
        };
        let action =
            if action == Action::None && (secrets == SecretChange::Write || runtime.is_some()) {
                Action::Update
            } else {
                action
            };
        steps.push(Step {
            id: id.clone(),
            action,
            reason,
            secrets,
            secrets_drifted,
            overrides: desired.overridden.get(id).cloned().unwrap_or_default(),
            runtime,
            desired: d.cloned(),
            live: l.cloned(),
        });
    }
    Plan {
        steps,
        has_base: base.is_some(),
    }
}
