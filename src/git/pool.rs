//! [`RepoPool`]: the repository on the blocking threads of the async runtime (through
//! [`Blocking`]), so that reading git objects never stalls its workers. Each blocking thread
//! keeps one open handle.

use super::{GitError, Repo};
use crate::blocking::Blocking;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

thread_local! {
    /// The handle of this blocking thread, with the `.git` folder it was opened on.
    static OPEN: RefCell<Option<(PathBuf, Repo)>> = const { RefCell::new(None) };
}

/// Runs work on a repository off the async workers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RepoPool {
    git_dir: PathBuf,
    blocking: Blocking,
}

impl RepoPool {
    /// Work on the repository whose `.git` folder is `git_dir`, queued on `blocking`.
    pub fn new(git_dir: &Path, blocking: Blocking) -> RepoPool {
        RepoPool {
            git_dir: git_dir.to_path_buf(),
            blocking,
        }
    }

    /// Runs `work` on a blocking thread with the repository open there.
    pub async fn run<R, E>(
        &self,
        work: impl FnOnce(&Repo) -> Result<R, E> + Send + 'static,
    ) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<GitError> + Send + 'static,
    {
        let git_dir = self.git_dir.clone();
        let ran = self
            .blocking
            .run(move || {
                OPEN.with(|open| {
                    let mut open = open.borrow_mut();
                    if open.as_ref().is_none_or(|(dir, _)| *dir != git_dir) {
                        *open = Some((git_dir.clone(), Repo::discover(&git_dir)?));
                    }
                    match open.as_ref() {
                        Some((_, repo)) => work(repo),
                        None => Err(E::from(GitError::Failed {
                            action: "open the repository".into(),
                            reason: "no handle".into(),
                        })),
                    }
                })
            })
            .await;
        ran.unwrap_or_else(|e| {
            Err(E::from(GitError::Failed {
                action: "read from the repository".into(),
                reason: e.to_string(),
            }))
        })
    }
}
