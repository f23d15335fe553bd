//! Refs outside the branches (`refs/cpi-gitops/...`): each points at a commit of its own whose
//! tree holds a few bookkeeping files, and whose parent keeps a revision reachable.

use super::{GitError, Repo};
use git2::Oid;

impl Repo {
    /// The file `name` of the commit `reference` points at; `None` when the ref does not exist.
    pub fn ref_file(&self, reference: &str, name: &str) -> Result<Option<Vec<u8>>, GitError> {
        let Ok(found) = self.repo.find_reference(reference) else {
            return Ok(None);
        };
        let action = format!("read {reference}");
        let commit = found
            .peel_to_commit()
            .map_err(GitError::failed(action.clone()))?;
        let tree = commit.tree().map_err(GitError::failed(action.clone()))?;
        let entry = tree.get_name(name).ok_or_else(|| GitError::Failed {
            action,
            reason: format!("it has no {name}"),
        })?;
        self.blob(super::BlobId(entry.id())).map(Some)
    }

    /// Points `reference` (forced) at a new commit whose tree holds `files` and whose parent is
    /// the commit `parent` (a full hash), with `message`.
    pub fn write_ref_commit(
        &self,
        reference: &str,
        files: &[(&str, &[u8])],
        parent: &str,
        message: &str,
    ) -> Result<(), GitError> {
        let action = format!("write {reference}");
        let mut builder = self
            .repo
            .treebuilder(None)
            .map_err(GitError::failed(action.clone()))?;
        for (name, bytes) in files {
            let blob = self.write_blob(bytes)?;
            builder
                .insert(name, blob.0, 0o100644)
                .map_err(GitError::failed(action.clone()))?;
        }
        let tree_id = builder.write().map_err(GitError::failed(action.clone()))?;
        let tree = self
            .repo
            .find_tree(tree_id)
            .map_err(GitError::failed(action.clone()))?;
        let parent = Oid::from_str(parent)
            .and_then(|id| self.repo.find_commit(id))
            .map_err(GitError::failed(format!(
                "find the applied revision {parent}"
            )))?;
        let signature = self.signature()?;
        let commit = self
            .repo
            .commit(None, &signature, &signature, message, &tree, &[&parent])
            .map_err(GitError::failed(action))?;
        self.set_ref(reference, commit, message)
    }
}
