//! The result of an apply in text, markdown and JSON ([`super::json`]).

use super::plan::short_rev;
use super::words::{effect_text, problem_text, remaining_text, skip_text, status};
use super::{Format, count, markdown};
use crate::sync::apply::{ApplyReport, ObjectOutcome, Status};

/// The detail of one object's line: its error, or what was done.
fn detail(o: &ObjectOutcome) -> String {
    match &o.status {
        Status::Failed(e) => format!("FAILED: {e}"),
        Status::Skipped(skip) => {
            let mut words: Vec<String> = o.effects.iter().map(effect_text).collect();
            words.push(skip_text(skip));
            words.join("; ")
        }
        Status::Done => o
            .effects
            .iter()
            .map(effect_text)
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Prints the result of an apply.
pub fn apply(report: &ApplyReport, format: Format) {
    let failed = report.outcomes.iter().filter(|o| o.failed()).count();
    let skipped = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Skipped(_)))
        .count();
    let mut summary = format!(
        "{} written, {}{failed} failed, in {:.1} s ({} requests)\n",
        count(
            report.outcomes.len() - failed - skipped,
            "object",
            "objects"
        ),
        if skipped > 0 {
            format!("{skipped} skipped, ")
        } else {
            String::new()
        },
        report.seconds,
        report.requests
    );
    for p in &report.problems {
        summary.push_str(&format!("error: {}\n", problem_text(p)));
    }
    if report.remaining.is_empty() && failed == 0 && report.problems.is_empty() {
        summary.push_str("verified: the tenant equals the revision\n");
    } else {
        for r in &report.remaining {
            summary.push_str(&format!("still different: {}\n", remaining_text(r)));
        }
        summary.push_str("run apply again to converge (the base records what this apply left)\n");
    }
    let text = match format {
        Format::Json => super::json::apply(report),
        Format::Text => {
            let mut out = format!(
                "apply to tenant `{}` of revision {}\n",
                report.tenant,
                short_rev(&report.revision)
            );
            for o in &report.outcomes {
                out.push_str(&format!(
                    "  {:<7} {}: {}\n",
                    status(&o.status),
                    o.id,
                    detail(o)
                ));
            }
            out + &summary + &super::ha::held_back_text(&report.held_back)
        }
        Format::Markdown => {
            // The summary and the failures first: a long list is truncated at the end.
            let mut out = format!(
                "### Apply to tenant {}\n\n{}\n",
                markdown::code(&report.tenant),
                summary.lines().collect::<Vec<_>>().join("  \n")
            );
            out.push_str(&super::ha::held_back_markdown(&report.held_back));
            let (failures, rest): (Vec<_>, Vec<_>) =
                report.outcomes.iter().partition(|o| o.failed());
            for o in failures.into_iter().chain(rest) {
                out.push_str(&format!(
                    "- {} {}: {}\n",
                    markdown::code(&o.id.to_string()),
                    status(&o.status),
                    markdown::escape(&detail(o))
                ));
            }
            markdown::truncate(out)
        }
    };
    super::out(&text);
}
