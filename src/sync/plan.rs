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

use super::base::{Base, BaseObject, runtime_state};
use super::desired::Desired;
use super::live::Live;
use super::state::ObjectFiles;
use crate::model::ObjectId;
use crate::model::kinds::artifact::Facts;
use crate::wire::runtime::{IntegrationRuntimeArtifact, status};
use std::fmt;

/// What an object needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    None,
    /// Create it on the target.
    Create,
    /// Update it on the target.
    Update,
    /// Delete it from the target (only with `--prune`).
    Delete,
}

/// Why an object differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretChange {
    /// The object has no secrets.
    NoSecrets,
    /// The secrets are as applied.
    Unchanged,
    /// The secrets will be written (changed in git, or never applied).
    Write,
}

/// A deployed artifact's runtime as the target has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeState {
    /// `STARTED`, `ERROR`, ...
    pub status: String,
    /// The deployed version.
    pub version: String,
}

impl RuntimeState {
    /// The runtime of a deployed artifact.
    pub fn of(r: &IntegrationRuntimeArtifact) -> RuntimeState {
        RuntimeState {
            status: r.status.clone(),
            version: r.version.clone(),
        }
    }
}

impl fmt::Display for RuntimeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at version {}", self.status, self.version)
    }
}

/// One object's verdict.
#[derive(Debug, Clone)]
pub struct Step {
    /// The object.
    pub id: ObjectId,
    /// What it needs.
    pub action: Action,
    /// Why.
    pub reason: Reason,
    /// What happens to its secrets.
    pub secrets: SecretChange,
    /// The secrets were re-saved on the target since the last apply.
    pub secrets_drifted: bool,
    /// Overridden fields of the desired object.
    pub overrides: Vec<String>,
    /// A deployed artifact's runtime that is not `STARTED` at the desired version.
    pub runtime: Option<RuntimeState>,
    /// Its files in git, when git has it.
    pub desired: Option<ObjectFiles>,
    /// Its files on the target, when the target has it.
    pub live: Option<ObjectFiles>,
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
#[derive(Debug, Clone)]
pub struct Plan {
    /// One step per object of either side.
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

/// What one object's verdict is made from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sides<'a> {
    /// The object in git.
    pub desired: Option<&'a ObjectFiles>,
    /// The object on the target.
    pub live: Option<&'a ObjectFiles>,
    /// Whether the target has a base at all.
    pub has_base: bool,
    /// What the base records of the object.
    pub base: Option<&'a BaseObject>,
    /// The target's change marker of the object's secrets.
    pub marker: Option<&'a str>,
    /// A desired artifact's facts.
    pub facts: Option<&'a Facts>,
    /// The object's runtime on the target (artifacts).
    pub runtime: Option<&'a IntegrationRuntimeArtifact>,
    /// An apply that was cut short (killed) was writing the object: what the target has of it
    /// is that apply's own work, not drift.
    pub interrupted: bool,
}

/// One object's verdict, apart from its id and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What it needs.
    pub action: Action,
    /// Why.
    pub reason: Reason,
    /// What happens to its secrets.
    pub secrets: SecretChange,
    /// Its secrets were re-saved on the target since the last apply.
    pub secrets_drifted: bool,
    /// Its runtime, when it is not as git has it.
    pub runtime: Option<RuntimeState>,
}

/// Classifies one object (the table in the module docs).
pub fn classify(s: &Sides) -> Verdict {
    let (d, l, b) = (s.desired, s.live, s.base);
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
    let secrets_drifted = has_secrets
        && l.is_some()
        && b.is_some_and(|b| !b.marker.is_empty() && Some(b.marker.as_str()) != s.marker);
    let reason = if action == Action::None && secrets != SecretChange::Write && !secrets_drifted {
        Reason::InSync
    } else {
        match (s.has_base, b) {
            (false, _) => Reason::NeverApplied,
            (true, Some(b)) => {
                let live_as_applied =
                    l_fp.as_deref() == Some(b.fingerprint.as_str()) && !secrets_drifted;
                if live_as_applied || s.interrupted {
                    Reason::Pending
                } else {
                    Reason::Drifted
                }
            }
            (true, None) if l.is_none() || s.interrupted => Reason::Pending,
            (true, None) if d.is_none() => Reason::Drifted,
            (true, None) => Reason::NeverApplied,
        }
    };
    let secrets = if secrets_drifted && secrets == SecretChange::Unchanged {
        SecretChange::Write
    } else {
        secrets
    };
    let runtime = match (s.facts, s.runtime) {
        (Some(facts), Some(r))
            if facts.deployed
                && l.is_some()
                && (r.status != status::STARTED || r.version != facts.version) =>
        {
            Some(RuntimeState::of(r))
        }
        _ => None,
    };
    let runtime_as_applied = match (b, s.runtime) {
        (Some(b), Some(r)) => b.runtime == runtime_state(r),
        _ => false,
    };
    let reason = match (reason, &runtime) {
        (Reason::InSync, Some(_)) if runtime_as_applied || s.interrupted => Reason::Pending,
        (Reason::InSync, Some(_)) if s.has_base => Reason::Drifted,
        (Reason::InSync, Some(_)) => Reason::NeverApplied,
        (r, _) => r,
    };
    let action = if action == Action::None && (secrets == SecretChange::Write || runtime.is_some())
    {
        Action::Update
    } else {
        action
    };
    Verdict {
        action,
        reason,
        secrets,
        secrets_drifted,
        runtime,
    }
}

/// Classifies every object of either side.
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
        let verdict = classify(&Sides {
            desired: d,
            live: l,
            has_base: base.is_some(),
            base: base.and_then(|b| b.object(id)),
            marker: live
                .marks
                .secrets
                .get(&id.to_string())
                .map(|m| m.changed.as_str()),
            facts: desired.artifacts.get(id),
            runtime: live.runtime.get(&id.key),
            interrupted: base.is_some_and(|b| b.was_interrupted(id)),
        });
        steps.push(Step {
            id: id.clone(),
            action: verdict.action,
            reason: verdict.reason,
            secrets: verdict.secrets,
            secrets_drifted: verdict.secrets_drifted,
            overrides: desired.overridden.get(id).cloned().unwrap_or_default(),
            runtime: verdict.runtime,
            desired: d.cloned(),
            live: l.cloned(),
        });
    }
    Plan {
        steps,
        has_base: base.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::state::testing::files;

    fn base_of(live: &ObjectFiles, desired: &ObjectFiles, marker: &str) -> BaseObject {
        BaseObject {
            fingerprint: live.fingerprint(),
            secrets: desired.secrets_fingerprint(),
            marker: marker.into(),
            runtime: String::new(),
        }
    }

    #[test]
    fn what_an_interrupted_apply_was_writing_is_pending_not_drift() {
        let (desired, live, applied) = (files(1, None), files(2, None), files(3, None));
        let b = base_of(&applied, &desired, "");
        let sides = |interrupted| Sides {
            desired: Some(&desired),
            live: Some(&live),
            has_base: true,
            base: Some(&b),
            interrupted,
            ..Default::default()
        };
        assert_eq!(classify(&sides(false)).reason, Reason::Drifted);
        let v = classify(&sides(true));
        assert_eq!((v.action, v.reason), (Action::Update, Reason::Pending));
        let created = Sides {
            live: Some(&live),
            desired: Some(&desired),
            has_base: true,
            interrupted: true,
            ..Default::default()
        };
        assert_eq!(classify(&created).reason, Reason::Pending);
    }

    /// desired, live, has a base, base object -> action, reason
    type Row<'a> = (
        Option<&'a ObjectFiles>,
        Option<&'a ObjectFiles>,
        bool,
        Option<&'a BaseObject>,
        Action,
        Reason,
    );

    #[test]
    fn objects_are_classified_by_desired_live_and_base() {
        let (a, b) = (files(1, None), files(2, None));
        let (base_a, base_b) = (base_of(&a, &a, ""), base_of(&b, &b, ""));
        let (a, b, ba, bb) = (Some(&a), Some(&b), Some(&base_a), Some(&base_b));
        use Reason::*;
        let table: Vec<Row> = vec![
            (a, a, true, ba, Action::None, InSync),
            (a, a, false, None, Action::None, InSync),
            (a, None, true, None, Action::Create, Pending),
            (a, None, true, ba, Action::Create, Drifted),
            (None, a, true, ba, Action::Delete, Pending),
            (None, a, true, None, Action::Delete, Drifted),
            (b, a, true, ba, Action::Update, Pending),
            (b, a, true, bb, Action::Update, Drifted),
            (b, a, true, None, Action::Update, NeverApplied),
            (b, a, false, None, Action::Update, NeverApplied),
            (a, None, false, None, Action::Create, NeverApplied),
        ];
        for (i, (desired, live, has_base, base, action, reason)) in table.into_iter().enumerate() {
            let v = classify(&Sides {
                desired,
                live,
                has_base,
                base,
                ..Default::default()
            });
            assert_eq!((v.action, v.reason), (action, reason), "row {i}");
        }
    }

    #[test]
    fn secrets_are_judged_by_their_files_and_the_targets_marker() {
        let d = files(1, Some(7));
        let changed = files(1, Some(8));
        let applied = base_of(&d, &d, "m1");
        let sides = |desired, marker| Sides {
            desired: Some(desired),
            live: Some(&d),
            has_base: true,
            base: Some(&applied),
            marker,
            ..Default::default()
        };
        let same = classify(&sides(&d, Some("m1")));
        assert_eq!(
            (same.action, same.reason, same.secrets),
            (Action::None, Reason::InSync, SecretChange::Unchanged)
        );
        let pending = classify(&sides(&changed, Some("m1")));
        assert_eq!(
            (pending.action, pending.reason, pending.secrets),
            (Action::Update, Reason::Pending, SecretChange::Write)
        );
        let resaved = classify(&sides(&d, Some("m2")));
        assert_eq!(
            (
                resaved.action,
                resaved.reason,
                resaved.secrets,
                resaved.secrets_drifted
            ),
            (Action::Update, Reason::Drifted, SecretChange::Write, true)
        );
        let never = classify(&Sides {
            desired: Some(&d),
            live: Some(&d),
            ..Default::default()
        });
        assert_eq!(
            (never.action, never.reason, never.secrets),
            (Action::Update, Reason::NeverApplied, SecretChange::Write)
        );
    }

    #[test]
    fn a_deployed_artifact_not_started_at_its_version_is_an_update() {
        let a = files(1, None);
        let facts = Facts {
            deployed: true,
            version: "1.0.1".into(),
            read_only: false,
        };
        let runtime = IntegrationRuntimeArtifact {
            id: "U".into(),
            version: "1.0.0".into(),
            status: status::STARTED.into(),
            ..Default::default()
        };
        let applied = base_of(&a, &a, "");
        let started = BaseObject {
            runtime: runtime_state(&runtime),
            ..applied.clone()
        };
        let sides = |base| Sides {
            desired: Some(&a),
            live: Some(&a),
            has_base: true,
            base: Some(base),
            facts: Some(&facts),
            runtime: Some(&runtime),
            ..Default::default()
        };
        let v = classify(&sides(&applied));
        assert_eq!((v.action, v.reason), (Action::Update, Reason::Drifted));
        assert_eq!(v.runtime.unwrap().to_string(), "STARTED at version 1.0.0");
        let v = classify(&sides(&started));
        assert_eq!(
            (v.action, v.reason),
            (Action::Update, Reason::Pending),
            "a runtime as the last apply left it is pending"
        );
    }
}
