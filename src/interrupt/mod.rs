//! Interruption: runs that end cleanly when stopped, and recover by themselves when killed.
//!
//! Four parts, each in its own file:
//!
//! - [`signals`]: SIGINT and SIGTERM (Ctrl-C, a cancelled CI job) are caught once for the whole
//!   process. A command either finishes or rolls back what it was doing, then exits 130 or 143
//!   (design.md section 6).
//! - [`lock`]: one command at a time per repository (export) and per tenant (apply, drift,
//!   failover), as lock files under `.git/cpi-gitops/locks/` that the operating system releases
//!   when their holder dies (so a lock left by a killed run is stale and taken over, saying so).
//! - [`journal`]: what a run is in the middle of writing, so that the next command of ours can
//!   finish or undo it after a SIGKILL, which no process can catch.
//! - [`failpoint`]: named steps where a test stops the process (`CPI_GITOPS_FAIL_POINT`).
//!
//! # The journal
//!
//! A journal is a small JSON document at `.git/cpi-gitops/journal/<operation>.json`, written
//! (to a temporary file, synced, then renamed) by the run that holds the operation's lock, just
//! before the first write that leaves the repository or a tenant in a state nobody meant, and
//! removed right after the last one. Each run removes its own journal when it ends, also when it
//! fails or is stopped by SIGINT or SIGTERM; only a SIGKILL (or a crash of the machine) leaves one
//! behind. What each operation journals and what the next command does with it:
//!
//! | operation | journaled | written | removed | the next command |
//! |---|---|---|---|---|
//! | `export` | the state folder's tree before and after, the commit being made | once the new objects are in the object database, before the first file of the work tree is written | once the branch and index point at the new commit | makes every path that differs between the two trees equal to `HEAD` again, in the work tree and the index (the old state if the branch had not moved yet, the new one if it had), and says so |
//! | `apply.<tenant>` | the revision being applied and the objects it is about to write; then one line per object written | before the first write to the tenant (the same moment the base ref records the objects in progress) | once the final base is recorded | records the objects the killed run wrote in the base (`refs/cpi-gitops/applied/<tenant>`), keeps the others "in progress" there (their state on the tenant is the run's own work, not drift), and says so |
//!
//! Recovery runs at the start of every command that opens the repository, for every journal
//! whose lock is free (a journal whose lock is held belongs to a run still going). The
//! high-availability failover journals its steps the same way, under the locks of both tenants.
//!
//! Nothing here knows about tenants, git objects or the state layout: export and apply say what
//! their journal holds and how to recover from it.

pub mod failpoint;
pub mod journal;
pub mod lock;
pub mod signals;

pub use journal::Journal;
pub use lock::{Lock, LockError};
pub use signals::Signal;
