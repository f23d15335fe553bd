//! The repository: revisions, the state folder's files, commits and checkout.

use super::{BlobId, CommitId, GitError};
use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files of a state folder in one revision: relative path -> blob id.
pub type StateFiles = BTreeMap<String, BlobId>;

/// A git repository with a work tree.
pub struct Repo {
    pub(super) repo: Repository,
    workdir: PathBuf,
}

impl Repo {
    /// Finds the repository that contains `dir`.
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        let not = |reason: String| GitError::NotARepository {
            path: dir.to_path_buf(),
            reason,
        };
        let repo = Repository::discover(dir).map_err(|e| not(e.message().to_string()))?;
        let workdir = repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| not("it is a bare repository".into()))?;
        Ok(Repo { repo, workdir })
    }

    /// Creates a repository in `dir` (with a work tree).
    pub fn init(dir: &Path) -> Result<Repo, GitError> {
        let repo = Repository::init(dir)
            .map_err(GitError::failed(format!("git init {}", dir.display())))?;
        Ok(Repo {
            repo,
            workdir: dir.to_path_buf(),
        })
    }

    /// Commits every file of the work tree on the current branch (a first commit, or on top of
    /// `HEAD`), through the index.
    pub fn commit_all(&self, message: &str) -> Result<(), GitError> {
        let fail = || GitError::failed("commit the work tree");
        let mut index = self.repo.index().map_err(fail())?;
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .map_err(fail())?;
        index.write().map_err(fail())?;
        let tree = self
            .repo
            .find_tree(index.write_tree().map_err(fail())?)
            .map_err(fail())?;
        let signature = self.signature()?;
        let parent = match self.commit_id("HEAD")? {
            Some(head) => Some(self.repo.find_commit(head.0).map_err(fail())?),
            None => None,
        };
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .map_err(fail())?;
        Ok(())
    }

    /// The work tree's root.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// The `.git` folder shared by every work tree of the repository (where refs and locks
    /// live).
    pub fn common_dir(&self) -> &Path {
        self.repo.commondir()
    }

    /// The `.git` folder (for opening a second handle on another thread).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The commit `rev` names (`HEAD`, a branch, a hash); `None` for `HEAD` of an empty repository.
    pub fn commit_id(&self, rev: &str) -> Result<Option<CommitId>, GitError> {
        match self.repo.revparse_single(rev) {
            Ok(obj) => obj
                .peel_to_commit()
                .map(|c| Some(CommitId(c.id())))
                .map_err(|e| GitError::UnknownRevision {
                    rev: rev.into(),
                    reason: e.message().into(),
                }),
            Err(e)
                if rev == "HEAD"
                    && (e.code() == git2::ErrorCode::UnbornBranch
                        || e.code() == git2::ErrorCode::NotFound) =>
            {
                Ok(None)
            }
            Err(e) => Err(GitError::UnknownRevision {
                rev: rev.into(),
                reason: e.message().into(),
            }),
        }
    }

    /// Every file below `state_dir` in `commit` (none for `None`), by path relative to it.
    pub fn state_files(
        &self,
        commit: Option<CommitId>,
        state_dir: &str,
    ) -> Result<StateFiles, GitError> {
        let mut files = StateFiles::new();
        let Some(commit) = commit else {
            return Ok(files);
        };
        let tree = self
            .repo
            .find_commit(commit.0)
            .and_then(|c| c.tree())
            .map_err(GitError::failed("read a commit's tree"))?;
        let entry = match tree.get_path(Path::new(state_dir)) {
            Ok(e) => e,
            Err(_) => return Ok(files),
        };
        let sub = self
            .repo
            .find_tree(entry.id())
            .map_err(GitError::failed(format!("read {state_dir}/")))?;
        sub.walk(TreeWalkMode::PreOrder, |root, e| {
            if e.kind() == Some(ObjectType::Blob) {
                files.insert(
                    format!("{root}{}", e.name().unwrap_or_default()),
                    BlobId(e.id()),
                );
            }
            TreeWalkResult::Ok
        })
        .map_err(GitError::failed(format!("walk {state_dir}/")))?;
        Ok(files)
    }

    /// A blob's bytes.
    pub fn blob(&self, id: BlobId) -> Result<Vec<u8>, GitError> {
        self.repo
            .find_blob(id.0)
            .map(|b| b.content().to_vec())
            .map_err(GitError::failed(format!("read blob {id}")))
    }

    /// Whether the repository has blob `id`.
    pub fn has_blob(&self, id: BlobId) -> bool {
        self.repo.odb().is_ok_and(|odb| odb.exists(id.0))
    }

    /// Writes bytes as a blob.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<BlobId, GitError> {
        self.repo
            .blob(bytes)
            .map(BlobId)
            .map_err(GitError::failed("write a blob"))
    }

    /// Fails when `state_dir` has changes that are not committed (modified, staged, untracked).
    pub fn ensure_clean(&self, state_dir: &str) -> Result<(), GitError> {
        let mut opts = git2::StatusOptions::new();
        opts.pathspec(state_dir)
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false);
        let statuses = self
            .repo
            .statuses(Some(&mut opts))
            .map_err(GitError::failed(format!("check {state_dir}/ for changes")))?;
        let dirty: Vec<String> = statuses
            .iter()
            .filter(|s| {
                s.status() != git2::Status::CURRENT && !s.status().contains(git2::Status::IGNORED)
            })
            .filter_map(|s| s.path().ok().map(|p| p.to_string()))
            .collect();
        match dirty.first() {
            None => Ok(()),
            Some(example) => Err(GitError::Dirty {
                state_dir: state_dir.into(),
                count: dirty.len(),
                example: example.clone(),
            }),
        }
    }

    /// Moves the branch `HEAD` names (or a detached `HEAD`) from `old` to `id`, refusing when it
    /// no longer points at `old`.
    pub(super) fn move_head(
        &self,
        id: Oid,
        old: Option<Oid>,
        message: &str,
    ) -> Result<(), GitError> {
        let head = self
            .repo
            .find_reference("HEAD")
            .map_err(GitError::failed("read HEAD"))?;
        let reflog = format!("cpi-gitops: {}", message.lines().next().unwrap_or_default());
        match (head.symbolic_target().ok().flatten(), old) {
            (Some(branch), Some(old)) => {
                self.repo
                    .reference_matching(branch, id, true, old, &reflog)
                    .map_err(|_| GitError::HeadMoved {
                        expected: old.to_string(),
                        found: "another commit".into(),
                    })?;
            }
            (Some(branch), None) => {
                self.repo
                    .reference(branch, id, false, &reflog)
                    .map_err(GitError::failed(format!("create {branch}")))?;
            }
            (None, _) => self
                .repo
                .set_head_detached(id)
                .map_err(GitError::failed("move HEAD"))?,
        }
        Ok(())
    }

    /// Points `name` (e.g. `refs/cpi-gitops/applied/secondary`) at `id`.
    pub(super) fn set_ref(&self, name: &str, id: Oid, message: &str) -> Result<(), GitError> {
        self.repo
            .reference(name, id, true, message)
            .map(|_| ())
            .map_err(GitError::failed(format!("write {name}")))
    }

    /// The signature of commits cpi-gitops makes: the user's from git's configuration, else
    /// `cpi-gitops <cpi-gitops@localhost>`.
    pub(super) fn signature(&self) -> Result<git2::Signature<'static>, GitError> {
        self.repo
            .signature()
            .or_else(|_| git2::Signature::now("cpi-gitops", "cpi-gitops@localhost"))
            .map_err(GitError::failed("make a commit signature"))
    }
}
