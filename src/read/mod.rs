//! Reading a tenant into the files of a state folder, normalized exactly as export writes them.
//! Export reads its primary with it; plan, apply and drift read their target with it, so both
//! sides of every comparison went through the same normalization (no false drift).
//!
//! Two modes for secrets ([`SecretMode`]): export encrypts what the companion reveals (and keeps
//! what git has; `companion.rs` makes the call); reading a target records only the secrets'
//! change markers (a target never reveals secrets and needs no companion).

mod artifacts;
mod collect;
mod companion;
mod secrets;

pub use collect::read;
pub use companion::{CompanionAddress, CompanionCall, CompanionError};

use crate::client::ClientError;
use crate::git::{BlobWriter, GitError, StateFiles};
use crate::model::ObjectId;
use crate::secrets::{Recipients, SecretsError};
use crate::store::content::ContentError;
use crate::store::marks::Marks;
use crate::wire::runtime::IntegrationRuntimeArtifact;
use std::sync::Arc;

/// Observes a read as it goes (progress bars, log lines).
pub trait Progress: Send + Sync {
    /// `n` more objects are known to be coming.
    fn found(&self, n: u64);
    /// An object is done; `bytes` were downloaded for it.
    fn done(&self, id: &ObjectId, bytes: u64);
}

/// A [`Progress`] that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn found(&self, _: u64) {}
    fn done(&self, _: &ObjectId, _: u64) {}
}

/// What to do about secrets.
pub enum SecretMode {
    /// Export: encrypt revealed secrets to `recipients`, keep files git has.
    Export {
        /// How to ask the tenant's companion, `None` to export without it.
        companion: Option<CompanionCall>,
        /// Who new secret files are encrypted to (`None`: `recipients.txt` is missing).
        recipients: Option<Arc<Recipients>>,
        /// `recipients.txt` as shown in messages.
        recipients_file: String,
    },
    /// Reading a target: record the secrets' change markers only.
    Markers,
}

/// What the reader starts from.
pub struct ReadOptions {
    /// The files this state had before (a proven-unchanged integration flow's content is kept
    /// from here instead of downloaded).
    pub base: Arc<StateFiles>,
    /// The markers recorded with `base` (export: only those still trusted).
    pub marks: Marks,
    /// Where the markers came from (export: without any, secret files that cannot be proven
    /// changed are kept and listed as unverified).
    pub marks_source: crate::store::marks::Source,
    /// What to do about secrets.
    pub secrets: SecretMode,
    /// Who watches the read.
    pub progress: Arc<dyn Progress>,
    /// Size limits of artifact content (`max_artifact_bytes`).
    pub limits: crate::store::content::Limits,
}

/// Something the user should know about, that did not stop the read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The object concerned (or `tenant`).
    pub object: String,
    /// What is wrong and what was done about it.
    pub message: String,
}

/// What the companion endpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Companion {
    /// Not asked (not configured, or reading a target).
    NotAsked,
    /// Answered with the tenant's secrets.
    Used,
    /// The tenant does not run the companion (not deployed, or `404` at its address).
    Absent,
}

/// What the read found besides the files.
pub struct ReadResult {
    /// The markers of the state just read.
    pub marks: Marks,
    /// What the user should know about that did not stop the read.
    pub warnings: Vec<Warning>,
    /// Secrets that neither the tenant nor git has (`kind/key#slot`).
    pub missing: Vec<String>,
    /// Secrets the tenant revealed whose file in git was kept without proof that it holds the
    /// same value (`kind/key#slot`): there were no export marks to tell.
    pub unverified: Vec<String>,
    /// The tenant's runtime artifacts.
    pub runtime: Vec<IntegrationRuntimeArtifact>,
    /// What the companion endpoint did.
    pub companion: Companion,
}

/// Why a read failed. Messages name the tenant, object, request or file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    /// Git failed.
    Git(#[from] GitError),
    #[error(transparent)]
    /// The tenant refused or failed.
    Tenant(#[from] ClientError),
    #[error(transparent)]
    /// An artifact's zip cannot be stored.
    Content(#[from] ContentError),
    /// The companion's answer cannot be used (nothing is written).
    #[error(transparent)]
    Companion(#[from] CompanionError),
    /// The tenant answered something that cannot be stored.
    #[error("{object}: {reason}")]
    TenantData {
        /// The object concerned.
        object: String,
        /// What is wrong.
        reason: String,
    },
    /// A secret file cannot be written.
    #[error("{file}: {source}")]
    Secrets {
        /// The file.
        file: String,
        /// Why.
        source: SecretsError,
    },
    /// A secret must be encrypted and there are no recipients.
    #[error("{object} has a secret to store, but {file} does not exist")]
    NoRecipients {
        /// The object.
        object: String,
        /// The recipients file.
        file: String,
    },
    /// The state folder's `format.json` cannot be used (a newer cpi-gitops wrote it).
    #[error(transparent)]
    StateFormat(crate::store::format::FormatError),
    #[error("internal error: {0}")]
    /// A bug or an environment failure.
    Internal(String),
    /// Another run holds the lock.
    #[error(transparent)]
    Locked(Box<crate::interrupt::LockError>),
    /// Stopped by a signal before anything was written.
    #[error("stopped by {0}: nothing was written")]
    Stopped(crate::interrupt::Signal),
}

/// Where the reader writes files.
pub type Writer = BlobWriter;
