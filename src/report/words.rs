//! The words for the engine's typed outcomes (what a write did, why an object was skipped or
//! still differs, what went wrong after an apply), shared by every format.

use super::count;
use crate::model::{Detail, Effect, Recreate};
use crate::sync::apply::{Problem, Remaining, Skip, Status, StillDifferent};
use crate::sync::review::Recreation;

/// An object's status: `done`, `failed`, `skipped`.
pub fn status(s: &Status) -> &'static str {
    match s {
        Status::Done => "done",
        Status::Failed(_) => "failed",
        Status::Skipped(_) => "skipped",
    }
}

/// What a write did, in words.
pub fn effect_text(e: &Effect) -> String {
    let verb = |created: bool, detail: &Detail| -> String {
        match (created, detail) {
            (true, Detail::Plain) => "created".into(),
            (false, Detail::Plain) => "updated".into(),
            (true, Detail::Secret(what)) => format!("created with its {what}"),
            (false, Detail::Secret(what)) => format!("updated with its {what}"),
            (true, Detail::Pem) => "imported".into(),
            (false, Detail::Pem) => "replaced".into(),
            (true, Detail::Pkcs12) => "uploaded from its PKCS#12".into(),
            (false, Detail::Pkcs12) => "replaced from its PKCS#12".into(),
            (true, Detail::ForUser(user)) => format!("created for user {user}"),
            (false, Detail::ForUser(user)) => format!("updated for user {user}"),
            (true, Detail::References(n)) => format!("created with {n} artifact references"),
            (false, Detail::References(n)) => format!("updated with {n} artifact references"),
            (true, Detail::CurrentValue { .. }) => "created".into(),
            (false, Detail::CurrentValue { reset: true }) => "updated, CurrentValue reset".into(),
            (false, Detail::CurrentValue { reset: false }) => "updated, CurrentValue kept".into(),
            (true, Detail::Version(v)) => format!("created at version {v}"),
            (false, Detail::Version(v)) => format!("content uploaded at version {v}"),
        }
    };
    match e {
        Effect::Created(d) => verb(true, d),
        Effect::Updated(d) => verb(false, d),
        Effect::Recreated(Recreate::CustomParameters) => {
            "re-created with its client secret (deleted and created: custom parameters are accepted only on create)".into()
        }
        Effect::Recreated(Recreate::Moved(v)) => {
            format!("re-created at version {v} (deleted and created: moved to another package)")
        }
        Effect::Recreated(Recreate::ValueMapping(v)) => {
            format!(
                "re-created at version {v} (deleted and created: value mappings have no update)"
            )
        }
        Effect::CopiedFromCatalogue => {
            "copied from the SAP content catalogue (configure-only)".into()
        }
        Effect::KeptConfigureOnly => "configure-only: its descriptive fields come from SAP".into(),
        Effect::TakenFromCatalogueCopy => "taken from the package's copy of SAP's catalogue".into(),
        Effect::DescriptionUpdated => "description updated".into(),
        Effect::ReferenceAdded(value) => format!("reference {value} added"),
        Effect::ReferenceRemoved => "a reference removed".into(),
        Effect::Configured(n) => format!(
            "{} set",
            count(*n, "configuration value", "configuration values")
        ),
        Effect::Deployed(v) => format!("deployed {v}, STARTED"),
        Effect::Undeployed => "undeployed".into(),
        Effect::Deleted => "deleted".into(),
    }
}

/// Why an update deletes and creates an object, in words.
pub fn recreation_text(why: Recreation) -> &'static str {
    match why {
        Recreation::ValueMapping => "value mappings have no update on the API",
        Recreation::CustomParameters => {
            "custom parameters are accepted only on create, and an update would drop them"
        }
        Recreation::Moved => "moved to another package",
    }
}

/// Why an object was skipped, in words.
pub fn skip_text(s: &Skip) -> String {
    match s {
        Skip::NotWritable(entity_type) => format!(
            "{entity_type} artifacts cannot be written one by one; import their package on the tenant"
        ),
    }
}

/// An object that still differs, with why.
pub fn remaining_text(r: &Remaining) -> String {
    match &r.why {
        StillDifferent::Runtime(state) => format!("{} (runtime {state})", r.id),
        StillDifferent::Missing => format!("{} (missing on the target)", r.id),
        StillDifferent::StillThere => format!("{} (still on the target)", r.id),
        StillDifferent::Differs => format!("{} (differs from git)", r.id),
    }
}

/// What went wrong after the writes, in words.
pub fn problem_text(p: &Problem) -> String {
    match p {
        Problem::NotVerified(e) => {
            format!("the tenant could not be read again to verify the apply: {e}")
        }
        Problem::BaseNotRecorded(tenant, e) => {
            format!("the base (refs/cpi-gitops/applied/{tenant}) could not be recorded: {e}")
        }
    }
}
