//! Fail points: named steps where a test stops the process, to prove that every step of a
//! commit phase ends in an allowed state whatever signal arrives there.
//!
//! With `CPI_GITOPS_FAIL_POINT=<name>` in the environment, the process that reaches the step
//! `<name>` prints `cpi-gitops: fail point <name> reached` on stderr and waits there until it gets
//! SIGINT or SIGTERM (then it goes on, and handles the signal as at any other moment) or SIGKILL
//! (then it dies there). No timer is involved: the test reads the line, then sends the signal.
//!
//! The names, in the order a run reaches them:
//!
//! | name | where |
//! |---|---|
//! | `export:read` | export: the first artifact's files are in the new pack (the tenant is being read) |
//! | `export:pack-finished` | export: every new object is in a finished pack, not yet installed |
//! | `export:journal-written` | export: the pack is installed and the journal written; the work tree is untouched |
//! | `export:worktree-partial` | export: the first file of the work tree is written |
//! | `export:worktree-written` | export: the work tree holds the new state; the branch has not moved |
//! | `export:head-moved` | export: the branch points at the new commit; the index does not yet |
//! | `export:index-written` | export: the index holds the new state; the journal is still there |
//! | `apply:intent-recorded` | apply: the base records the objects about to be written; nothing is written yet |
//! | `apply:object-written` | apply: the first object is written and journaled |
//! | `apply:writes-done` | apply: every write and deploy is done; the target is not verified yet |
//! | `failover:fenced` | failover: the old active is fenced (or there is none); nothing is deployed on the new active yet |
//! | `failover:deployed` | failover: the held-back flows are deployed on the new active; the roles and bases are not recorded yet |
//!
//! The variable is read once, by the command line, through `config::Env` (the only reader of the
//! environment); the library's own tests never set it.

use std::sync::OnceLock;

/// The environment variable naming the fail point.
pub const VARIABLE: &str = "CPI_GITOPS_FAIL_POINT";

static ARMED: OnceLock<String> = OnceLock::new();

/// Arms the fail point `name` for the rest of the process (the first call counts).
pub fn arm(name: &str) {
    let _ = ARMED.set(name.to_string());
}

fn armed(name: &str) -> bool {
    ARMED.get().is_some_and(|a| a == name)
}

fn announce(name: &str) {
    use std::io::Write;
    // A test hook, not output of a command: written directly, unbuffered, for the test to read.
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "cpi-gitops: fail point {name} reached");
    let _ = err.flush();
}

/// On a blocking thread: when `name` is armed, says so and waits for a signal.
pub fn reach(name: &str) {
    if armed(name) {
        announce(name);
        super::signals::wait_blocking();
    }
}

/// On the async runtime: when `name` is armed, says so and waits for a signal.
pub async fn reach_async(name: &str) {
    if armed(name) {
        announce(name);
        super::signals::wait().await;
    }
}
