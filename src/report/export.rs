//! The result of an export in text, JSON or markdown.
//!
//! JSON (`--format json`) is the document of [`super::json::export`].

use super::Format;
use crate::export::{Change, ExportReport};

/// Prints the result of an export.
pub fn print(report: &ExportReport, format: Format, state_dir: &str) {
    let text = match format {
        Format::Json => super::json::export(report),
        Format::Text => text(report, state_dir),
        Format::Markdown => markdown(report, state_dir),
    };
    super::out(&text);
}

fn count(report: &ExportReport, change: Change) -> usize {
    report
        .objects
        .iter()
        .filter(|o| o.outcome == change)
        .count()
}

fn text(r: &ExportReport, state_dir: &str) -> String {
    let mut out = String::new();
    let counts = format!(
        "{} added, {} changed, {} removed, {} unchanged",
        count(r, Change::Added),
        count(r, Change::Changed),
        count(r, Change::Removed),
        count(r, Change::Unchanged)
    );
    match (&r.commit, r.changed) {
        (Some(c), _) => out.push_str(&format!(
            "exported tenant `{}` into {state_dir}/ as commit {}: {counts}\n",
            r.tenant,
            &c[..c.len().min(10)]
        )),
        (None, true) => out.push_str(&format!(
            "exported tenant `{}` into {state_dir}/ (not committed): {counts}\n",
            r.tenant
        )),
        (None, false) => out.push_str(&format!(
            "tenant `{}` is unchanged since the last export: nothing to commit ({counts})\n",
            r.tenant
        )),
    }
    for o in r.objects.iter().filter(|o| o.outcome != Change::Unchanged) {
        let label = match o.outcome {
            Change::Added => "added  ",
            Change::Changed => "changed",
            Change::Removed => "removed",
            Change::Unchanged => "",
        };
        out.push_str(&format!("  {label} {}\n", o.id));
    }
    for w in &r.warnings {
        out.push_str(&format!("warning: {} {}\n", w.object, w.message));
    }
    if !r.missing_secrets.is_empty() {
        out.push_str(&format!(
            "missing secrets ({}): the tenant did not reveal them and git has no file; add them with `cpi-gitops secret set`:\n",
            r.missing_secrets.len()
        ));
        for m in &r.missing_secrets {
            out.push_str(&format!("  {m}\n"));
        }
    }
    if !r.unverified_secrets.is_empty() {
        out.push_str(&format!(
            "unverified secrets ({}): kept as git has them, but without the export marks ({}) nothing tells whether they changed on the tenant; fetch refs/cpi-gitops/* before exporting, or replace them with `cpi-gitops secret set`:\n",
            r.unverified_secrets.len(),
            crate::store::marks::ref_name(&r.tenant)
        ));
        for m in &r.unverified_secrets {
            out.push_str(&format!("  {m}\n"));
        }
    }
    out.push_str(&format!(
        "{} requests, {} received\n",
        r.requests,
        super::human_bytes(r.bytes)
    ));
    out
}

fn markdown(r: &ExportReport, state_dir: &str) -> String {
    let mut out = format!(
        "### Export of tenant {}\n\n",
        super::markdown::code(&r.tenant)
    );
    if r.changed {
        out.push_str(&format!(
            "| added | changed | removed | unchanged |\n|---:|---:|---:|---:|\n| {} | {} | {} | {} |\n\n",
            count(r, Change::Added),
            count(r, Change::Changed),
            count(r, Change::Removed),
            count(r, Change::Unchanged)
        ));
    } else {
        out.push_str("No changes since the last export.\n\n");
    }
    for (change, title) in [
        (Change::Added, "Added"),
        (Change::Changed, "Changed"),
        (Change::Removed, "Removed"),
    ] {
        let items: Vec<_> = r.objects.iter().filter(|o| o.outcome == change).collect();
        if !items.is_empty() {
            out.push_str(&format!("**{title}**\n\n"));
            for o in items {
                out.push_str(&format!("- {}\n", super::markdown::code(&o.id)));
            }
            out.push('\n');
        }
    }
    if !r.warnings.is_empty() {
        out.push_str("**Warnings**\n\n");
        for w in &r.warnings {
            out.push_str(&format!(
                "- {} {}\n",
                super::markdown::code(&w.object),
                super::markdown::escape(&w.message)
            ));
        }
        out.push('\n');
    }
    if !r.missing_secrets.is_empty() {
        out.push_str(&format!("**Missing secrets** (set them with `cpi-gitops secret set`, then commit to {state_dir}/)\n\n"));
        for m in &r.missing_secrets {
            out.push_str(&format!("- {}\n", super::markdown::code(m)));
        }
        out.push('\n');
    }
    if !r.unverified_secrets.is_empty() {
        out.push_str(&format!(
            "**Unverified secrets**: kept as git has them, but the export ran without its marks ({}), so nothing tells whether they changed on the tenant. A password rotated there would stay stale in git: check that the pipeline fetches `refs/cpi-gitops/*`, or replace them with `cpi-gitops secret set`.\n\n",
            super::markdown::code(&crate::store::marks::ref_name(&r.tenant))
        ));
        for m in &r.unverified_secrets {
            out.push_str(&format!("- {}\n", super::markdown::code(m)));
        }
    }
    super::markdown::truncate(out)
}
