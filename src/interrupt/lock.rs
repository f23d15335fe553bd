//! Locks: one run at a time per repository (export) and per tenant (apply, drift, failover).
//!
//! A lock is a file under `.git/cpi-gitops/locks/` locked with the operating system's advisory
//! file lock, which the system releases when the holder's process ends for whatever reason, so a
//! lock cannot outlive its holder: a file found locked belongs to a live run; one found unlocked
//! but still naming a holder was left by a killed run (stale) and is taken over, which the
//! caller reports. The file names the holder (pid, start time, command) for the message a second
//! run prints. Several locks are taken in name order (failover takes both tenants'), so two runs
//! never wait on each other in a cycle; a lock that is held fails at once, never waits.
//!
//! It serializes runs in one clone: runners of a CI system each have their own clone, and rely
//! on the workflows' concurrency groups.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Who holds (or held) a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The holder's process id.
    pub pid: u32,
    /// When it took the lock (RFC 3339, UTC).
    pub started: String,
    /// What it runs (`export --tenant primary`).
    pub command: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` (pid {}, started {})",
            self.command, self.pid, self.started
        )
    }
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("{what} is locked by another cpi-gitops run{}", holder.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
    Held {
        /// What the lock protects (`the repository`, `tenant secondary`).
        what: String,
        /// The holder, as its lock file names it.
        holder: Option<Holder>,
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    file: File,
    name: String,
}

/// What taking a lock found.
#[derive(Debug)]
pub struct Taken {
    /// The lock, held.
    pub lock: Lock,
    /// The holder of a stale lock that was taken over (its run was killed).
    pub stale: Option<Holder>,
}

/// The folder of the lock files of the repository whose (common) `.git` folder is `git_dir`.
pub fn dir(git_dir: &Path) -> PathBuf {
    git_dir.join("cpi-gitops").join("locks")
}

/// A lock's file name: [`safe_name`] with `.lock`.
fn file_name(name: &str) -> String {
    format!("{}.lock", safe_name(name))
}

/// `name` as one file name: every byte outside `[A-Za-z0-9._-]` as `%XX`.
pub fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Lock {
    /// Takes the lock `name` in `dir` for `command`; `what` names what it protects in messages.
    pub fn acquire(dir: &Path, name: &str, what: &str, command: &str) -> Result<Taken, LockError> {
        let path = dir.join(file_name(name));
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut text = String::new();
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held {
                    what: what.to_string(),
                    holder: serde_json::from_str(&text).ok(),
                    path,
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
        }
        let _ = file.read_to_string(&mut text);
        let stale: Option<Holder> = serde_json::from_str(&text).ok();
        let holder = Holder {
            pid: std::process::id(),
            started: now(),
            command: command.to_string(),
        };
        let bytes = serde_json::to_vec(&holder).unwrap_or_default();
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(&bytes))
            .map_err(io)?;
        Ok(Taken {
            lock: Lock {
                file,
                name: name.to_string(),
            },
            stale,
        })
    }

    /// Takes every lock of `names` (with what each protects) in name order; all or none.
    pub fn acquire_all(
        dir: &Path,
        names: &[(&str, &str)],
        command: &str,
    ) -> Result<Vec<Taken>, LockError> {
        let mut sorted: Vec<&(&str, &str)> = names.iter().collect();
        sorted.sort_by_key(|(name, _)| *name);
        sorted.dedup_by_key(|(name, _)| *name);
        let mut taken = Vec::new();
        for (name, what) in sorted {
            // On failure, the locks taken so far are dropped (released) with `taken`.
            taken.push(Lock::acquire(dir, name, what, command)?);
        }
        Ok(taken)
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Empty means free; the file stays, so that every run locks the same file.
        let _ = self.file.set_len(0);
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// Whether the lock `name` in `dir` is free (nobody holds it) right now.
pub fn is_free(dir: &Path, name: &str) -> bool {
    let Ok(file) = OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join(file_name(name)))
    else {
        return true;
    };
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => {
            let _ = fs4::FileExt::unlock(&file);
            true
        }
        Err(_) => false,
    }
}

/// Now, as RFC 3339 in UTC.
pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_names_its_holder_and_a_released_one_is_free_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(
            dir.path(),
            "tenant/sec ondary",
            "tenant `secondary`",
            "apply",
        )
        .unwrap();
        assert!(first.stale.is_none());
        assert!(
            dir.path().join("tenant%2Fsec%20ondary.lock").exists(),
            "names are escaped"
        );
        let err = Lock::acquire(
            dir.path(),
            "tenant/sec ondary",
            "tenant `secondary`",
            "drift",
        )
        .unwrap_err();
        match &err {
            LockError::Held { holder, .. } => {
                let h = holder.as_ref().unwrap();
                assert_eq!((h.pid, h.command.as_str()), (std::process::id(), "apply"));
            }
            other => panic!("{other}"),
        }
        assert!(err.to_string().contains("`apply` (pid"), "{err}");
        assert!(!is_free(dir.path(), "tenant/sec ondary"));
        drop(first);
        assert!(is_free(dir.path(), "tenant/sec ondary"));
        let again = Lock::acquire(dir.path(), "tenant/sec ondary", "t", "drift").unwrap();
        assert!(again.stale.is_none(), "a released lock is not stale");
    }

    #[test]
    fn a_lock_file_left_by_a_dead_holder_is_taken_over_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let dead = Holder {
            pid: 999_999,
            started: "2026-01-01T00:00:00Z".into(),
            command: "export --tenant primary".into(),
        };
        std::fs::write(
            dir.path().join("export.lock"),
            serde_json::to_vec(&dead).unwrap(),
        )
        .unwrap();
        let taken = Lock::acquire(dir.path(), "export", "the repository", "export").unwrap();
        assert_eq!(taken.stale, Some(dead));
    }

    #[test]
    fn several_locks_are_all_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let held = Lock::acquire(dir.path(), "tenant.b", "b", "apply").unwrap();
        let err = Lock::acquire_all(
            dir.path(),
            &[("tenant.b", "b"), ("tenant.a", "a")],
            "failover",
        )
        .unwrap_err();
        assert!(matches!(err, LockError::Held { .. }));
        assert!(
            is_free(dir.path(), "tenant.a"),
            "the first one was released"
        );
        drop(held);
        let both =
            Lock::acquire_all(dir.path(), &[("tenant.b", "b"), ("tenant.a", "a")], "f").unwrap();
        let names: Vec<&str> = both.iter().map(|t| t.lock.name()).collect();
        assert_eq!(names, ["tenant.a", "tenant.b"], "taken in name order");
    }
}
