//! Export: a tenant into `tenant-state/` as one git commit (design.md sections 3, 4 and 7).
//!
//! 1. Take the repository's export lock; finish or undo what a killed export left
//!    (`crate::interrupt`); refuse when the state folder has uncommitted changes (nothing is
//!    lost).
//! 2. Read the tenant (`crate::read`), storing every file as it arrives: hashed once, and written
//!    into one new pack when the repository does not have it (memory stays flat). Integration
//!    flows whose version and modification time are unchanged, and secrets whose change markers
//!    are unchanged, are kept from git without downloading or re-encrypting, as the export
//!    marks (`refs/cpi-gitops/marks/<tenant>`, [`marks`]) prove, while git still holds what
//!    they describe.
//!    Where the tenant's value equals its override (`overrides/<tenant>.json`), git's shared value
//!    is kept (`regional.rs`): a secondary exported after a failover leaks no regional values.
//! 3. Compare the new files with the commit's (`summary.rs`); equal means no commit. Files in the
//!    state folder that belong to no object the exporter knows are kept, and reported.
//! 4. The commit phase (`crate::git`): the state's trees and commit into the pack, the pack
//!    installed, the marks ref moved, then under a journal the work tree written in one pass
//!    over the paths that differ, the branch moved (refusing if it moved meanwhile), the index
//!    updated.
//!
//! A failure leaves the branch, index and work tree as they were (only unreferenced objects may
//! remain in the object database, which `git gc` removes). SIGINT or SIGTERM before the commit
//! phase stops the export with nothing written; in it, the commit is finished first. Either way
//! the command then exits 130 or 143.

pub mod marks;
mod regional;
mod summary;

pub use summary::{Change, ObjectOutcome};

use crate::client::Client;
use crate::git::{BlobSink, GitError, Repo, Stage, StateFiles};
use crate::interrupt::{Lock, Signal, failpoint, lock, signals};
use crate::read::{self, Companion, Progress, ReadOptions, SecretMode, Warning};
use crate::secrets::Recipients;
use crate::store::format::{self, StateFormat};
use crate::store::layout::{self, locate};
use crate::store::marks::Source;
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
    /// Secrets kept as git has them without proof that they hold the tenant's value, because
    /// there were no export marks (a clone that did not fetch `refs/cpi-gitops/*`): a secret
    /// rotated on the tenant would stay stale in git (`kind/key#slot`).
    pub unverified_secrets: Vec<String>,
    /// What the companion endpoint did.
    pub companion: Companion,
    /// Requests sent to the tenant (retries included).
    pub requests: u64,
    /// Bytes received from the tenant.
    pub bytes: u64,
    /// What this export recovered before it started: leftovers of an export that was killed, a
    /// stale lock taken over.
    pub recovered: Vec<String>,
    /// SIGINT or SIGTERM arrived during the commit phase, which was finished.
    #[serde(skip)]
    pub stopped: Option<Signal>,
}

/// Why an export failed: reading the tenant is most of an export, so its errors are the
/// reader's. Messages name the tenant, object, request or file.
pub use crate::read::ReadError as ExportError;

/// The export lock's name (one export at a time per repository).
pub const LOCK: &str = "export";

/// Files of the state folder that export itself owns (and rewrites or, for the marks file of
/// older versions, removes).
fn is_bookkeeping(path: &str) -> bool {
    path == layout::MARKS || path == format::FILE
}

/// Files of the state folder that people own and export keeps as they are.
fn is_kept_as_is(path: &str) -> bool {
    path == layout::RECIPIENTS || path == layout::GITATTRIBUTES || path.starts_with("overrides/")
}

/// Takes the export lock of `repo` for `command`, and recovers what a killed export left.
/// Returns the lock and what the user should be told.
pub fn lock(repo: &Repo, command: &str) -> Result<(Lock, Vec<String>), ExportError> {
    let taken = Lock::acquire(
        &lock::dir(repo.common_dir()),
        LOCK,
        "export in this repository",
        command,
    )
    .map_err(|e| ExportError::Locked(Box::new(e)))?;
    let mut notes = Vec::new();
    if let Some(stale) = taken.stale {
        notes.push(format!(
            "took over the export lock of {stale}, which ended without releasing it"
        ));
    }
    notes.extend(recover_locked(repo)?);
    Ok((taken.lock, notes))
}

/// What a killed export left, recovered (the export lock must be held).
/// Where an export stages the files of the work tree while it reads (`.git/cpi-gitops/stage`;
/// the export lock makes it one run's at a time).
fn stage_dir(repo: &Repo) -> std::path::PathBuf {
    repo.git_dir().join("cpi-gitops").join("stage")
}

fn recover_locked(repo: &Repo) -> Result<Vec<String>, ExportError> {
    let mut notes = Vec::new();
    if let Some(text) = repo.recover_commit()? {
        notes.push(text);
    }
    crate::git::remove_stage(&stage_dir(repo));
    let swept = crate::git::pack::sweep(&repo.git_dir().join("objects").join("pack"), LOCK);
    if swept > 0 {
        notes.push(format!(
            "removed {swept} temporary pack files an export left when it was killed"
        ));
    }
    Ok(notes)
}

/// At the start of any command: recovers what a killed export left, unless an export is running
/// (its lock is held). Returns what the user should be told.
pub fn recover(repo: &Repo, command: &str) -> Result<Vec<String>, ExportError> {
    match lock(repo, command) {
        Ok((_lock, notes)) => Ok(notes),
        Err(ExportError::Locked(_)) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Runs an export of `client`'s tenant into `repo`, taking the export lock (what it recovered
/// from a killed export is in the report's `recovered`).
pub async fn run(
    repo: &Repo,
    client: Client,
    options: &ExportOptions,
    progress: Arc<dyn Progress>,
) -> Result<ExportReport, ExportError> {
    let (lock, notes) = lock(repo, &format!("export --tenant {}", options.tenant))?;
    let mut report = run_locked(repo, &lock, client, options, progress).await?;
    report.recovered = notes;
    Ok(report)
}

/// Runs an export of `client`'s tenant into `repo`, whose export lock the caller holds
/// ([`lock`]).
pub async fn run_locked(
    repo: &Repo,
    _lock: &Lock,
    client: Client,
    options: &ExportOptions,
    progress: Arc<dyn Progress>,
) -> Result<ExportReport, ExportError> {
    let state_dir = options.state_dir.trim_matches('/').to_string();
    repo.ensure_clean(&state_dir)?;
    let head = repo.commit_id("HEAD")?;
    if let Some(path) = repo.unusual_entries(head, &state_dir)?.first() {
        return Err(ExportError::TenantData {
            object: path.clone(),
            reason: "is a symbolic link or submodule in the state folder, which export never writes: remove it from git first".into(),
        });
    }
    let base = repo.state_files(head, &state_dir)?;
    let read_file = |name: &str| -> Result<Option<Vec<u8>>, GitError> {
        base.get(name).map(|id| repo.blob(*id)).transpose()
    };
    let old_format = format::parse(
        read_file(format::FILE)?.as_deref(),
        &format!("{state_dir}/{}", format::FILE),
    )
    .map_err(ExportError::StateFormat)?;
    let loaded = marks::load(repo, &options.tenant, &base)?;
    let mut read_marks = loaded.marks.clone();
    if old_format < StateFormat::CURRENT {
        // Content exported in an older layout is downloaded again and stored in the current one
        // (the first export after an upgrade touches every integration flow's folder), whatever
        // the marks ref says.
        read_marks.artifacts.clear();
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
    let started = std::time::Instant::now();
    let base_files = Arc::new(base.clone());
    let sink = BlobSink::start_staged(
        repo.git_dir(),
        LOCK,
        base.values().copied(),
        Some(Stage {
            dir: stage_dir(repo),
            base: base_files.clone(),
        }),
    )?;
    let writer = sink.writer();
    let read = read::read(
        client.clone(),
        writer.clone(),
        ReadOptions {
            base: base_files,
            marks: read_marks,
            marks_source: loaded.source,
            secrets: SecretMode::Export {
                companion: options.companion.clone(),
                recipients,
                recipients_file,
            },
            progress,
            limits: options.limits,
        },
    );
    let result = tokio::select! {
        biased;
        signal = signals::wait() => Err(ExportError::Stopped(signal)),
        result = read => result,
    };
    // A signal that arrived as the read finished stops it all the same: nothing is written.
    let result = match signals::received() {
        Some(signal) if result.is_ok() => Err(ExportError::Stopped(signal)),
        _ => result,
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            drop(writer);
            sink.abort();
            return Err(e);
        }
    };
    tracing::debug!("export: tenant read in {:?}", started.elapsed());
    let gitattributes = match base.get(layout::GITATTRIBUTES) {
        Some(_) => None,
        None => Some(
            writer
                .write(
                    layout::GITATTRIBUTES.to_string(),
                    layout::GITATTRIBUTES_TEXT.as_bytes().to_vec(),
                )
                .await?,
        ),
    };
    let format_json = writer
        .write(format::FILE.to_string(), format::current_bytes())
        .await?;
    drop(writer);
    let mut stored = sink.finish();
    tracing::debug!("export: every file stored after {:?}", started.elapsed());
    let mut warnings = result.warnings;
    for value in regional::keep_shared_values(repo, &base, &mut stored, LOCK, &options.tenant)? {
        tracing::info!("{value}: the tenant has its override; git's shared value kept");
    }
    for (path, id) in &base {
        if is_kept_as_is(path) || (locate(path).is_none() && !is_bookkeeping(path)) {
            if !is_kept_as_is(path) {
                warnings.push(Warning {
                    object: format!("{state_dir}/{path}"),
                    message: "belongs to no object cpi-gitops knows: kept as it is".into(),
                });
            }
            stored.files.insert(path.clone(), *id);
        }
    }
    stored.files.insert(format::FILE.to_string(), format_json);
    if let Some(id) = gitattributes {
        stored.files.insert(layout::GITATTRIBUTES.to_string(), id);
    }
    let files = &stored.files;
    warnings.extend(case_collisions(files, &state_dir));
    let objects = summary::outcomes(&base, files);
    let changed = *files != base;
    let stats = client.stats();
    let mut new_marks = result.marks;
    new_marks.other = loaded.marks.other.clone();
    let marks_changed = loaded.source != Source::Ref || new_marks != loaded.marks;
    let mut report = ExportReport {
        tenant: options.tenant.clone(),
        commit: None,
        changed,
        objects,
        warnings,
        missing_secrets: result.missing,
        unverified_secrets: result.unverified,
        companion: result.companion,
        requests: stats.requests,
        bytes: stats.bytes_received,
        recovered: Vec::new(),
        stopped: None,
    };
    let marks_message = format!("export of tenant {}: marks", options.tenant);
    if !changed {
        drop(stored);
        crate::git::remove_stage(&stage_dir(repo));
        if marks_changed {
            marks::save(
                repo,
                &options.tenant,
                &new_marks,
                loaded.commit,
                &marks_message,
            )?;
        }
        // Nothing to commit: a signal from here on found the export finished.
        report.stopped = signals::received();
        return Ok(report);
    }
    let mut message = options
        .message
        .clone()
        .unwrap_or_else(|| summary::message(&options.tenant, &report.objects));
    if base.contains_key(layout::MARKS) && options.message.is_none() {
        message.push_str(&format!(
            "\nRemoves {state_dir}/{}: the export marks now live outside the branch, in {} (see README.md, \"Upgrading\").\n",
            layout::MARKS,
            crate::store::marks::ref_name(&options.tenant)
        ));
    }
    // The commit phase: local work only, on a thread of its own with its own handle on the
    // repository. A signal before the pack is installed rolls back; after, the commit is
    // finished.
    let git_dir = repo.git_dir().to_path_buf();
    let tenant = options.tenant.clone();
    let commit = options.commit;
    let expected_marks = loaded.commit;
    let committed = tokio::task::spawn_blocking(move || -> Result<_, ExportError> {
        let repo = Repo::discover(&git_dir)?;
        let mut prepared =
            repo.prepare_commit(&state_dir, stored, base, &message, commit, head, LOCK)?;
        tracing::debug!("export: commit prepared after {:?}", started.elapsed());
        failpoint::reach("export:pack-finished");
        if let Some(signal) = signals::received() {
            return Err(ExportError::Stopped(signal));
        }
        prepared.install(&repo)?;
        tracing::debug!(
            "export: pack, work tree and index in place after {:?}",
            started.elapsed()
        );
        if marks_changed {
            marks::save(&repo, &tenant, &new_marks, expected_marks, &marks_message)?;
        }
        let commit = repo.write_commit(prepared)?;
        tracing::debug!("export: committed after {:?}", started.elapsed());
        // Keeps the number of packs bounded across exports (a failure only leaves more packs).
        if let Err(e) = crate::git::pack::consolidate(repo.git_dir(), LOCK) {
            tracing::warn!("could not merge the small packs of earlier exports: {e}");
        }
        Ok(commit)
    })
    .await
    .map_err(|e| ExportError::Internal(format!("the commit phase did not finish: {e}")));
    // What a stopped or failed commit phase left staged is of no use to anyone.
    crate::git::remove_stage(&stage_dir(repo));
    let committed = committed??;
    report.commit = committed.map(|c| c.to_string());
    report.stopped = signals::received();
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
