//! Refs whose commits form a history of their own: each new commit's parent is the commit the
//! ref pointed at (none for the first), so the ref can be pushed fast-forward and `git log
//! <ref>` tells what happened when. The roles of a high-availability pair are kept this way.

use super::{GitError, Repo};

impl Repo {
    /// The commit `reference` points at, as a full hash; `None` when the ref does not exist.
    pub fn ref_target(&self, reference: &str) -> Result<Option<String>, GitError> {
        let Ok(found) = self.repo.find_reference(reference) else {
            return Ok(None);
        };
        let commit = found
            .peel_to_commit()
            .map_err(GitError::failed(format!("read {reference}")))?;
        Ok(Some(commit.id().to_string()))
    }

    /// Points `reference` at a new commit whose tree holds `files`, whose parent is the commit
    /// the ref points at now (if any), with `message`. `expected` is the commit the caller read
    /// the ref at: when the ref moved since, nothing is written (another process wrote it).
    pub fn append_ref_commit(
        &self,
        reference: &str,
        files: &[(&str, &[u8])],
        expected: Option<&str>,
        message: &str,
    ) -> Result<(), GitError> {
        let action = format!("write {reference}");
        let current = self.ref_target(reference)?;
        if current.as_deref() != expected {
            return Err(GitError::Failed {
                action,
                reason: format!(
                    "it moved while this command ran (now {}): run the command again",
                    current.as_deref().unwrap_or("deleted")
                ),
            });
        }
        let tree = self.flat_tree(files, &action)?;
        let parent = match &current {
            Some(id) => Some(
                git2::Oid::from_str(id)
                    .and_then(|id| self.repo.find_commit(id))
                    .map_err(GitError::failed(action.clone()))?,
            ),
            None => None,
        };
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let signature = self.signature()?;
        let commit = self
            .repo
            .commit(None, &signature, &signature, message, &tree, &parents)
            .map_err(GitError::failed(action))?;
        self.set_ref(reference, commit, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_commit_of_the_ref_has_the_previous_as_parent() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let name = "refs/cpi-gitops/test";
        assert_eq!(repo.ref_target(name).unwrap(), None);
        repo.append_ref_commit(name, &[("a.json", b"1")], None, "first")
            .unwrap();
        let first = repo.ref_target(name).unwrap().unwrap();
        repo.append_ref_commit(name, &[("a.json", b"2")], Some(&first), "second")
            .unwrap();
        let second = repo.ref_target(name).unwrap().unwrap();
        assert_eq!(repo.ref_file(name, "a.json").unwrap().unwrap(), b"2");
        let commit = repo
            .repo
            .find_commit(git2::Oid::from_str(&second).unwrap())
            .unwrap();
        assert_eq!(commit.parent_id(0).unwrap().to_string(), first);
        let stale = repo.append_ref_commit(name, &[("a.json", b"3")], Some(&first), "stale");
        assert!(stale.unwrap_err().to_string().contains("moved"));
    }
}
