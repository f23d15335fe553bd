//! The `--format json` documents of plan, drift and apply: the contract CI reads, with types of
//! its own (the engine's types may change without changing it). One document per command.
//!
//! Plan and drift:
//!
//! ```text
//! {"tenant", "revision", "base": <applied revision or null>, "changes", "drifted", "prune",
//!  "steps": [{"id", "action": "create"|"update"|"delete"|"none",
//!             "reason": "pending"|"drifted"|"never-applied"|"in-sync",
//!             "secrets": "no-secrets"|"unchanged"|"write", "secrets_drifted",
//!             "overrides"?, "runtime"?, "fields"?: [{"field", "live", "desired"}],
//!             "files"?: [{"path", "change", "diff"?, "sizes"?}], "content_files"?, "recreate"?}],
//!  "warnings": [{"object", "message"}],
//!  "role": "active"|"passive", "held_back": [{"id", "starts", "push"?, "mixed", "unknown"?,
//!  "running"}], "roles": [{"tenant", "role", "source", "unfenced", "configured"}]}
//! ```
//!
//! with the steps that differ. Apply:
//!
//! ```text
//! {"tenant", "revision", "outcomes": [{"id", "status": "done"|"failed"|"skipped", "actions"?,
//!  "error"?}], "remaining", "problems", "base_recorded", "seconds", "requests", "held_back"}
//! ```
//!
//! Keys marked `?` are left out when empty. Secret values never appear.

use super::words::{effect_text, problem_text, remaining_text, skip_text, status};
use crate::read::Warning;
use crate::sync::apply::{ApplyReport, Status};
use crate::sync::diff::{FieldChange, FileChange};
use crate::sync::plan::{Action, Reason, SecretChange};
use crate::sync::review::{Review, Reviewed};
use serde::Serialize;
use serde_json::Value;

/// A plan or drift report.
#[derive(Serialize)]
struct ReviewDoc<'a> {
    tenant: &'a str,
    revision: &'a str,
    base: Option<&'a str>,
    changes: usize,
    drifted: usize,
    prune: bool,
    steps: Vec<StepDoc<'a>>,
    warnings: &'a [Warning],
    role: &'static str,
    held_back: Vec<super::ha::HeldBackDoc>,
    roles: Vec<super::ha::RoleDoc<'a>>,
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
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    recreate: bool,
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
        recreate: v.recreate,
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

/// The document of a plan or drift report.
pub fn review(view: &Review) -> String {
    let doc = ReviewDoc {
        tenant: &view.tenant,
        revision: &view.revision,
        base: view.base.as_deref(),
        changes: view.changes,
        drifted: view.drifted,
        prune: view.prune,
        steps: view.steps.iter().map(step).collect(),
        warnings: &view.warnings,
        role: view.role.as_str(),
        held_back: super::ha::held_back_docs(&view.held_back),
        roles: super::ha::role_docs(&view.roles),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The result of an apply.
#[derive(Serialize)]
struct ApplyDoc<'a> {
    tenant: &'a str,
    revision: &'a str,
    outcomes: Vec<OutcomeDoc>,
    remaining: Vec<String>,
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

/// The document of an apply.
pub fn apply(report: &ApplyReport) -> String {
    let doc = ApplyDoc {
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
        remaining: report.remaining.iter().map(remaining_text).collect(),
        problems: report.problems.iter().map(problem_text).collect(),
        base_recorded: report.base_recorded,
        seconds: report.seconds,
        requests: report.requests,
        held_back: super::ha::held_back_docs(&report.held_back),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
