//! A failover's steps in text, markdown and JSON. An old active that could not be fenced is
//! said loudly in every format: it may still be running its self-starting flows.
//!
//! JSON:
//!
//! ```text
//! {"format_version", "command": "failover", "to", "from": <name or null>, "already_active", "dry_run",
//!  "result": "switched"|"switched-unfenced"|"planned"|"refused"|"failed", "exit_code",
//!  "steps": [{"step": "preflight"|"fence"|"deploy"|"withdraw"|"deploy-back"|"record-roles"|"update-base",
//!             "tenant"?, "status": "done"|"planned"|"skipped"|"unreachable"|"failed",
//!             "message"?, "flows"?: [{"flow", "outcome": "ready"|"not-ready"|"undeployed"|
//!             "started"|"unchanged"|"would-undeploy"|"would-deploy"|"failed", "version"?,
//!             "error"?}]}]}
//! ```

use super::{Format, markdown};
use crate::sync::failover::{FailoverReport, FlowDid, Phase, Status, StepReport, Verdict};
use serde::Serialize;

fn result(v: Verdict) -> &'static str {
    match v {
        Verdict::Switched => "switched",
        Verdict::SwitchedUnfenced => "switched-unfenced",
        Verdict::Planned => "planned",
        Verdict::Refused => "refused",
        Verdict::Failed => "failed",
    }
}

fn exit_code(v: Verdict) -> u8 {
    match v {
        Verdict::Switched | Verdict::Planned => 0,
        Verdict::SwitchedUnfenced => 2,
        Verdict::Refused | Verdict::Failed => 1,
    }
}

fn did_text(did: &FlowDid) -> String {
    match did {
        FlowDid::Undeployed => "undeployed".into(),
        FlowDid::Started(v) => format!("started at version {v}"),
        FlowDid::AlreadyThere => "already as needed".into(),
        FlowDid::Holds(v) => format!("held at version {v}, as its base records"),
        FlowDid::WouldUndeploy => "would be undeployed".into(),
        FlowDid::WouldDeploy => "would be deployed".into(),
        FlowDid::NotReady(why) => format!("not ready: {why}"),
        FlowDid::Failed(e) => format!("FAILED: {e}"),
    }
}

fn did_name(did: &FlowDid) -> &'static str {
    match did {
        FlowDid::Undeployed => "undeployed",
        FlowDid::Started(_) => "started",
        FlowDid::AlreadyThere => "unchanged",
        FlowDid::Holds(_) => "ready",
        FlowDid::WouldUndeploy => "would-undeploy",
        FlowDid::WouldDeploy => "would-deploy",
        FlowDid::NotReady(_) => "not-ready",
        FlowDid::Failed(_) => "failed",
    }
}

/// The closing lines: what the failover left, and what to do next.
fn conclusion(r: &FailoverReport) -> String {
    let from = r.from.as_deref();
    match r.verdict {
        Verdict::Switched => match from {
            Some(f) => format!(
                "switched: `{}` is active and runs the self-starting flows; `{f}` is passive and fenced\n",
                r.to
            ),
            None => format!(
                "switched: `{}` is active and runs the self-starting flows\n",
                r.to
            ),
        },
        Verdict::SwitchedUnfenced => format!(
            "WARNING: switched to `{to}`, but `{f}` could not be reached to fence it: it may still be running its self-starting flows, processing the same files, mails and messages as `{to}`.\nOnce `{f}` is reachable again, run `cpi-gitops failover --to {to}` again: it fences `{f}` (exit code 0 when done).\n",
            to = r.to,
            f = from.unwrap_or("the old active")
        ),
        Verdict::Planned => "dry run: nothing was changed\n".into(),
        Verdict::Refused => format!(
            "refused: nothing was changed; `{}` is not ready to take over\n",
            r.to
        ),
        Verdict::Failed => {
            let back = r
                .step(Phase::DeployBack, from)
                .is_some_and(|s| s.status == Status::Done);
            if back {
                format!(
                    "failed: `{}` could not start the held-back flows; they run on `{}` again and the roles are unchanged. Fix the cause and run the failover again\n",
                    r.to,
                    from.unwrap_or_default()
                )
            } else {
                "failed: fix the cause and run the same command again (every step is safe to repeat)\n".into()
            }
        }
    }
}

fn title(r: &FailoverReport) -> String {
    format!(
        "failover to `{}`{}{}{}",
        r.to,
        r.from
            .as_deref()
            .map(|f| format!(" from `{f}`"))
            .unwrap_or_default(),
        if r.already_active {
            " (already active: fencing the old active)"
        } else {
            ""
        },
        if r.dry_run { " (dry run)" } else { "" }
    )
}

fn step_text(s: &StepReport, out: &mut String) {
    let row = format!(
        "  {:<13} {:<12} {:<11} {}",
        s.phase.as_str(),
        s.tenant.as_deref().unwrap_or("-"),
        s.status.as_str(),
        s.message.as_deref().unwrap_or("")
    );
    out.push_str(row.trim_end());
    out.push('\n');
    for f in &s.flows {
        out.push_str(&format!("      {}: {}\n", f.flow, did_text(&f.did)));
    }
}

#[derive(Serialize)]
struct Body<'a> {
    to: &'a str,
    from: Option<&'a str>,
    already_active: bool,
    dry_run: bool,
    result: &'static str,
    exit_code: u8,
    steps: Vec<StepDoc<'a>>,
}

#[derive(Serialize)]
struct StepDoc<'a> {
    step: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant: Option<&'a str>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    flows: Vec<FlowDoc<'a>>,
}

#[derive(Serialize)]
struct FlowDoc<'a> {
    flow: &'a str,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

fn json(r: &FailoverReport) -> String {
    let doc = Body {
        to: &r.to,
        from: r.from.as_deref(),
        already_active: r.already_active,
        dry_run: r.dry_run,
        result: result(r.verdict),
        exit_code: exit_code(r.verdict),
        steps: r
            .steps
            .iter()
            .map(|s| StepDoc {
                step: s.phase.as_str(),
                tenant: s.tenant.as_deref(),
                status: s.status.as_str(),
                message: s.message.as_deref(),
                flows: s
                    .flows
                    .iter()
                    .map(|f| FlowDoc {
                        flow: &f.flow,
                        outcome: did_name(&f.did),
                        version: match &f.did {
                            FlowDid::Started(v) | FlowDid::Holds(v) => Some(v),
                            _ => None,
                        },
                        error: match &f.did {
                            FlowDid::Failed(e) | FlowDid::NotReady(e) => Some(e),
                            _ => None,
                        },
                    })
                    .collect(),
            })
            .collect(),
    };
    super::json::render("failover", doc)
}

fn markdown_view(r: &FailoverReport) -> String {
    let mut out = format!("### {}\n\n", markdown::escape(&title(r)));
    let said = markdown::escape(&conclusion(r));
    if r.verdict == Verdict::SwitchedUnfenced {
        out.push_str(&format!("> [!WARNING]\n> {said}\n\n"));
    } else {
        out.push_str(&format!("{said}\n\n"));
    }
    out.push_str("| step | tenant | status | detail |\n|---|---|---|---|\n");
    for s in &r.steps {
        let mut detail = s.message.clone().unwrap_or_default();
        for f in &s.flows {
            if !detail.is_empty() {
                detail.push_str("; ");
            }
            detail.push_str(&format!("{}: {}", f.flow, did_text(&f.did)));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            s.phase.as_str(),
            s.tenant.as_deref().map(markdown::code).unwrap_or_default(),
            s.status.as_str(),
            markdown::escape(&detail)
        ));
    }
    markdown::truncate(out)
}

/// Prints a failover's report.
pub fn failover(r: &FailoverReport, format: Format) {
    let text = match format {
        Format::Json => json(r),
        Format::Markdown => markdown_view(r),
        Format::Text => {
            let mut out = format!("{}\n", title(r));
            for s in &r.steps {
                step_text(s, &mut out);
            }
            out + &conclusion(r)
        }
    };
    super::out(&text);
}
