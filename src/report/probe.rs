//! The probe's output: one line per probe, the moments the endpoint would be marked degraded or
//! recovered, and the verdict; `--format json` one document at the end:
//! `{"tenant", "url", "expect", "healthy", "probe"}` for one probe,
//! `{"tenant", "url", "expect", "healthy", "degraded", "probes": [...], "events": [...]}` for a
//! watch (each probe `{"n", "status", "latency_ms", "healthy", "error"}`, each event
//! `{"event": "degraded"|"recovered", "probe", "failures"}`).

use super::Format;
use crate::probe::{Event, Probe, ProbeTarget, WatchOptions, WatchReport};
use serde_json::json;

fn line_of(p: &Probe) -> String {
    let answer = match p.status {
        Some(s) => format!("{s} in {} ms", p.latency_ms),
        None => format!("no answer after {} ms", p.latency_ms),
    };
    let verdict = if p.healthy { "healthy" } else { "FAILED" };
    match &p.error {
        Some(e) if p.status.is_none() => format!("{answer}: {verdict} ({e})"),
        _ => format!("{answer}: {verdict}"),
    }
}

/// Prints one probe.
pub fn once(target: &ProbeTarget, url: &str, p: &Probe, format: Format) {
    let text = match format {
        Format::Json => super::json::render(
            "probe",
            json!({
                "tenant": target.tenant,
                "url": url,
                "expect": target.expect.to_string(),
                "healthy": p.healthy,
                "probe": p,
            }),
        ),
        Format::Text | Format::Markdown => {
            let mut out = format!(
                "probe of tenant `{}`: GET {url}: {}\n",
                target.tenant,
                line_of(p)
            );
            if !p.healthy && p.status.is_some() {
                out.push_str(&format!("expected {}\n", target.expect));
            }
            out
        }
    };
    super::out(&text);
}

/// Prints a watch as it goes.
pub struct Watching<'a> {
    target: &'a ProbeTarget,
    url: &'a str,
    options: WatchOptions,
    format: Format,
}

impl<'a> Watching<'a> {
    /// Starts a watch's output (text: a header line).
    pub fn new(
        target: &'a ProbeTarget,
        url: &'a str,
        options: WatchOptions,
        format: Format,
    ) -> Self {
        if format != Format::Json {
            super::out(&format!(
                "watching tenant `{}`: GET {url} every {:?}, expecting {}, {} consecutive failures tolerated\n",
                target.tenant, options.interval, target.expect, options.tolerated_failures
            ));
        }
        Watching {
            target,
            url,
            options,
            format,
        }
    }

    /// One probe and the event it caused.
    pub fn seen(&mut self, p: &Probe, event: Option<&Event>) {
        if self.format == Format::Json {
            return;
        }
        let mut out = format!("#{} {}\n", p.n, line_of(p));
        match event {
            Some(Event::Degraded { probe, failures }) => out.push_str(&format!(
                "DEGRADED at probe {probe}: {failures} consecutive failures, more than the {} tolerated: a traffic manager would stop routing to tenant `{}`\n",
                self.options.tolerated_failures, self.target.tenant
            )),
            Some(Event::Recovered { probe }) => out.push_str(&format!(
                "RECOVERED at probe {probe}: a traffic manager would route to tenant `{}` again\n",
                self.target.tenant
            )),
            None => {}
        }
        super::out(&out);
    }

    /// The verdict (text) or the whole document (JSON).
    pub fn finish(self, report: &WatchReport) {
        let failed = report.probes.iter().filter(|p| !p.healthy).count();
        let text = match self.format {
            Format::Json => super::json::render(
                "probe",
                json!({
                    "tenant": self.target.tenant,
                    "url": self.url,
                    "expect": self.target.expect.to_string(),
                    "healthy": !report.degraded,
                    "degraded": report.degraded,
                    "probes": report.probes,
                    "events": report.events,
                }),
            ),
            Format::Text | Format::Markdown => format!(
                "tenant `{}` is {} at the end: {}, {failed} failed\n",
                self.target.tenant,
                if report.degraded {
                    "DEGRADED"
                } else {
                    "healthy"
                },
                super::count(report.probes.len(), "probe", "probes")
            ),
        };
        super::out(&text);
    }
}
