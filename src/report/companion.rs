//! The output of `companion install`: what was written (or that nothing was), the endpoints and
//! the roles to assign; `--format json` is the [`InstallReport`] as one document.

use super::Format;
use crate::companion::install::InstallReport;

/// Prints the result of an install.
pub fn install(report: &InstallReport, format: Format) {
    let text = match format {
        Format::Json => super::json::render("companion install", report),
        Format::Text | Format::Markdown => text(report),
    };
    super::out(&text);
}

fn text(r: &InstallReport) -> String {
    let mut out = if r.changed {
        let from = match r.found.as_str() {
            "none" => String::new(),
            "current" | "incomplete" => " (completing it)".to_string(),
            "modified" => " (replacing other content, --force)".to_string(),
            v => format!(" (was {v})"),
        };
        format!(
            "installed companion {} on tenant `{}`{from}\n",
            r.version, r.tenant
        )
    } else {
        format!(
            "companion {} is installed on tenant `{}`, configured and STARTED: nothing to change\n",
            r.version, r.tenant
        )
    };
    for a in &r.actions {
        out.push_str(&format!("  {}: {}\n", a.object, a.done));
    }
    for d in &r.forced {
        out.push_str(&format!("  accepted with --force: {d}\n"));
    }
    out.push_str("endpoints:\n");
    for e in &r.endpoints {
        out.push_str(&format!(
            "  {}  {}\n    role {}: assign it to {}\n",
            e.flow, e.url, e.role, e.assign_to
        ));
    }
    out
}
