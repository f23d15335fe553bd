//! The `--format json` documents: the contract CI reads. Every command prints exactly one
//! document on stdout once its arguments are parsed, its result or its error; usage errors
//! (bad flags) stay text on stderr. The documents have types of their own here, so the engine's
//! types can change without changing them; README.md ("JSON output") documents every field.
//!
//! Every document starts with `"format_version"` ([`FORMAT_VERSION`]) and `"command"` (`export`,
//! `plan`, `apply`, `drift`, `failover`, `roles`, `secret set`, `secret rekey`,
//! `companion install`, `probe`, `emulator`, `demo`). Fields are added
//! over time without changing the version; the version changes only when a field is removed or
//! changes its meaning or type. Optional keys are left out when empty. Secret values never
//! appear.
//!
//! An error is `{"format_version", "command", "error": {"kind", "message", "causes", "hint"}}`
//! with `kind` one of `user`, `config`, `tenant`, `drift` (exit code 2: apply refused because of
//! drift), `internal`.

use super::words::{effect_text, problem_text, recreation_text, skip_text, status};
use crate::export::{Change, ExportReport};
use crate::read::{Companion, Warning};
use crate::sync::apply::{ApplyReport, Status, StillDifferent};
use crate::sync::diff::{FieldChange, FileChange};
use crate::sync::plan::{Action, Reason, SecretChange};
use crate::sync::review::{Recreation, Review, Reviewed};
use serde::Serialize;
use serde_json::Value;

/// The version of the documents' format. Added fields never change it.
pub const FORMAT_VERSION: u32 = 1;

/// A document: the version and command, then the command's own fields.
#[derive(Serialize)]
struct Doc<'a, T: Serialize> {
    format_version: u32,
    command: &'a str,
    #[serde(flatten)]
    body: T,
}

/// One document of `command` with `body`'s fields after the version and the command.
pub fn render<T: Serialize>(command: &str, body: T) -> String {
    let doc = Doc {
        format_version: FORMAT_VERSION,
        command,
        body,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[derive(Serialize)]
struct WarningDoc<'a> {
    object: &'a str,
    message: &'a str,
}

fn warnings(w: &[Warning]) -> Vec<WarningDoc<'_>> {
    w.iter()
        .map(|w| WarningDoc {
            object: &w.object,
            message: &w.message,
        })
        .collect()
}

// --- errors ---------------------------------------------------------------------------------

/// An error as the command line reports it.
pub struct ErrorView<'a> {
    /// `user`, `config`, `tenant`, `drift` or `internal`.
    pub kind: &'a str,
    /// What went wrong.
    pub message: &'a str,
    /// Why, one line each.
    pub causes: &'a [String],
    /// What to do next.
    pub hint: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDoc<'a>,
}

#[derive(Serialize)]
struct ErrorDoc<'a> {
    kind: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    causes: &'a [String],
    hint: Option<&'a str>,
}

/// The document of a command that failed or refused.
pub fn error(command: &str, e: &ErrorView) -> String {
    render(
        command,
        ErrorBody {
            error: ErrorDoc {
                kind: e.kind,
                message: e.message,
                causes: e.causes,
                hint: e.hint,
            },
        },
    )
}

// --- plan and drift --------------------------------------------------------------------------

#[derive(Serialize)]
struct ReviewDoc<'a> {
    tenant: &'a str,
    revision: &'a str,
    base: Option<&'a str>,
    changes: usize,
    drifted: usize,
    prune: bool,
    steps: Vec<StepDoc<'a>>,
    warnings: Vec<WarningDoc<'a>>,
    role: &'static str,
    held_back: Vec<super::ha::HeldBackDoc>,
    roles: Vec<super::ha::RoleDoc<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mixed: Option<Vec<super::ha::MixedDoc>>,
}

#[derive(Serialize)]
struct StepDoc<'a> {
    id: String,
    action: &'static str,
    reason: &'static str,
    secrets: &'static str,
    secrets_drifted: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    overrides: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<FieldDoc<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Vec<FileDoc<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_files: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recreate: Option<RecreateDoc>,
}

#[derive(Serialize)]
struct RecreateDoc {
    reason: &'static str,
    message: &'static str,
}

#[derive(Serialize)]
struct FieldDoc<'a> {
    field: &'a str,
    live: &'a Option<Value>,
    desired: &'a Option<Value>,
}

#[derive(Serialize)]
struct FileDoc<'a> {
    path: &'a str,
    change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sizes: Option<(usize, usize)>,
}

/// The JSON name of an action.
pub fn action(a: Action) -> &'static str {
    match a {
        Action::None => "none",
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
    }
}

/// The JSON name of a reason.
pub fn reason(r: Reason) -> &'static str {
    match r {
        Reason::InSync => "in-sync",
        Reason::Pending => "pending",
        Reason::Drifted => "drifted",
        Reason::NeverApplied => "never-applied",
    }
}

fn secrets(s: SecretChange) -> &'static str {
    match s {
        SecretChange::NoSecrets => "no-secrets",
        SecretChange::Unchanged => "unchanged",
        SecretChange::Write => "write",
    }
}

fn recreation(r: Recreation) -> &'static str {
    match r {
        Recreation::ValueMapping => "value-mapping",
        Recreation::CustomParameters => "custom-parameters",
        Recreation::Moved => "moved",
    }
}

fn step(v: &Reviewed) -> StepDoc<'_> {
    let s = &v.step;
    StepDoc {
        id: s.id.to_string(),
        action: action(s.action),
        reason: reason(s.reason),
        secrets: secrets(s.secrets),
        secrets_drifted: s.secrets_drifted,
        overrides: &s.overrides,
        runtime: s.runtime.as_ref().map(|r| r.to_string()),
        fields: v
            .details
            .as_ref()
            .map(|d| d.fields.iter().map(field).collect()),
        files: v
            .details
            .as_ref()
            .map(|d| d.files.iter().map(file).collect()),
        content_files: v.content_files,
        recreate: v.recreate.map(|r| RecreateDoc {
            reason: recreation(r),
            message: recreation_text(r),
        }),
    }
}

fn field(f: &FieldChange) -> FieldDoc<'_> {
    FieldDoc {
        field: &f.field,
        live: &f.live,
        desired: &f.desired,
    }
}

fn file(f: &FileChange) -> FileDoc<'_> {
    FileDoc {
        path: &f.path,
        change: f.change.as_str(),
        diff: f.diff.as_deref(),
        sizes: f.sizes,
    }
}

/// The document of a plan or drift report (`command`: `plan` or `drift`).
pub fn review(command: &str, view: &Review) -> String {
    render(
        command,
        ReviewDoc {
            tenant: &view.tenant,
            revision: &view.revision,
            base: view.base.as_deref(),
            changes: view.changes,
            drifted: view.drifted,
            prune: view.prune,
            steps: view.steps.iter().map(step).collect(),
            warnings: warnings(&view.warnings),
            role: view.role.as_str(),
            held_back: super::ha::held_back_docs(&view.held_back),
            roles: super::ha::role_docs(&view.roles),
            mixed: (command == "plan").then(|| super::ha::mixed_docs(&view.mixed)),
        },
    )
}

// --- apply -------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ApplyDoc<'a> {
    tenant: &'a str,
    revision: &'a str,
    outcomes: Vec<OutcomeDoc>,
    remaining: Vec<RemainingDoc>,
    problems: Vec<String>,
    base_recorded: bool,
    seconds: f64,
    requests: u64,
    held_back: Vec<super::ha::HeldBackDoc>,
}

#[derive(Serialize)]
struct OutcomeDoc {
    id: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    actions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct RemainingDoc {
    id: String,
    why: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime: Option<String>,
}

/// The document of an apply.
pub fn apply(report: &ApplyReport) -> String {
    render(
        "apply",
        ApplyDoc {
            tenant: &report.tenant,
            revision: &report.revision,
            outcomes: report
                .outcomes
                .iter()
                .map(|o| {
                    let mut actions: Vec<String> = o.effects.iter().map(effect_text).collect();
                    if let Status::Skipped(skip) = &o.status {
                        actions.push(skip_text(skip));
                    }
                    OutcomeDoc {
                        id: o.id.to_string(),
                        status: status(&o.status),
                        actions,
                        error: match &o.status {
                            Status::Failed(e) => Some(e.to_string()),
                            _ => None,
                        },
                    }
                })
                .collect(),
            remaining: report
                .remaining
                .iter()
                .map(|r| RemainingDoc {
                    id: r.id.to_string(),
                    why: match r.why {
                        StillDifferent::Runtime(_) => "runtime",
                        StillDifferent::Missing => "missing",
                        StillDifferent::StillThere => "still-there",
                        StillDifferent::Differs => "differs",
                    },
                    runtime: match &r.why {
                        StillDifferent::Runtime(state) => Some(state.to_string()),
                        _ => None,
                    },
                })
                .collect(),
            problems: report.problems.iter().map(problem_text).collect(),
            base_recorded: report.base_recorded,
            seconds: report.seconds,
            requests: report.requests,
            held_back: super::ha::held_back_docs(&report.held_back),
        },
    )
}

// --- export ------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ExportDoc<'a> {
    tenant: &'a str,
    commit: Option<&'a str>,
    changed: bool,
    objects: Vec<ExportObjectDoc<'a>>,
    warnings: Vec<WarningDoc<'a>>,
    missing_secrets: &'a [String],
    companion: &'static str,
    requests: u64,
    bytes: u64,
}

#[derive(Serialize)]
struct ExportObjectDoc<'a> {
    id: &'a str,
    outcome: &'static str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    files: &'a [String],
}

/// The JSON name of an export outcome.
pub fn change(c: Change) -> &'static str {
    match c {
        Change::Added => "added",
        Change::Changed => "changed",
        Change::Removed => "removed",
        Change::Unchanged => "unchanged",
    }
}

/// The document of an export.
pub fn export(report: &ExportReport) -> String {
    render(
        "export",
        ExportDoc {
            tenant: &report.tenant,
            commit: report.commit.as_deref(),
            changed: report.changed,
            objects: report
                .objects
                .iter()
                .map(|o| ExportObjectDoc {
                    id: &o.id,
                    outcome: change(o.outcome),
                    files: &o.files,
                })
                .collect(),
            warnings: warnings(&report.warnings),
            missing_secrets: &report.missing_secrets,
            companion: match report.companion {
                Companion::NotAsked => "not-asked",
                Companion::Used => "used",
                Companion::Absent => "absent",
            },
            requests: report.requests,
            bytes: report.bytes,
        },
    )
}

// --- secrets -----------------------------------------------------------------------------------

#[derive(Serialize)]
struct SecretSetDoc<'a> {
    object: &'a str,
    slot: &'a str,
    file: &'a str,
    recipients: usize,
}

/// The document of `secret set`: which object's secret was written to which file.
pub fn secret_set(object: &str, slot: &str, file: &str, recipients: usize) -> String {
    render(
        "secret set",
        SecretSetDoc {
            object,
            slot,
            file,
            recipients,
        },
    )
}

#[derive(Serialize)]
struct RekeyDoc<'a> {
    state_dir: &'a str,
    files: usize,
    recipients: usize,
}

/// The document of `secret rekey`.
pub fn secret_rekey(state_dir: &str, files: usize, recipients: usize) -> String {
    render(
        "secret rekey",
        RekeyDoc {
            state_dir,
            files,
            recipients,
        },
    )
}

// --- emulator ----------------------------------------------------------------------------------

/// Where an emulated tenant listens (no passwords: they are the caller's or the documented
/// defaults).
#[derive(Serialize)]
pub struct EmulatorView<'a> {
    /// The seed.
    pub seed: &'a str,
    /// The tenant's URL.
    pub url: &'a str,
    /// The OData API's root.
    pub api_url: &'a str,
    /// The OAuth token endpoint.
    pub token_url: &'a str,
    /// The admin API's root.
    pub admin_url: &'a str,
    /// The Basic user.
    pub user: &'a str,
    /// The OAuth client id.
    pub client_id: &'a str,
    /// The state file, when the state persists.
    pub data: Option<&'a str>,
}

/// The document the emulator prints once it listens.
pub fn emulator(view: &EmulatorView) -> String {
    render("emulator", view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_starts_with_its_version_and_command() {
        let doc = error(
            "apply",
            &ErrorView {
                kind: "drift",
                message: "refusing",
                causes: &["user-credential/X".into()],
                hint: Some("review"),
            },
        );
        assert!(
            doc.starts_with("{\n  \"format_version\": 1,\n  \"command\": \"apply\",\n"),
            "{doc}"
        );
        let v: Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["error"]["kind"], "drift");
        assert_eq!(v["error"]["causes"][0], "user-credential/X");
        assert_eq!(v["error"]["hint"], "review");
        let v: Value = serde_json::from_str(&secret_rekey("tenant-state", 3, 2)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"format_version": 1, "command": "secret rekey", "state_dir": "tenant-state", "files": 3, "recipients": 2})
        );
    }
}
