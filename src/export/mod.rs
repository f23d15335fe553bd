//! Export: a tenant into `tenant-state/` as one git commit (design.md sections 3, 4 and 7).
//!
//! 1. Refuse when the state folder has uncommitted changes (nothing is lost).
//! 2. Read the tenant (`crate::read`), writing every file as a blob as it arrives (memory stays
//!    flat). Integration flows whose version and modification time are unchanged, and secrets
//!    whose change markers are unchanged, are kept from git without downloading or re-encrypting
//!    (`store::marks`).
//!    Where the tenant's value equals its override (`overrides/<tenant>.json`), git's shared value
//!    is kept (`regional.rs`): a secondary exported after a failover leaks no regional values.
//! 3. Compare the new files with the commit's (`summary.rs`); equal means no commit. Files in the
//!    state folder that belong to no object the exporter knows are kept, and reported.
//! 4. Commit the new state folder on top of the `HEAD` it started from, check out that folder,
//!    then move the branch (refusing if it moved meanwhile).
//!
//! A failure leaves the branch, index and work tree as they were (only unreferenced blobs may
//! remain in the object database, which `git gc` removes).

mod regional;
mod summary;

pub use summary::{Change, ObjectOutcome};

use crate::client::Client;
use crate::git::{BlobId, BlobSink, FileMode, GitError, Repo, StateFiles};
use crate::read::{self, Companion, Progress, ReadOptions, SecretMode, Warning};
use crate::secrets::Recipients;
use crate::store::format::{self, StateFormat};
use crate::store::layout::{self, locate};
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
    /// How to ask the tenant's companion for its secrets, `None` to export without it.
    pub companion: Option<read::CompanionCall>,
    /// Commit (otherwise only write the work tree).
    pub commit: bool,
    /// Commit message instead of the generated one.
    pub message: Option<String>,
    /// Size limits of artifact content (`max_artifact_bytes`).
    pub limits: crate::store::content::Limits,
}

/// The result of an export.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportReport {
    /// The exported tenant.
    pub tenant: String,
    /// The new commit, when one was made.
    pub commit: Option<String>,
    /// Whether the state differs from the commit it started from.
    pub changed: bool,
    /// Every object with its outcome.
    pub objects: Vec<ObjectOutcome>,
    /// What the user should know about that did not stop the export.
    pub warnings: Vec<Warning>,
    /// Secrets the tenant could not reveal and git does not have (`kind/key#slot`).
    pub missing_secrets: Vec<String>,
    /// What the companion endpoint did.
    pub companion: Companion,
    /// Requests sent to the tenant (retries included).
    pub requests: u64,
    /// Bytes received from the tenant.
    pub bytes: u64,
}

/// Why an export failed: reading the tenant is most of an export, so its errors are the
/// reader's. Messages name the tenant, object, request or file.
pub use crate::read::ReadError as ExportError;

/// Files of the state folder that export itself owns (and rewrites).
fn is_bookkeeping(path: &str) -> bool {
    path == layout::MARKS || path == format::FILE
}

/// Files of the state folder that people own and export keeps as they are.
fn is_kept_as_is(path: &str) -> bool {
    path == layout::RECIPIENTS || path == layout::GITATTRIBUTES || path.starts_with("overrides/")
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
    let read_file = |name: &str| -> Result<Option<Vec<u8>>, GitError> {
        base.get(name).map(|id| repo.blob(*id)).transpose()
    };
    let old_format = format::parse(
        read_file(format::FILE)?.as_deref(),
        &format!("{state_dir}/{}", format::FILE),
    )
    .map_err(ExportError::StateFormat)?;
    let mut marks = Marks::parse(read_file(layout::MARKS)?.as_deref());
    if old_format < StateFormat::CURRENT {
        // Content exported in an older layout is downloaded again and stored in the current one
        // (the first export after an upgrade touches every integration flow's folder).
        marks.artifacts.clear();
    }
    let recipients_file = format!("{state_dir}/{}", layout::RECIPIENTS);
    let recipients = match read_file(layout::RECIPIENTS)? {
        Some(bytes) => Some(Arc::new(
            Recipients::parse(&String::from_utf8_lossy(&bytes), &recipients_file).map_err(
                |source| ExportError::Secrets {
                    file: recipients_file.clone(),
                    source,
                },
            )?,
        )),
        None => None,
    };
    let sink = BlobSink::start(repo.git_dir().to_path_buf())?;
    let result = read::read(
        client.clone(),
        sink.writer(),
        ReadOptions {
            base: Arc::new(base.clone()),
            marks,
            secrets: SecretMode::Export {
                companion: options.companion.clone(),
                recipients,
                recipients_file,
            },
            progress,
            limits: options.limits,
        },
    )
    .await;
    // The writer thread's own error (a full disk, a path written twice) explains a failure
    // better than the reader's "the blob writer stopped".
    let files = tokio::task::spawn_blocking(move || sink.finish())
        .await
        .map_err(|e| ExportError::Internal(format!("the blob writer did not finish: {e}")));
    let (result, mut files) = match (result, files) {
        (Ok(r), Ok(Ok(f))) => (r, f),
        (_, Ok(Err(e))) => return Err(e.into()),
        (Err(e), _) => return Err(e),
        (_, Err(e)) => return Err(e),
    };
    let mut warnings = result.warnings;
    for value in regional::keep_shared_values(repo, &base, &mut files, &options.tenant)? {
        tracing::info!("{value}: the tenant has its override; git's shared value kept");
    }
    files.insert(
        layout::MARKS.to_string(),
        repo.write_blob(&result.marks.to_bytes())?,
    );
    for (path, id) in &base {
        if is_kept_as_is(path) || (locate(path).is_none() && !is_bookkeeping(path)) {
            if !is_kept_as_is(path) {
                warnings.push(Warning {
                    object: format!("{state_dir}/{path}"),
                    message: "belongs to no object cpi-gitops knows: kept as it is".into(),
                });
            }
            files.insert(path.clone(), *id);
        }
    }
    files.insert(
        format::FILE.to_string(),
        repo.write_blob(&format::current_bytes())?,
    );
    if !files.contains_key(layout::GITATTRIBUTES) {
        files.insert(
            layout::GITATTRIBUTES.to_string(),
            repo.write_blob(layout::GITATTRIBUTES_TEXT.as_bytes())?,
        );
    }
    warnings.extend(case_collisions(&files, &state_dir));
    let objects = summary::outcomes(&base, &files);
    let changed = files != base;
    let stats = client.stats();
    let mut report = ExportReport {
        tenant: options.tenant.clone(),
        commit: None,
        changed,
        objects,
        warnings,
        missing_secrets: result.missing,
        companion: result.companion,
        requests: stats.requests,
        bytes: stats.bytes_received,
    };
    if !changed {
        return Ok(report);
    }
    let tree_files: BTreeMap<String, (BlobId, FileMode)> = files
        .iter()
        .map(|(p, id)| (p.clone(), (*id, FileMode::Blob)))
        .collect();
    let tree = repo.write_tree(&tree_files)?;
    let message = options
        .message
        .clone()
        .unwrap_or_else(|| summary::message(&options.tenant, &report.objects));
    repo.ensure_clean(&state_dir)?;
    let commit = repo.commit_state(&state_dir, tree, &message, options.commit, head)?;
    report.commit = commit.map(|c| c.to_string());
    Ok(report)
}

/// Paths that differ only in case: git keeps both, but a checkout on macOS or Windows cannot.
fn case_collisions(files: &StateFiles, state_dir: &str) -> Vec<Warning> {
    let mut seen: BTreeMap<String, &String> = BTreeMap::new();
    let mut out = Vec::new();
    for path in files.keys() {
        if let Some(other) = seen.insert(path.to_lowercase(), path) {
            out.push(Warning {
                object: format!("{state_dir}/{path}"),
                message: format!("differs from {state_dir}/{other} only in case: the two cannot both be checked out on macOS or Windows"),
            });
        }
    }
    out
}
