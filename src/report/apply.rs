//! The result of an apply in text, markdown and JSON ([`super::json`]), and the words for what an
//! apply did to each object ([`effect_text`]).

use super::plan::short_rev;
use super::{Format, count, markdown};
use crate::model::{Detail, Effect, Recreate};
use crate::sync::apply::{
    ApplyReport, ObjectOutcome, Problem, Remaining, Skip, Status, StillDifferent,
};

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
            "re-created (custom parameters change only on create)".into()
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
                    super::json::status(&o.status),
                    o.id,
                    detail(o)
                ));
            }
            out + &summary
        }
        Format::Markdown => {
            // The summary and the failures first: a long list is truncated at the end.
            let mut out = format!(
                "### Apply to tenant {}\n\n{}\n",
                markdown::code(&report.tenant),
                summary.lines().collect::<Vec<_>>().join("  \n")
            );
            let (failures, rest): (Vec<_>, Vec<_>) =
                report.outcomes.iter().partition(|o| o.failed());
            for o in failures.into_iter().chain(rest) {
                out.push_str(&format!(
                    "- {} {}: {}\n",
                    markdown::code(&o.id.to_string()),
                    super::json::status(&o.status),
                    markdown::escape(&detail(o))
                ));
            }
            markdown::truncate(out)
        }
    };
    super::out(&text);
}
