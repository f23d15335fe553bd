//! Plans and drift reports in text, markdown (for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY`, capped at 60,000 characters) and JSON ([`super::json`]). Secret values
//! never appear in any format.

use super::{Format, markdown};
use crate::sync::plan::{Action, Reason, SecretChange};
use crate::sync::review::{Review, Reviewed};
use serde_json::Value;

fn reason_text(r: Reason, action: Action) -> &'static str {
    match (r, action) {
        (Reason::Pending, _) => "pending in git",
        (Reason::Drifted, Action::Create) => "drifted: deleted on the target since the last apply",
        (Reason::Drifted, Action::Delete) => "drifted: created on the target outside git",
        (Reason::Drifted, _) => "drifted: changed on the target since the last apply",
        (Reason::NeverApplied, _) => "never applied",
        (Reason::InSync, _) => "in sync",
    }
}

fn action_text(a: Action) -> &'static str {
    match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete (only with --prune)",
        Action::None => "no change",
    }
}

fn sign(a: Action) -> char {
    match a {
        Action::Create => '+',
        Action::Update => '~',
        Action::Delete => '-',
        Action::None => ' ',
    }
}

fn short(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(Value::String(s)) if s.chars().count() > 120 => {
            format!("{:?}...", s.chars().take(117).collect::<String>())
        }
        Some(v) => v.to_string(),
    }
}

fn lines_of(view: &Reviewed, out: &mut String, indent: &str) {
    let s = &view.step;
    if let Some(r) = &s.runtime {
        out.push_str(&format!("{indent}runtime: {r} (will be deployed again)\n"));
    }
    if let Some(why) = view.recreate {
        out.push_str(&format!(
            "{indent}update by delete and create ({}): missing on the target for a moment\n",
            super::words::recreation_text(why)
        ));
    }
    if let Some(n) = view.content_files {
        out.push_str(&format!("{indent}content: {n} files\n"));
    }
    if let Some(d) = &view.details {
        for f in &d.fields {
            let overridden = s.overrides.contains(&f.field);
            out.push_str(&format!(
                "{indent}{}: {} -> {}{}\n",
                f.field,
                short(&f.live),
                short(&f.desired),
                if overridden { "  (override)" } else { "" }
            ));
        }
        for f in &d.files {
            match (&f.diff, f.sizes) {
                (Some(diff), _) => {
                    out.push_str(&format!("{indent}{} {}:\n", f.change.as_str(), f.path));
                    for line in diff.lines() {
                        out.push_str(&format!("{indent}  {line}\n"));
                    }
                }
                (None, Some((a, b))) => out.push_str(&format!(
                    "{indent}{} {} (binary, {a} -> {b} bytes)\n",
                    f.change.as_str(),
                    f.path
                )),
                _ => out.push_str(&format!("{indent}{} {}\n", f.change.as_str(), f.path)),
            }
        }
    }
    match s.secrets {
        SecretChange::Write => out.push_str(&format!(
            "{indent}secrets: will be written{}\n",
            if s.secrets_drifted {
                " (re-saved on the target since the last apply)"
            } else {
                ""
            }
        )),
        SecretChange::Unchanged => out.push_str(&format!("{indent}secrets: unchanged\n")),
        SecretChange::NoSecrets => {}
    }
    if !s.overrides.is_empty() {
        out.push_str(&format!("{indent}overrides: {}\n", s.overrides.join(", ")));
    }
}

fn summary(view: &Review) -> String {
    let count = |a: Action| view.steps.iter().filter(|s| s.step.action == a).count();
    let secrets = view
        .steps
        .iter()
        .filter(|s| s.step.secrets == SecretChange::Write)
        .count();
    format!(
        "{} to create, {} to update, {} to delete{}, {} with secrets to write; {} drifted or never applied",
        count(Action::Create),
        count(Action::Update),
        count(Action::Delete),
        if view.prune {
            ""
        } else {
            " (only with --prune)"
        },
        secrets,
        view.drifted
    )
}

fn header(view: &Review, what: &str) -> String {
    let base = match &view.base {
        Some(b) => format!("last applied {}", short_rev(b)),
        None => "never applied (no base: a first sync or a restore)".into(),
    };
    format!(
        "{what} of tenant `{}`{} against revision {} ({base})",
        view.tenant,
        if view.role == crate::config::Role::Passive {
            " (passive)"
        } else {
            ""
        },
        short_rev(&view.revision)
    )
}

/// ` (held back (passive))` for a held-back flow's step.
fn held_mark(view: &Review, v: &Reviewed) -> &'static str {
    if super::ha::is_held(&view.held_back, &v.step.id) {
        " (held back (passive))"
    } else {
        ""
    }
}

/// The first 10 characters of a revision (a base's may be hand-edited: any characters).
pub(super) fn short_rev(rev: &str) -> String {
    rev.chars().take(10).collect()
}

/// Prints a plan.
pub fn plan(view: &Review, format: Format) {
    let text = match format {
        Format::Json => super::json::review("plan", view),
        Format::Markdown => markdown_view(view, "Plan"),
        Format::Text => {
            let mut out = header(view, "plan");
            out.push('\n');
            if view.steps.is_empty() {
                out.push_str("no changes: the tenant equals the revision\n");
            }
            for v in &view.steps {
                out.push_str(&format!(
                    "{} {} {} ({}){}\n",
                    sign(v.step.action),
                    v.step.id,
                    action_text(v.step.action),
                    reason_text(v.step.reason, v.step.action),
                    held_mark(view, v)
                ));
                lines_of(v, &mut out, "    ");
            }
            if !view.steps.is_empty() {
                out.push_str(&format!("{}\n", summary(view)));
                let deletes = view.steps.iter().any(|s| s.step.action == Action::Delete);
                if deletes && !view.prune {
                    out.push_str("deletes are not counted: apply carries them out only with --prune (so does plan --prune)\n");
                }
                if view.drifted > 0 {
                    out.push_str("apply refuses drifted and never-applied objects unless --overwrite-drift is given\n");
                }
            }
            out.push_str(&super::ha::held_back_text(&view.held_back));
            out.push_str(&super::ha::mixed_text(&view.mixed, view.role));
            warnings(view, &mut out);
            out
        }
    };
    super::out(&text);
}

fn warnings(view: &Review, out: &mut String) {
    for w in &view.warnings {
        out.push_str(&format!("warning: {} {}\n", w.object, w.message));
    }
}

/// Prints a drift report.
pub fn drift(view: &Review, format: Format) {
    let text = match format {
        Format::Json => super::json::review("drift", view),
        Format::Markdown => markdown_view(view, "Drift"),
        Format::Text => {
            let mut out = header(view, "drift");
            out.push('\n');
            if view.steps.is_empty() {
                out.push_str("no drift: the tenant equals the revision\n");
            }
            for v in &view.steps {
                let label = match (v.step.reason, v.step.action) {
                    (Reason::Pending, Action::Create) => "pending in git: not yet on the target",
                    (Reason::Pending, Action::Delete) => {
                        "pending in git: deleted in git, still on the target"
                    }
                    (Reason::Pending, _) => "pending in git: changed in git since the last apply",
                    (r, a) => reason_text(r, a),
                };
                let label = if super::ha::is_held(&view.held_back, &v.step.id)
                    && v.step.action == Action::Update
                {
                    "held back (passive) but deployed here: the double-processing risk"
                } else {
                    label
                };
                out.push_str(&format!("{} {}: {label}\n", sign(v.step.action), v.step.id));
                lines_of(v, &mut out, "    ");
            }
            if !view.steps.is_empty() {
                out.push_str(&format!(
                    "{}\n",
                    super::count(view.steps.len(), "difference", "differences")
                ));
            }
            out.push_str(&super::ha::held_back_text(&view.held_back));
            warnings(view, &mut out);
            out
        }
    };
    super::out(&text);
}

fn markdown_view(view: &Review, title: &str) -> String {
    let mut out = format!(
        "### {title} of tenant {}{}\n\n",
        markdown::code(&view.tenant),
        if view.role == crate::config::Role::Passive {
            " (passive)"
        } else {
            ""
        }
    );
    out.push_str(&format!(
        "Revision {}, {}.\n\n",
        markdown::code(&short_rev(&view.revision)),
        match &view.base {
            Some(b) => format!("last applied {}", markdown::code(&short_rev(b))),
            None => "never applied".into(),
        }
    ));
    out.push_str(&super::ha::roles_markdown(&view.roles));
    out.push_str(&super::ha::held_back_markdown(&view.held_back));
    out.push_str(&super::ha::mixed_markdown(&view.mixed, view.role));
    if view.steps.is_empty() {
        out.push_str("No differences: the tenant equals the revision.\n");
        return out;
    }
    out.push_str(&format!(
        "{}\n\n| | object | action | why |\n|---|---|---|---|\n",
        summary(view)
    ));
    for v in &view.steps {
        out.push_str(&format!(
            "| {} | {} | {} | {}{} |\n",
            sign(v.step.action),
            markdown::code(&v.step.id.to_string()),
            action_text(v.step.action),
            reason_text(v.step.reason, v.step.action),
            held_mark(view, v)
        ));
    }
    out.push('\n');
    for v in view.steps.iter().filter(|v| {
        v.details
            .as_ref()
            .is_some_and(|d| !d.fields.is_empty() || !d.files.is_empty())
            || v.step.secrets == SecretChange::Write
    }) {
        let mut body = String::new();
        lines_of(v, &mut body, "");
        out.push_str(&format!(
            "<details><summary>{}</summary>\n\n```diff\n{}```\n\n</details>\n\n",
            markdown::code(&v.step.id.to_string()),
            body.replace("```", "` ` `")
        ));
    }
    if !view.warnings.is_empty() {
        out.push_str("**Warnings**\n\n");
        for w in &view.warnings {
            out.push_str(&format!(
                "- {} {}\n",
                markdown::code(&w.object),
                markdown::escape(&w.message)
            ));
        }
    }
    markdown::truncate(out)
}
