//! Refs outside the branches (`refs/cpi-gitops/...`, listed in README.md): each points at a
//! commit of its own whose tree holds one small JSON document (and nothing else).
//!
//! Two ways to move one:
//! - a document with a history ([`Repo::read_json`], [`Repo::write_json`]): each write is a new
//!   commit whose parent is the one the ref pointed at, made only if the ref still points where
//!   the writer read it (compare-and-swap), so the ref only ever moves forward and is pushed
//!   fast-forward (`refs/cpi-gitops/marks/<tenant>`, `refs/cpi-gitops/roles`);
//! - a document whose parent is a revision to keep reachable ([`Repo::write_ref_commit`]; the
//!   applied base, whose parent is the applied revision), pushed forced.

use super::{CommitId, GitError, Repo};
use git2::Oid;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON document read from a ref, with the commit it was read from (what a later
/// [`Repo::write_json`] expects the ref to still point at).
#[derive(Debug, Clone)]
pub struct RefDocument<T> {
    /// The document.
    pub value: T,
    /// The commit the ref pointed at.
    pub commit: CommitId,
}

impl Repo {
    /// The commit `reference` points at; `None` when it does not exist.
    pub fn ref_commit(&self, reference: &str) -> Result<Option<CommitId>, GitError> {
        match self.repo.find_reference(reference) {
            Ok(r) => r
                .peel_to_commit()
                .map(|c| Some(CommitId(c.id())))
                .map_err(GitError::failed(format!("read {reference}"))),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(GitError::failed(format!("read {reference}"))(e)),
        }
    }

    /// Pushes `reference` to `remote` (forced) with the system's `git`, in its environment (the
    /// pipeline's credentials): libgit2 here has no network transport of its own.
    pub fn push_ref(&self, remote: &str, reference: &str) -> Result<(), GitError> {
        let action = format!("push {reference} to {remote}");
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(self.workdir())
            .args(["push", "--quiet", "--force", remote])
            .arg(format!("{reference}:{reference}"))
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| GitError::Failed {
                action: action.clone(),
                reason: format!("cannot run git: {e}"),
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(GitError::Failed {
                action,
                reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    }

    /// The names of the refs that start with `prefix` (`refs/cpi-gitops/marks/`), sorted.
    pub fn ref_names(&self, prefix: &str) -> Result<Vec<String>, GitError> {
        let mut names: Vec<String> = self
            .repo
            .references_glob(&format!("{prefix}*"))
            .map_err(GitError::failed(format!("list {prefix}*")))?
            .filter_map(|r| r.ok().and_then(|r| r.name().ok().map(str::to_string)))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The file `name` of the commit `reference` points at; `None` when the ref does not exist.
    pub fn ref_file(&self, reference: &str, name: &str) -> Result<Option<Vec<u8>>, GitError> {
        let Some(commit) = self.ref_commit(reference)? else {
            return Ok(None);
        };
        self.commit_file(reference, commit, name).map(Some)
    }

    fn commit_file(
        &self,
        reference: &str,
        commit: CommitId,
        name: &str,
    ) -> Result<Vec<u8>, GitError> {
        let action = format!("read {reference}");
        let tree = self
            .repo
            .find_commit(commit.0)
            .and_then(|c| c.tree())
            .map_err(GitError::failed(action.clone()))?;
        let entry = tree.get_name(name).ok_or_else(|| GitError::Failed {
            action,
            reason: format!("it has no {name}"),
        })?;
        self.blob(super::BlobId(entry.id()))
    }

    /// The JSON document `file` at `reference`, with the commit it was read from; `None` when
    /// the ref does not exist. A document that does not parse is an error naming the ref.
    pub fn read_json<T: DeserializeOwned>(
        &self,
        reference: &str,
        file: &str,
    ) -> Result<Option<RefDocument<T>>, GitError> {
        let Some(commit) = self.ref_commit(reference)? else {
            return Ok(None);
        };
        let bytes = self.commit_file(reference, commit, file)?;
        let value = serde_json::from_slice(&bytes).map_err(|e| GitError::Failed {
            action: format!("read {reference}"),
            reason: format!("{file} is not readable: {e}"),
        })?;
        Ok(Some(RefDocument { value, commit }))
    }

    /// Writes `value` as canonical JSON in `file` of a new commit on `reference` whose parent is
    /// `expected`, the commit the ref was read at (`None`: the ref must not exist yet), and moves
    /// the ref there only if it still points at `expected` ([`GitError::RefMoved`] otherwise).
    /// Returns the new commit.
    pub fn write_json<T: Serialize>(
        &self,
        reference: &str,
        file: &str,
        value: &T,
        expected: Option<CommitId>,
        message: &str,
    ) -> Result<CommitId, GitError> {
        let action = format!("write {reference}");
        let json = serde_json::to_value(value).map_err(|e| GitError::Failed {
            action: action.clone(),
            reason: e.to_string(),
        })?;
        let bytes = crate::wire::canonical::to_vec(&json);
        let parents: Vec<Oid> = expected.iter().map(|c| c.0).collect();
        let commit = self.document_commit(reference, &[(file, &bytes)], &parents, message)?;
        let reflog = format!("cpi-gitops: {message}");
        let moved = match expected {
            Some(old) => self
                .repo
                .reference_matching(reference, commit, true, old.0, &reflog)
                .map(|_| ()),
            None => self
                .repo
                .reference(reference, commit, false, &reflog)
                .map(|_| ()),
        };
        match moved {
            Ok(()) => Ok(CommitId(commit)),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::Modified | git2::ErrorCode::Exists | git2::ErrorCode::NotFound
                ) =>
            {
                Err(GitError::RefMoved {
                    reference: reference.to_string(),
                    expected: expected
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "no ref".into()),
                    found: self
                        .ref_commit(reference)
                        .ok()
                        .flatten()
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "no ref".into()),
                })
            }
            Err(e) => Err(GitError::failed(action)(e)),
        }
    }

    /// Moves `reference` to `commit` when that is a fast-forward (the ref does not exist, or
    /// points at an ancestor of `commit`); [`GitError::RefMoved`] otherwise.
    pub fn fast_forward(
        &self,
        reference: &str,
        commit: CommitId,
        message: &str,
    ) -> Result<(), GitError> {
        let current = self.ref_commit(reference)?;
        let ok = match current {
            None => true,
            Some(old) if old == commit => return Ok(()),
            Some(old) => {
                self.repo
                    .graph_descendant_of(commit.0, old.0)
                    .map_err(GitError::failed(format!(
                        "compare {reference} with {commit}"
                    )))?
            }
        };
        let moved = ok.then(|| match current {
            Some(old) => self
                .repo
                .reference_matching(reference, commit.0, true, old.0, message)
                .map(|_| ()),
            None => self
                .repo
                .reference(reference, commit.0, false, message)
                .map(|_| ()),
        });
        match moved {
            Some(Ok(())) => Ok(()),
            _ => Err(GitError::RefMoved {
                reference: reference.to_string(),
                expected: current
                    .map(|c| format!("an ancestor of {commit}, found {c}"))
                    .unwrap_or_default(),
                found: self
                    .ref_commit(reference)
                    .ok()
                    .flatten()
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "no ref".into()),
            }),
        }
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
        let parent = Oid::from_str(parent)
            .and_then(|id| self.repo.find_commit(id).map(|c| c.id()))
            .map_err(GitError::failed(format!(
                "find the applied revision {parent}"
            )))?;
        let commit = self.document_commit(reference, files, &[parent], message)?;
        self.set_ref(reference, commit, message)
    }

    /// A tree of `files` (names without folders), their blobs written; `action` names the
    /// write in errors.
    pub(super) fn flat_tree(
        &self,
        files: &[(&str, &[u8])],
        action: &str,
    ) -> Result<git2::Tree<'_>, GitError> {
        let mut builder = self
            .repo
            .treebuilder(None)
            .map_err(GitError::failed(action))?;
        for (name, bytes) in files {
            let blob = self.write_blob(bytes)?;
            builder
                .insert(name, blob.0, 0o100644)
                .map_err(GitError::failed(action))?;
        }
        let tree_id = builder.write().map_err(GitError::failed(action))?;
        self.repo
            .find_tree(tree_id)
            .map_err(GitError::failed(action))
    }

    /// A commit whose tree holds `files`, with `parents`.
    fn document_commit(
        &self,
        reference: &str,
        files: &[(&str, &[u8])],
        parents: &[Oid],
        message: &str,
    ) -> Result<Oid, GitError> {
        let action = format!("write {reference}");
        let tree = self.flat_tree(files, &action)?;
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p))
            .collect::<Result<_, _>>()
            .map_err(GitError::failed(action.clone()))?;
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        let signature = self.signature()?;
        self.repo
            .commit(None, &signature, &signature, message, &tree, &parent_refs)
            .map_err(GitError::failed(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn documents_move_forward_with_compare_and_swap() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let r = "refs/cpi-gitops/roles";
        assert!(repo.read_json::<Value>(r, "roles.json").unwrap().is_none());
        let first = repo
            .write_json(
                r,
                "roles.json",
                &json!({"active": "primary"}),
                None,
                "first",
            )
            .unwrap();
        let read = repo.read_json::<Value>(r, "roles.json").unwrap().unwrap();
        assert_eq!(
            (read.value, read.commit),
            (json!({"active": "primary"}), first)
        );
        let stale = repo.write_json(r, "roles.json", &json!({"active": "x"}), None, "again");
        assert!(matches!(stale, Err(GitError::RefMoved { .. })), "{stale:?}");
        let second = repo
            .write_json(
                r,
                "roles.json",
                &json!({"active": "secondary"}),
                Some(first),
                "second",
            )
            .unwrap();
        let lost = repo.write_json(r, "roles.json", &json!({}), Some(first), "lost update");
        assert!(matches!(lost, Err(GitError::RefMoved { .. })), "{lost:?}");
        assert_eq!(repo.ref_commit(r).unwrap(), Some(second));
        // Back to the first commit is not a fast-forward; forward again is.
        assert!(matches!(
            repo.fast_forward(r, first, "back"),
            Err(GitError::RefMoved { .. })
        ));
        let other = "refs/cpi-gitops/marks/primary";
        repo.fast_forward(other, first, "ff").unwrap();
        repo.fast_forward(other, second, "ff").unwrap();
        assert_eq!(repo.ref_commit(other).unwrap(), Some(second));
    }
}
