//! The base of a target tenant: what the last successful apply left there, recorded in git under
//! `refs/cpi-gitops/applied/<tenant>` (design.md section 5). It is a commit whose parent is the
//! applied revision (which keeps that revision reachable) and whose tree holds `base.json`:
//! the applied revision, every object's fingerprint as live on the target after the apply, the
//! fingerprint of the secrets that were written, the target's change markers of those secrets
//! (their `DeployedOn`), and the markers that let a read of the target skip downloads.

use crate::git::{GitError, Repo};
use crate::model::ObjectId;
use crate::store::marks::Marks;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The ref of a tenant's base.
pub fn ref_name(tenant: &str) -> String {
    format!("refs/cpi-gitops/applied/{tenant}")
}

/// What the base knows of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub tenant: String,
    /// The applied revision.
    pub applied: String,
    pub objects: BTreeMap<String, BaseObject>,
    /// Markers of the target (integration flows' versions and times; secrets' `DeployedOn`).
    pub marks: Marks,
}

impl Base {
    /// The base object of `id`.
    pub fn object(&self, id: &ObjectId) -> Option<&BaseObject> {
        self.objects.get(&id.to_string())
    }

    /// Reads the base of `tenant`; `None` before the first successful apply.
    pub fn read(repo: &Repo, tenant: &str) -> Result<Option<Base>, GitError> {
        let name = ref_name(tenant);
        let Ok(reference) = repo.raw().find_reference(&name) else {
            return Ok(None);
        };
        let commit = reference
            .peel_to_commit()
            .map_err(GitError::failed(format!("read {name}")))?;
        let tree = commit
            .tree()
            .map_err(GitError::failed(format!("read {name}")))?;
        let entry = tree.get_name("base.json").ok_or_else(|| GitError::Failed {
            action: format!("read {name}"),
            reason: "it has no base.json".into(),
        })?;
        let bytes = repo.blob(entry.id())?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| GitError::Failed {
                action: format!("read {name}"),
                reason: format!("base.json is not readable: {e}"),
            })
    }

    /// Records this base as `refs/cpi-gitops/applied/<tenant>`.
    pub fn write(&self, repo: &Repo) -> Result<(), GitError> {
        let name = ref_name(&self.tenant);
        let raw = repo.raw();
        let bytes = crate::wire::canonical::to_vec(&serde_json::to_value(self).unwrap_or_default());
        let blob = repo.write_blob(&bytes)?;
        let mut builder = raw
            .treebuilder(None)
            .map_err(GitError::failed(format!("write {name}")))?;
        builder
            .insert("base.json", blob, 0o100644)
            .map_err(GitError::failed(format!("write {name}")))?;
        let tree_id = builder
            .write()
            .map_err(GitError::failed(format!("write {name}")))?;
        let tree = raw
            .find_tree(tree_id)
            .map_err(GitError::failed(format!("write {name}")))?;
        let applied = git2::Oid::from_str(&self.applied)
            .and_then(|id| raw.find_commit(id))
            .map_err(GitError::failed(format!(
                "find the applied revision {}",
                self.applied
            )))?;
        let signature = raw
            .signature()
            .or_else(|_| git2::Signature::now("cpi-gitops", "cpi-gitops@localhost"))
            .map_err(GitError::failed("make a signature"))?;
        let message = format!(
            "cpi-gitops: applied {} to tenant {}",
            self.applied.chars().take(12).collect::<String>(),
            self.tenant
        );
        let commit = raw
            .commit(None, &signature, &signature, &message, &tree, &[&applied])
            .map_err(GitError::failed(format!("write {name}")))?;
        repo.set_ref(&name, commit, &message)
    }
}
