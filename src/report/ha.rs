//! High availability in reports: the flows a passive tenant holds back (in plan, apply and
//! drift), and the roles (plan and drift markdown, `cpi-gitops roles`).

use super::{Format, count, markdown};
use crate::config::Role;
use crate::model::ObjectId;
use crate::sync::passive::{HeldBack, Hold, Mixed};
use crate::sync::roles::RoleEntry;
use serde::Serialize;

/// The words for one held-back flow: why it is held back.
pub fn hold_text(h: &HeldBack) -> String {
    match &h.hold {
        Hold::Starts { starters, push } if push.is_empty() => {
            format!("starts by itself ({})", starters.join(", "))
        }
        Hold::Starts { starters, push } => format!(
            "starts by itself ({}) and by callers ({}): held back whole",
            starters.join(", "),
            push.join(", ")
        ),
        Hold::Unknown(why) => format!("cannot tell how it starts ({why})"),
    }
}

/// Whether `id` is held back.
pub fn is_held(held: &[HeldBack], id: &ObjectId) -> bool {
    held.iter().any(|h| &h.id == id)
}

/// The text lines saying what a passive tenant holds back (empty when nothing is).
pub fn held_back_text(held: &[HeldBack]) -> String {
    if held.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "held back (passive): {} that start by themselves {} not deployed on this tenant (a failover to it deploys them):\n",
        count(held.len(), "flow", "flows"),
        if held.len() == 1 { "is" } else { "are" }
    );
    for h in held {
        out.push_str(&format!(
            "  {}: held back (passive): {}{}\n",
            h.id,
            hold_text(h),
            if h.running {
                "; RUNS HERE NOW (the double-processing risk): apply undeploys it"
            } else {
                ""
            }
        ));
    }
    out
}

/// The markdown section of held-back flows (empty when nothing is).
pub fn held_back_markdown(held: &[HeldBack]) -> String {
    if held.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "**Held back (passive)**: {} that start by themselves, not deployed on this tenant (a failover to it deploys them).\n\n| flow | why | runs here |\n|---|---|---|\n",
        count(held.len(), "flow", "flows")
    );
    for h in held {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            markdown::code(&h.id.to_string()),
            markdown::escape(&hold_text(h)),
            if h.running {
                "**yes: double processing**"
            } else {
                "no"
            }
        ));
    }
    out.push('\n');
    out
}

fn mixed_line(m: &Mixed) -> String {
    format!(
        "starts by itself ({}) and by callers ({})",
        m.starters.join(", "),
        m.push.join(", ")
    )
}

/// The text lines listing the flows that start by themselves and by callers, for an active
/// tenant's plan (a passive tenant's held-back list names them already; empty when none).
pub fn mixed_text(mixed: &[Mixed], role: Role) -> String {
    if mixed.is_empty() || role == Role::Passive {
        return String::new();
    }
    let mut out = format!(
        "mixed: {} by {} and by callers; a passive twin holds {} back whole, so callers reach {} on the active tenant only:\n",
        count(mixed.len(), "flow starts", "flows start"),
        if mixed.len() == 1 {
            "itself"
        } else {
            "themselves"
        },
        if mixed.len() == 1 { "it" } else { "them" },
        if mixed.len() == 1 { "it" } else { "them" },
    );
    for m in mixed {
        out.push_str(&format!("  {}: {}\n", m.id, mixed_line(m)));
    }
    out
}

/// The markdown section of mixed flows, for an active tenant's plan (empty when none).
pub fn mixed_markdown(mixed: &[Mixed], role: Role) -> String {
    if mixed.is_empty() || role == Role::Passive {
        return String::new();
    }
    let mut out = format!(
        "**Mixed flows**: {} by {} and by callers; a passive twin holds them back whole, so callers reach them on the active tenant only.\n\n| flow | starts |\n|---|---|\n",
        count(mixed.len(), "flow starts", "flows start"),
        if mixed.len() == 1 {
            "itself"
        } else {
            "themselves"
        },
    );
    for m in mixed {
        out.push_str(&format!(
            "| {} | {} |\n",
            markdown::code(&m.id.to_string()),
            markdown::escape(&mixed_line(m))
        ));
    }
    out.push('\n');
    out
}

/// A mixed flow in JSON.
#[derive(Serialize)]
pub struct MixedDoc {
    id: String,
    starts: Vec<String>,
    push: Vec<String>,
}

/// The JSON of mixed flows.
pub fn mixed_docs(mixed: &[Mixed]) -> Vec<MixedDoc> {
    mixed
        .iter()
        .map(|m| MixedDoc {
            id: m.id.to_string(),
            starts: m.starters.clone(),
            push: m.push.clone(),
        })
        .collect()
}

/// One line naming every tenant's role, for markdown (empty without tenants).
pub fn roles_markdown(roles: &[RoleEntry]) -> String {
    if roles.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = roles
        .iter()
        .map(|r| {
            format!(
                "{} {} ({}){}",
                markdown::code(&r.tenant),
                role_word(r.role),
                r.source.as_str(),
                if r.unfenced {
                    ", **not fenced: may still run its self-starting flows**"
                } else {
                    ""
                }
            )
        })
        .collect();
    format!("Roles: {}.\n\n", parts.join(", "))
}

fn role_word(role: Role) -> &'static str {
    role.as_str()
}

/// A held-back flow in JSON.
#[derive(Serialize)]
pub struct HeldBackDoc {
    id: String,
    starts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    push: Vec<String>,
    mixed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown: Option<String>,
    running: bool,
}

/// The JSON of held-back flows.
pub fn held_back_docs(held: &[HeldBack]) -> Vec<HeldBackDoc> {
    held.iter()
        .map(|h| {
            let (starts, push, unknown) = match &h.hold {
                Hold::Starts { starters, push } => (starters.clone(), push.clone(), None),
                Hold::Unknown(why) => (Vec::new(), Vec::new(), Some(why.clone())),
            };
            HeldBackDoc {
                id: h.id.to_string(),
                mixed: !push.is_empty(),
                starts,
                push,
                unknown,
                running: h.running,
            }
        })
        .collect()
}

/// A tenant's role in JSON.
#[derive(Serialize)]
pub struct RoleDoc<'a> {
    tenant: &'a str,
    role: &'static str,
    source: &'static str,
    unfenced: bool,
    configured: bool,
}

/// The JSON of the roles.
pub fn role_docs(roles: &[RoleEntry]) -> Vec<RoleDoc<'_>> {
    roles
        .iter()
        .map(|r| RoleDoc {
            tenant: &r.tenant,
            role: r.role.as_str(),
            source: r.source.as_str(),
            unfenced: r.unfenced,
            configured: r.configured,
        })
        .collect()
}

/// Prints the roles (`cpi-gitops roles`).
pub fn roles(roles: &[RoleEntry], format: Format) {
    let text = match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                active: Vec<&'a str>,
                passive: Vec<&'a str>,
                unfenced: Vec<&'a str>,
                tenants: Vec<RoleDoc<'a>>,
            }
            let names = |f: &dyn Fn(&RoleEntry) -> bool| {
                roles
                    .iter()
                    .filter(|r| f(r))
                    .map(|r| r.tenant.as_str())
                    .collect()
            };
            let doc = Doc {
                active: names(&|r| r.role == Role::Active),
                passive: names(&|r| r.role == Role::Passive),
                unfenced: names(&|r| r.unfenced),
                tenants: role_docs(roles),
            };
            super::json::render("roles", doc)
        }
        Format::Markdown => format!("### Roles\n\n{}", roles_markdown(roles)),
        Format::Text => {
            let mut out = String::new();
            for r in roles {
                out.push_str(&format!(
                    "{:<16} {:<8} ({}{}){}\n",
                    r.tenant,
                    r.role.as_str(),
                    r.source.as_str(),
                    if r.configured {
                        ""
                    } else {
                        ", not in cpi-gitops.toml"
                    },
                    if r.unfenced {
                        "  NOT FENCED: may still run its self-starting flows; run `cpi-gitops failover --to <the active>` once it is reachable"
                    } else {
                        ""
                    }
                ));
            }
            out
        }
    };
    super::out(&text);
}
