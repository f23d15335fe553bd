//! Git: read the state of a revision; write each run's new objects as one pack (`pack.rs`,
//! `blobs.rs`: hashed once, compressed on a pool of threads, memory bounded by bytes); commit
//! the state folder and bring the work tree and index along in one pass under a journal
//! (`commit.rs`); refs outside the branches (`refs.rs`). Reads go through git2 with vendored
//! libgit2; nothing here knows about tenants.

mod blobs;
mod chain;
mod commit;
pub mod pack;
mod pool;
mod refs;
mod repo;

pub use blobs::{BlobSink, BlobWriter, Stage, Staged, Store, Stored, remove_stage};
pub use commit::{CommitJournal, JOURNAL as COMMIT_JOURNAL, Prepared};
pub use pool::RepoPool;
pub use refs::RefDocument;
pub use repo::{Repo, StateFiles};

use git2::Oid;
use std::fmt;

/// The id of a blob: a file's content, as git names it. Two files with equal ids have equal
/// bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobId(pub(crate) Oid);

impl BlobId {
    /// The id git gives `bytes` as a blob (nothing is written).
    pub fn hash(bytes: &[u8]) -> BlobId {
        BlobId(pack::object_id(pack::ObjectKind::Blob, bytes))
    }

    /// An id from its raw bytes (20 for SHA-1).
    pub fn from_bytes(bytes: &[u8]) -> Option<BlobId> {
        Oid::from_bytes(bytes).ok().map(BlobId)
    }

    /// The raw bytes of the id.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of a commit (a revision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommitId(pub(crate) Oid);

impl CommitId {
    /// A full hexadecimal commit id; `None` when `text` is not one.
    pub fn parse(text: &str) -> Option<CommitId> {
        Oid::from_str(text).ok().map(CommitId)
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of a tree (a folder's state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeId(pub(crate) Oid);

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The folder is not inside a git work tree.
    #[error("{path} is not in a git repository with a work tree: {reason}")]
    NotARepository {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// The state folder has changes that are not committed.
    #[error("{state_dir}/ has uncommitted changes ({count} paths, e.g. {example})")]
    Dirty {
        /// The state folder.
        state_dir: String,
        /// How many paths changed.
        count: usize,
        /// One of them.
        example: String,
    },
    /// `HEAD` moved while the state was being built.
    #[error(
        "HEAD moved while the state was being read (expected {expected}, found {found}): nothing was committed"
    )]
    HeadMoved {
        /// The commit the state was read from.
        expected: String,
        /// Where `HEAD` is now.
        found: String,
    },
    /// A ref outside the branches moved since it was read (another run wrote it).
    #[error(
        "{reference} moved while this run was using it (expected {expected}, found {found}): nothing was written there"
    )]
    RefMoved {
        /// The ref.
        reference: String,
        /// Where it was expected.
        expected: String,
        /// Where it is.
        found: String,
    },
    /// A revision does not exist.
    #[error("revision `{rev}` does not exist: {reason}")]
    UnknownRevision {
        /// The revision.
        rev: String,
        /// Why.
        reason: String,
    },
    /// Any other git failure, with what was being done.
    #[error("git: {action}: {reason}")]
    Failed {
        /// What was being done.
        action: String,
        /// Why it failed.
        reason: String,
    },
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
