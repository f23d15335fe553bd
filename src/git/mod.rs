//! Git: read the state of a revision, write new blobs and trees directly (no index, no work-tree
//! scan), commit the state folder, and bring the work tree along. All through git2 with
//! vendored libgit2; nothing here knows about tenants.

mod blobs;
mod pool;
mod refs;
mod repo;

pub use blobs::{BlobSink, BlobWriter};
pub use pool::RepoPool;
pub use repo::{FileMode, Repo, StateFiles};

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The folder is not inside a git work tree.
    #[error("{path} is not in a git repository with a work tree: {reason}")]
    NotARepository {
        path: std::path::PathBuf,
        reason: String,
    },
    /// The state folder has changes that are not committed.
    #[error("{state_dir}/ has uncommitted changes ({count} paths, e.g. {example})")]
    Dirty {
        state_dir: String,
        count: usize,
        example: String,
    },
    /// `HEAD` moved while the state was being built.
    #[error(
        "HEAD moved while the state was being read (expected {expected}, found {found}): nothing was committed"
    )]
    HeadMoved { expected: String, found: String },
    /// A revision does not exist.
    #[error("revision `{rev}` does not exist: {reason}")]
    UnknownRevision { rev: String, reason: String },
    /// Any other git failure, with what was being done.
    #[error("git: {action}: {reason}")]
    Failed { action: String, reason: String },
}

impl GitError {
    pub(crate) fn failed(action: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
        let action = action.into();
        move |e| GitError::Failed {
            action,
            reason: e.message().to_string(),
        }
    }
}
