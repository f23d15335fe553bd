//! What an apply did, as data: per object its [`Status`] and [`Effect`]s, what still differs
//! afterwards, and what went wrong after the writes. `report` renders it.

use crate::git::GitError;
use crate::model::{Effect, ObjectId, WriteError};
use crate::read::ReadError;
use crate::sync::plan::RuntimeState;

/// How an object's apply ended.
#[derive(Debug)]
pub enum Status {
    /// Every write succeeded.
    Done,
    /// Not written, for a reason the user can act on.
    Skipped(Skip),
    /// A write failed (what was done before stays in the effects).
    Failed(WriteError),
}

/// Why an object was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The API cannot write artifacts of this entity type one by one (the entity type).
    NotWritable(&'static str),
}

/// What happened to one object.
#[derive(Debug)]
pub struct ObjectOutcome {
    /// The object.
    pub id: ObjectId,
    /// How it ended.
    pub status: Status,
    /// What was done, in order.
    pub effects: Vec<Effect>,
}

impl ObjectOutcome {
    /// An outcome of `id` with `status` and `effects`.
    pub fn new(id: &ObjectId, status: Status, effects: Vec<Effect>) -> ObjectOutcome {
        ObjectOutcome {
            id: id.clone(),
            status,
            effects,
        }
    }

    /// Whether a write failed.
    pub fn failed(&self) -> bool {
        matches!(self.status, Status::Failed(_))
    }
}

/// Why an object still differs after an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StillDifferent {
    /// Its runtime is not `STARTED` at the desired version (what it is).
    Runtime(RuntimeState),
    /// Git has it, the target does not.
    Missing,
    /// The target has it, git does not (and prune was asked for).
    StillThere,
    /// Both have it, and they differ.
    Differs,
}

/// An object that still differs after an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remaining {
    /// The object.
    pub id: ObjectId,
    /// Why.
    pub why: StillDifferent,
}

/// What went wrong after the writes.
#[derive(Debug)]
pub enum Problem {
    /// The target could not be read again to verify the apply.
    NotVerified(ReadError),
    /// The base could not be recorded (the tenant, the error).
    BaseNotRecorded(String, GitError),
}

/// The result of an apply.
#[derive(Debug)]
pub struct ApplyReport {
    /// The target tenant.
    pub tenant: String,
    /// The applied revision.
    pub revision: String,
    /// Every object written, deployed or deleted.
    pub outcomes: Vec<ObjectOutcome>,
    /// Objects that still differ after the apply.
    pub remaining: Vec<Remaining>,
    /// What went wrong after the writes: the verification read or recording the base failed.
    pub problems: Vec<Problem>,
    /// Whether the base was recorded.
    pub base_recorded: bool,
    /// Seconds from the first write to the end of verification (the command replaces it with
    /// its whole time).
    pub seconds: f64,
    /// Requests sent to the tenant by the whole command.
    pub requests: u64,
    /// The flows a passive target holds back (not deployed, undeployed if they ran).
    pub held_back: Vec<crate::sync::passive::HeldBack>,
}

impl ApplyReport {
    /// Whether an object failed, or the apply could not be verified or recorded.
    pub fn failed(&self) -> bool {
        !self.problems.is_empty() || self.outcomes.iter().any(ObjectOutcome::failed)
    }
}
