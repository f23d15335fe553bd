//! An apply's progress in the journal (`crate::interrupt`): the run that holds the tenant's lock
//! starts the journal `apply.<tenant>` when it records its intent in the base, appends one line
//! per object it begins and per object it wrote, and removes the journal once the final base is
//! recorded. A journal found by the next command (the run was killed) is folded into the base
//! ([`recover`]): the objects the run wrote are recorded as the revision has them, those it
//! began stay in progress (their state on the target is its own work, not drift), and those it
//! never began leave the progress it had added them to.
//!
//! The high-availability failover journals its own steps the same way under the locks of both
//! tenants ([`lock`] takes one; `Lock::acquire_all` takes several in name order).

use crate::git::{GitError, Repo};
use crate::interrupt::journal::{self, Journal};
use crate::interrupt::{Lock, LockError, lock};
use crate::model::ObjectId;
use crate::sync::base::Base;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// The journal's name for `tenant`.
pub fn journal_name(tenant: &str) -> String {
    format!("apply.{}", lock::safe_name(tenant))
}

/// The journal's document.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApplyJournal {
    /// The target tenant.
    pub tenant: String,
    /// The revision being applied.
    pub revision: String,
    /// The state folder.
    pub state_dir: String,
    /// The objects that were in progress before this run (left by an earlier one).
    pub previous: Vec<String>,
    /// The run's process.
    pub pid: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct Line {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    begun: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    written: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    secrets: bool,
}

fn io(action: &str) -> impl FnOnce(std::io::Error) -> GitError + '_ {
    move |e| GitError::Failed {
        action: action.into(),
        reason: e.to_string(),
    }
}

/// Starts the journal of an apply to `tenant` of `revision`.
pub fn begin(
    repo: &Repo,
    tenant: &str,
    revision: &str,
    state_dir: &str,
    previous: Vec<String>,
) -> Result<Journal, GitError> {
    Journal::begin(
        &journal::dir(repo.common_dir()),
        &journal_name(tenant),
        &ApplyJournal {
            tenant: tenant.to_string(),
            revision: revision.to_string(),
            state_dir: state_dir.to_string(),
            previous,
            pid: std::process::id(),
        },
    )
    .map_err(io("write the apply's journal"))
}

/// Journals that the write of `id` begins.
pub fn begun(journal: &Mutex<Option<Journal>>, id: &ObjectId) {
    append(
        journal,
        &Line {
            begun: Some(id.to_string()),
            written: None,
            secrets: false,
        },
    );
}

/// Journals that `id` was written (with its secrets, when `secrets`).
pub fn written(journal: &Mutex<Option<Journal>>, id: &ObjectId, secrets: bool) {
    append(
        journal,
        &Line {
            begun: None,
            written: Some(id.to_string()),
            secrets,
        },
    );
}

fn append(journal: &Mutex<Option<Journal>>, line: &Line) {
    let mut guard = journal.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(j) = guard.as_mut() {
        // A line that cannot be written only makes a later recovery more careful (the object
        // stays in progress).
        let _ = j.append(line);
    }
}

/// Takes the lock of `tenant` (apply, drift and failover hold it) for `command`, and recovers
/// what a killed apply to it left. Returns the lock and what the user should be told.
pub fn lock(repo: &Repo, tenant: &str, command: &str) -> Result<(Lock, Vec<String>), LockError> {
    let taken = Lock::acquire(
        &lock::dir(repo.common_dir()),
        &crate::sync::lock_name(tenant),
        &format!("tenant `{tenant}`"),
        command,
    )?;
    let mut notes = Vec::new();
    if let Some(stale) = taken.stale {
        notes.push(format!(
            "took over the lock of tenant `{tenant}` from {stale}, which ended without releasing it"
        ));
    }
    match recover_locked(repo, tenant) {
        Ok(Some(note)) => notes.push(note),
        Ok(None) => {}
        Err(e) => notes.push(format!(
            "could not recover what a killed apply to tenant `{tenant}` left: {e}"
        )),
    }
    Ok((taken.lock, notes))
}

/// Takes the locks of every tenant of `tenants` in name order (failover holds both twins'),
/// all or none, and recovers what killed applies to them left.
pub fn lock_all(
    repo: &Repo,
    tenants: &[&str],
    command: &str,
) -> Result<(Vec<Lock>, Vec<String>), LockError> {
    let names: Vec<(String, String)> = tenants
        .iter()
        .map(|t| (crate::sync::lock_name(t), format!("tenant `{t}`")))
        .collect();
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .map(|(n, w)| (n.as_str(), w.as_str()))
        .collect();
    let taken = Lock::acquire_all(&lock::dir(repo.common_dir()), &pairs, command)?;
    let mut notes = Vec::new();
    let mut locks = Vec::new();
    for t in taken {
        if let Some(stale) = t.stale {
            notes.push(format!(
                "took over the lock of tenant `{}` from {stale}, which ended without releasing it",
                t.lock.name().trim_start_matches("tenant.")
            ));
        }
        locks.push(t.lock);
    }
    let mut sorted: Vec<&str> = tenants.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for tenant in sorted {
        match recover_locked(repo, tenant) {
            Ok(Some(note)) => notes.push(note),
            Ok(None) => {}
            Err(e) => notes.push(format!(
                "could not recover what a killed apply to tenant `{tenant}` left: {e}"
            )),
        }
    }
    Ok((locks, notes))
}

/// Recovers what a killed apply to `tenant` left, unless a run holds the tenant's lock.
pub fn recover(repo: &Repo, tenant: &str) -> Vec<String> {
    match lock(repo, tenant, "recovery at the start of a command") {
        Ok((_lock, notes)) => notes,
        Err(_) => Vec::new(),
    }
}

fn recover_locked(repo: &Repo, tenant: &str) -> Result<Option<String>, GitError> {
    crate::git::pack::sweep(
        &repo.git_dir().join("objects").join("pack"),
        &crate::sync::lock_name(tenant),
    );
    let dir = journal::dir(repo.common_dir());
    let Some(left) = Journal::find::<ApplyJournal>(&dir, &journal_name(tenant))
        .map_err(io("read the apply's journal"))?
    else {
        return Ok(None);
    };
    let j = &left.document;
    let mut begun_ids = BTreeSet::new();
    let mut written = Vec::new();
    for value in &left.lines {
        if let Ok(line) = serde_json::from_value::<Line>(value.clone()) {
            if let Some(id) = line.begun {
                begun_ids.insert(id);
            }
            if let Some(id) = line.written {
                written.push((id, line.secrets));
            }
        }
    }
    let Some(mut base) = Base::read(repo, tenant)? else {
        left.clear().map_err(io("remove the apply's journal"))?;
        return Ok(None);
    };
    if let Some(p) = &mut base.in_progress {
        p.objects
            .retain(|id| j.previous.contains(id) || begun_ids.contains(id));
    }
    let recorded = match crate::sync::desired::load(repo, &j.revision, &j.state_dir, tenant) {
        Ok(desired) => {
            base.record_written(&desired.state, &written);
            written.len()
        }
        // Without the revision the written objects stay in progress: still not drift.
        Err(_) => 0,
    };
    if base
        .in_progress
        .as_ref()
        .is_some_and(|p| p.objects.is_empty())
    {
        base.in_progress = None;
    }
    if base.applied.is_empty() {
        // As a partial apply records it: the revision its written objects came from.
        base.applied = j.revision.clone();
    }
    base.write(repo)?;
    let pending = base.in_progress.as_ref().map_or(0, |p| p.objects.len());
    let pid = j.pid;
    left.clear().map_err(io("remove the apply's journal"))?;
    Ok(Some(format!(
        "an apply to tenant `{tenant}` (pid {pid}) was killed: {recorded} objects it wrote are recorded in its base; {pending} it may have been writing count as its own work, not drift, until an apply writes them"
    )))
}
