//! Export: a tenant into `tenant-state/` as one git commit (design.md sections 3, 4 and 7).
//!
//! 1. Refuse when the state folder has uncommitted changes (nothing is lost).
//! 2. Read the tenant concurrently under its request limit ([`collect`]), turning every object
//!    into files that are written as blobs as they arrive (memory stays flat). Integration flows
//!    whose version and modification time are unchanged, and secrets whose change markers are
//!    unchanged, are kept from git without downloading or re-encrypting ([`crate::store::marks`]).
//! 3. Compare the new files with the commit's ([`summary`]); equal means no commit.
//! 4. Commit the new state folder on top of `HEAD`, check out that folder, then move the branch.
//!
//! A failure in steps 1 to 3 leaves refs, index and work tree as they were (only unreferenced
//! blobs may remain in the object database, which `git gc` removes).

mod collect;
mod summary;

pub use summary::{Change, ObjectOutcome};

use crate::client::{Client, ClientError};
use crate::git::{BlobSink, FileMode, GitError, Repo};
use crate::model::ObjectId;
use crate::secrets::{Recipients, SecretsError};
use crate::store::content::ContentError;
use crate::store::layout;
use crate::store::marks::Marks;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What to export and how to record it.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The tenant's name in the configuration.
    pub tenant: String,
    /// The state folder relative to the repository root.
    pub state_dir: String,
    /// The companion endpoint's path, if the tenant has one.
    pub companion_path: Option<String>,
    /// Commit (otherwise only write the work tree).
    pub commit: bool,
    /// Commit message instead of the generated one.
    pub message: Option<String>,
}

/// Observes an export as it goes (progress bars, log lines).
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

/// Something the user should know about, that did not stop the export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The object concerned.
    pub object: String,
    /// What is wrong and what was done about it.
    pub message: String,
}

/// The result of an export.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportReport {
    pub tenant: String,
    /// The new commit, when one was made.
    pub commit: Option<String>,
    /// Whether the state differs from the commit it started from.
    pub changed: bool,
    /// Every object with its outcome.
    pub objects: Vec<ObjectOutcome>,
    pub warnings: Vec<Warning>,
    /// Secrets the tenant could not reveal and git does not have (`kind/key#slot`).
    pub missing_secrets: Vec<String>,
    /// Requests sent to the tenant (retries included).
    pub requests: u64,
    /// Bytes received from the tenant.
    pub bytes: u64,
}

/// Why an export failed. Messages name the tenant, object, request or file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Tenant(#[from] ClientError),
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error("{file}: {source}")]
    Secrets { file: String, source: SecretsError },
    #[error("{object} has a secret to store, but {file} does not exist")]
    NoRecipients { object: String, file: String },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Runs an export of `client`'s tenant into `repo`.
pub async fn run(
    repo: &Repo,
    client: Client,
    options: &ExportOptions,
    progress: Arc<dyn Progress>,
) -> Result<ExportReport, ExportError> {
    let state_dir = options.state_dir.trim_matches('/').to_string();
    repo.ensure_clean(&state_dir)?;
    let head = repo.commit_id("HEAD")?;
    let base = repo.state_files(head, &state_dir)?;
    let read = |name: &str| -> Result<Option<Vec<u8>>, GitError> {
        base.get(name).map(|id| repo.blob(*id)).transpose()
    };
    let marks = Marks::parse(read(layout::MARKS)?.as_deref());
    let recipients = match read(layout::RECIPIENTS)? {
        Some(bytes) => {
            let file = format!("{state_dir}/{}", layout::RECIPIENTS);
            let text = String::from_utf8_lossy(&bytes);
            Some(
                Recipients::parse(&text, &file)
                    .map_err(|source| ExportError::Secrets { file, source })?,
            )
        }
        None => None,
    };
    let sink = BlobSink::start(repo.git_dir().to_path_buf())?;
    let collected = collect::Collector::run(collect::Inputs {
        client: client.clone(),
        writer: sink.writer(),
        base: Arc::new(base.clone()),
        marks,
        recipients: recipients.map(Arc::new),
        recipients_file: format!("{state_dir}/{}", layout::RECIPIENTS),
        companion_path: options.companion_path.clone(),
        progress,
    })
    .await;
    let collected = match collected {
        Ok(c) => c,
        Err(e) => {
            let _ = tokio::task::spawn_blocking(move || sink.finish()).await;
            return Err(e);
        }
    };
    let mut files = tokio::task::spawn_blocking(move || sink.finish())
        .await
        .map_err(|e| ExportError::Internal(format!("the blob writer did not finish: {e}")))??;
    files.insert(
        layout::MARKS.to_string(),
        repo.write_blob(&collected.marks.to_bytes())?,
    );
    files.insert(
        layout::GITATTRIBUTES.to_string(),
        repo.write_blob(layout::GITATTRIBUTES_TEXT.as_bytes())?,
    );
    if let Some(id) = base.get(layout::RECIPIENTS) {
        files.insert(layout::RECIPIENTS.to_string(), *id);
    }
    for (path, id) in base.iter().filter(|(p, _)| p.starts_with("overrides/")) {
        files.insert(path.clone(), *id);
    }
    let objects = summary::outcomes(&base, &files);
    let changed = files != base;
    let stats = client.stats();
    let mut report = ExportReport {
        tenant: options.tenant.clone(),
        commit: None,
        changed,
        objects,
        warnings: collected.warnings,
        missing_secrets: collected.missing,
        requests: stats.requests,
        bytes: stats.bytes_received,
    };
    if !changed {
        return Ok(report);
    }
    let tree_files: BTreeMap<String, (git2::Oid, FileMode)> = files
        .iter()
        .map(|(p, id)| (p.clone(), (*id, FileMode::Blob)))
        .collect();
    let tree = repo.write_tree(&tree_files)?;
    let message = options
        .message
        .clone()
        .unwrap_or_else(|| summary::message(&options.tenant, &report.objects));
    repo.ensure_clean(&state_dir)?;
    let commit = repo.commit_state(&state_dir, tree, &message, options.commit)?;
    report.commit = commit.map(|c| c.to_string());
    Ok(report)
}
