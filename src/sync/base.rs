//! The base of a target tenant: what the last successful apply left there, recorded in git under
//! `refs/cpi-gitops/applied/<tenant>` (design.md section 5). It is a commit whose parent is the
//! applied revision (which keeps that revision reachable) and whose tree holds `base.json`:
//! the applied revision, every object's fingerprint as live on the target after the apply, the
//! fingerprint of the secrets that were written, the target's change markers of those secrets
//! (their `DeployedOn`), and the markers that let a read of the target skip downloads.
//!
//! **Progress**: before its first write, apply records the objects it is about to write as
//! `in_progress` (with the revision), and the pipeline can push the ref then; it journals each
//! object as written (`crate::interrupt`) and records the final base after the run. An apply that
//! was killed leaves `in_progress`: what the target has of those objects is that apply's own work,
//! not drift, so running apply again converges without `--overwrite-drift` (plan classifies them
//! as pending). The next command folds the killed run's journal in ([`Base::record_written`]):
//! the objects it wrote are recorded as git has them and leave `in_progress`. An object leaves
//! `in_progress` once a later apply writes it or finds it equal to git.

use super::state::ObjectState;
use crate::git::{GitError, Repo};
use crate::model::ObjectId;
use crate::store::marks::Marks;
use crate::wire::runtime::IntegrationRuntimeArtifact;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The ref of a tenant's base.
pub fn ref_name(tenant: &str) -> String {
    format!("refs/cpi-gitops/applied/{tenant}")
}

/// The file in the base commit's tree.
const FILE: &str = "base.json";

/// What the base knows of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseObject {
    /// [`super::state::ObjectFiles::fingerprint`] of the object as read from the target.
    pub fingerprint: String,
    /// Fingerprint of the secret files that were written (empty when none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secrets: String,
    /// The target's change marker of the secrets after the apply.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub marker: String,
    /// A deployed artifact's runtime after the apply, `STATUS@version` (a failed deploy left by
    /// the apply is not drift).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub runtime: String,
}

/// The base of one tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    /// The tenant.
    pub tenant: String,
    /// The applied revision.
    pub applied: String,
    /// Every object as the last apply left it, by id.
    pub objects: BTreeMap<String, BaseObject>,
    /// Markers of the target (integration flows' versions and times; secrets' `DeployedOn`).
    pub marks: Marks,
    /// Objects an apply was writing when it was cut short (or is writing now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<InProgress>,
}

/// The objects an apply is about to write (recorded before its first write).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InProgress {
    /// The revision being applied.
    pub revision: String,
    /// When the apply started (RFC 3339).
    pub started: String,
    /// The objects, by id.
    pub objects: std::collections::BTreeSet<String>,
}

/// A runtime artifact's state as the base records it: `STATUS@version`.
pub fn runtime_state(r: &IntegrationRuntimeArtifact) -> String {
    format!("{}@{}", r.status, r.version)
}

/// The target as read after an apply (or before, when that read failed).
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// Its objects.
    pub state: &'a ObjectState,
    /// Its markers.
    pub marks: &'a Marks,
    /// Its runtime artifacts by id.
    pub runtime: &'a BTreeMap<String, IntegrationRuntimeArtifact>,
}

/// What an apply did to one object, as recording the base needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Every write of the object succeeded.
    pub succeeded: bool,
    /// Its secrets were among what was written.
    pub secrets: bool,
}

impl Base {
    /// The base object of `id`.
    pub fn object(&self, id: &ObjectId) -> Option<&BaseObject> {
        self.objects.get(&id.to_string())
    }

    /// Whether an apply that did not finish was writing `id`.
    pub fn was_interrupted(&self, id: &ObjectId) -> bool {
        self.in_progress
            .as_ref()
            .is_some_and(|p| p.objects.contains(&id.to_string()))
    }

    /// This base with `objects` (ids) added to those in progress, toward `revision`: what apply
    /// records before its first write.
    pub fn with_intent(&self, revision: &str, objects: impl IntoIterator<Item = String>) -> Base {
        let mut next = self.clone();
        let progress = next.in_progress.get_or_insert_with(Default::default);
        progress.revision = revision.to_string();
        progress.started = crate::interrupt::lock::now();
        progress.objects.extend(objects);
        next
    }

    /// Records the objects a killed apply journaled as written (`(id, secrets written)`), as
    /// `desired` (the revision it applied) has them, their secrets' markers unknown (not judged);
    /// they leave `in_progress`.
    pub fn record_written(&mut self, desired: &ObjectState, written: &[(String, bool)]) {
        for (key, secrets) in written {
            let wanted = ObjectId::parse(key).and_then(|id| desired.objects.get(&id));
            match wanted {
                Some(d) => {
                    let entry = self.objects.entry(key.clone()).or_default();
                    entry.fingerprint = d.fingerprint();
                    if *secrets {
                        entry.secrets = d.secrets_fingerprint();
                        entry.marker.clear();
                    }
                }
                None => {
                    self.objects.remove(key);
                }
            }
            if let Some(p) = &mut self.in_progress {
                p.objects.remove(key);
            }
        }
        if self
            .in_progress
            .as_ref()
            .is_some_and(|p| p.objects.is_empty())
        {
            self.in_progress = None;
        }
    }

    /// Reads the base of `tenant`; `None` before the first successful apply.
    pub fn read(repo: &Repo, tenant: &str) -> Result<Option<Base>, GitError> {
        let name = ref_name(tenant);
        let Some(bytes) = repo.ref_file(&name, FILE)? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| GitError::Failed {
                action: format!("read {name}"),
                reason: format!("{FILE} is not readable: {e}"),
            })
    }

    /// Records this base as `refs/cpi-gitops/applied/<tenant>` (a commit whose parent is the
    /// applied revision, or the revision in progress before the first apply finished).
    pub fn write(&self, repo: &Repo) -> Result<(), GitError> {
        let bytes = crate::wire::canonical::to_vec(&serde_json::to_value(self).unwrap_or_default());
        let (message, parent) = match &self.in_progress {
            Some(p) => (
                format!(
                    "cpi-gitops: applying {} to tenant {} ({} objects in progress)",
                    p.revision.chars().take(12).collect::<String>(),
                    self.tenant,
                    p.objects.len()
                ),
                if self.applied.is_empty() {
                    p.revision.as_str()
                } else {
                    self.applied.as_str()
                },
            ),
            None => (
                format!(
                    "cpi-gitops: applied {} to tenant {}",
                    self.applied.chars().take(12).collect::<String>(),
                    self.tenant
                ),
                self.applied.as_str(),
            ),
        };
        repo.write_ref_commit(&ref_name(&self.tenant), &[(FILE, &bytes)], parent, &message)
    }

    /// The base an apply leaves. An object's entry moves to what is on the target now only when
    /// this apply wrote it (successfully or not: what it left is not drift) or when it equals
    /// git; every other object keeps its old entry, so a change made on the target outside git
    /// stays drift. `after` is the target read after the writes, or, when that read failed
    /// (`verified` false), the read before them: objects written successfully are then recorded
    /// as git has them (their secrets' change markers unknown, so not judged).
    pub fn after_apply(
        tenant: &str,
        applied: String,
        desired: &ObjectState,
        after: Observed<'_>,
        verified: bool,
        old: Option<&Base>,
        written: &BTreeMap<ObjectId, Written>,
    ) -> Base {
        let mut record = Base {
            tenant: tenant.into(),
            applied,
            objects: BTreeMap::new(),
            marks: after.marks.clone(),
            in_progress: old.and_then(|b| b.in_progress.clone()),
        };
        let mut ids: Vec<&ObjectId> = after
            .state
            .objects
            .keys()
            .chain(desired.objects.keys())
            .collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let key = id.to_string();
            let previous = old.and_then(|b| b.object(id));
            let wanted = desired.objects.get(id);
            let done = written.get(id);
            let succeeded = done.is_some_and(|w| w.succeeded);
            let wrote_secrets = succeeded && done.is_some_and(|w| w.secrets);
            let secrets = match (wanted, wrote_secrets) {
                (Some(d), true) => d.secrets_fingerprint(),
                (Some(d), false) if !d.secrets.is_empty() => {
                    previous.map(|o| o.secrets.clone()).unwrap_or_default()
                }
                _ => String::new(),
            };
            if !verified && succeeded {
                if let Some(p) = &mut record.in_progress {
                    p.objects.remove(&key);
                }
                if let Some(d) = wanted {
                    record.objects.insert(
                        key,
                        BaseObject {
                            fingerprint: d.fingerprint(),
                            secrets,
                            ..Default::default()
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
            if done.is_none() && !equals_git {
                if let Some(previous) = previous {
                    record.objects.insert(key, previous.clone());
                }
                continue;
            }
            if succeeded || equals_git {
                if let Some(p) = &mut record.in_progress {
                    p.objects.remove(&key);
                }
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
                .map(runtime_state)
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
        if let Some(p) = &mut record.in_progress {
            // Deleted objects are in neither state.
            for (id, w) in written {
                if w.succeeded {
                    p.objects.remove(&id.to_string());
                }
            }
        }
        if record
            .in_progress
            .as_ref()
            .is_some_and(|p| p.objects.is_empty())
        {
            record.in_progress = None;
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use crate::store::marks::SecretMark;
    use crate::sync::state::ObjectFiles;
    use crate::sync::state::testing::files;

    fn state(objects: Vec<(&ObjectId, ObjectFiles)>) -> ObjectState {
        ObjectState {
            objects: objects.into_iter().map(|(i, f)| (i.clone(), f)).collect(),
            ..Default::default()
        }
    }

    struct Seen {
        state: ObjectState,
        marks: Marks,
        runtime: BTreeMap<String, IntegrationRuntimeArtifact>,
    }

    impl Seen {
        fn observed(&self) -> Observed<'_> {
            Observed {
                state: &self.state,
                marks: &self.marks,
                runtime: &self.runtime,
            }
        }
    }

    fn live(objects: Vec<(&ObjectId, ObjectFiles)>, marker: Option<&str>) -> Seen {
        let mut marks = Marks::default();
        if let (Some(m), Some((id, _))) = (marker, objects.first()) {
            marks.secrets.insert(
                id.to_string(),
                SecretMark {
                    changed: m.into(),
                    ..Default::default()
                },
            );
        }
        Seen {
            state: state(objects),
            marks,
            runtime: Default::default(),
        }
    }

    #[test]
    fn written_objects_take_what_the_target_has_now_and_others_keep_their_entry() {
        let (u, v) = (
            ObjectId::new(Kind::UserCredential, "U"),
            ObjectId::new(Kind::UserCredential, "V"),
        );
        let desired = state(vec![(&u, files(1, Some(9))), (&v, files(3, None))]);
        let old_v = BaseObject {
            fingerprint: files(2, None).fingerprint(),
            ..Default::default()
        };
        let old = Base {
            objects: [(v.to_string(), old_v.clone())].into(),
            ..Default::default()
        };
        // U was written with its secret; V changed on the target outside git and was not written.
        let after = live(vec![(&u, files(1, None)), (&v, files(4, None))], Some("m2"));
        let written = [(
            u.clone(),
            Written {
                succeeded: true,
                secrets: true,
            },
        )]
        .into();
        let base = Base::after_apply(
            "t",
            "c".into(),
            &desired,
            after.observed(),
            true,
            Some(&old),
            &written,
        );
        let bu = base.object(&u).unwrap();
        assert_eq!(bu.fingerprint, files(1, None).fingerprint());
        assert_eq!(bu.secrets, files(1, Some(9)).secrets_fingerprint());
        assert_eq!(bu.marker, "m2");
        assert_eq!(
            base.object(&v),
            Some(&old_v),
            "drift outside git stays drift"
        );
    }

    #[test]
    fn objects_equal_to_git_are_recorded_and_a_failed_secret_write_keeps_the_old_fingerprint() {
        let u = ObjectId::new(Kind::UserCredential, "U");
        let desired = state(vec![(&u, files(1, Some(9)))]);
        let old = Base {
            objects: [(
                u.to_string(),
                BaseObject {
                    fingerprint: "old".into(),
                    secrets: "old-secrets".into(),
                    ..Default::default()
                },
            )]
            .into(),
            ..Default::default()
        };
        let after = live(vec![(&u, files(1, None))], None);
        let failed = [(
            u.clone(),
            Written {
                succeeded: false,
                secrets: true,
            },
        )]
        .into();
        let base = Base::after_apply(
            "t",
            "c".into(),
            &desired,
            after.observed(),
            true,
            Some(&old),
            &failed,
        );
        let bu = base.object(&u).unwrap();
        assert_eq!(bu.fingerprint, files(1, None).fingerprint());
        assert_eq!(bu.secrets, "old-secrets");
        let untouched = Base::after_apply(
            "t",
            "c".into(),
            &desired,
            after.observed(),
            true,
            None,
            &BTreeMap::new(),
        );
        assert_eq!(
            untouched.object(&u).map(|b| b.fingerprint.clone()),
            Some(files(1, None).fingerprint()),
            "an object equal to git is recorded even when not written"
        );
    }

    #[test]
    fn without_verification_written_objects_are_recorded_as_git_has_them() {
        let u = ObjectId::new(Kind::UserCredential, "U");
        let desired = state(vec![(&u, files(1, None))]);
        let before = live(vec![], None);
        let written = [(
            u.clone(),
            Written {
                succeeded: true,
                secrets: false,
            },
        )]
        .into();
        let base = Base::after_apply(
            "t",
            "c".into(),
            &desired,
            before.observed(),
            false,
            None,
            &written,
        );
        assert_eq!(
            base.object(&u).unwrap().fingerprint,
            files(1, None).fingerprint()
        );
        let unwritten = Base::after_apply(
            "t",
            "c".into(),
            &desired,
            before.observed(),
            false,
            None,
            &BTreeMap::new(),
        );
        assert!(unwritten.objects.is_empty());
    }
}
