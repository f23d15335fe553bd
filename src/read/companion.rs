//! Export's call to the companion's security-material flow (design.md section 4,
//! docs/companion.md): the names listed through the API and a one-time RSA public key go out;
//! the answer comes back encrypted to that key, is opened, and must answer exactly what was
//! asked, in order. Anything else stops the export before a file is written.
//!
//! Where the flow listens: the configured `companion_path`, or (by default) the address the
//! tenant's `CPIGitOps_SecurityMaterial` is configured with, when it is deployed and `STARTED`.
//! A tenant without it (not deployed, or `404` at the address) is not an error: export then
//! works as without a companion.

use super::ReadError;
use crate::client::Client;
use crate::wire::companion::crypto::{CryptoError, RecipientKey};
use crate::wire::companion::{
    ACCEPTED_PROTOCOLS, ADDRESS_PARAMETER, Answer, Answers, DEFAULT_SECURITY_MATERIAL_ADDRESS,
    Envelope, HTTP_PREFIX, PROTOCOL, Refusal, RequestItem, SECURITY_MATERIAL_FLOW,
    UNSUPPORTED_PROTOCOL,
};
use crate::wire::runtime::{IntegrationRuntimeArtifact, status};
use serde_json::json;

/// Where export finds the companion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanionAddress {
    /// At the address of the tenant's deployed `CPIGitOps_SecurityMaterial` (the default).
    Discover,
    /// At this path below the runtime URL (`companion_path`).
    Path(String),
}

/// How export calls the companion: the runtime client (runtime credentials) and where.
#[derive(Debug, Clone)]
pub struct CompanionCall {
    /// A client of the tenant's runtime.
    pub runtime: Client,
    /// Where the flow listens.
    pub address: CompanionAddress,
}

/// Why the companion's answer cannot be used. Every message names the tenant; none holds a
/// secret.
#[derive(Debug, thiserror::Error)]
pub enum CompanionError {
    /// The answer is not an envelope, does not decrypt, or is in a version not asked for.
    #[error("the companion of tenant `{tenant}` answered {url} with {what}")]
    BadAnswer {
        /// The tenant.
        tenant: String,
        /// Where.
        url: String,
        /// What is wrong.
        what: String,
    },
    /// The decrypted answer does not answer the request item by item.
    #[error("the companion of tenant `{tenant}` answered what was not asked: {what}")]
    Mismatch {
        /// The tenant.
        tenant: String,
        /// What is wrong.
        what: String,
    },
    /// The companion speaks a protocol version this build does not.
    #[error(
        "the companion of tenant `{tenant}` (version {companion_version}) speaks protocol {speaks}, but this cpi-gitops reads protocol {reads}"
    )]
    Protocol {
        /// The tenant.
        tenant: String,
        /// The companion's package version.
        companion_version: String,
        /// Its protocol.
        speaks: String,
        /// What this build reads.
        reads: String,
    },
    /// The companion refused the request or failed.
    #[error(
        "the companion of tenant `{tenant}` refused the request at {url} ({status}): {message}"
    )]
    Refused {
        /// The tenant.
        tenant: String,
        /// Where.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The companion's (or tenant's) message.
        message: String,
    },
    /// The request could not be made.
    #[error("the companion of tenant `{tenant}` could not be asked: {what}")]
    Local {
        /// The tenant.
        tenant: String,
        /// What failed.
        what: String,
    },
}

impl CompanionError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        let kept = "nothing was written: the secrets in git are kept";
        match self {
            CompanionError::BadAnswer { tenant, .. } | CompanionError::Mismatch { tenant, .. } => {
                format!(
                    "something other than cpi-gitops' companion answers there, or the answer was altered on the way: check the flow at that address, run `cpi-gitops companion install --tenant {tenant}` to put the companion back, or set companion_path = \"\" for the tenant to export without it; {kept}"
                )
            }
            CompanionError::Protocol {
                tenant,
                speaks,
                reads,
                ..
            } => {
                if speaks.parse::<u32>().is_ok_and(|s| s < PROTOCOL) || speaks == "?" {
                    format!(
                        "update the companion with `cpi-gitops companion install --tenant {tenant}`; {kept}"
                    )
                } else {
                    format!(
                        "use a cpi-gitops that reads protocol {speaks} (this one reads {reads}), or install this version's companion with `cpi-gitops companion install --tenant {tenant} --force`; {kept}"
                    )
                }
            }
            CompanionError::Refused { status, tenant, .. } => match status {
                401 => format!(
                    "check the runtime credentials of tenant `{tenant}` (CPI_<NAME>_RUNTIME_SERVICE_KEY, _RUNTIME_CLIENT_ID/_RUNTIME_CLIENT_SECRET or _RUNTIME_USER/_RUNTIME_PASSWORD, else the API's); {kept}"
                ),
                403 => format!(
                    "the runtime user lacks the companion's role: assign it the role `companion install` printed (default CPIGitOps.SecurityMaterial), or set companion_path = \"\" to export without the companion; {kept}"
                ),
                _ => format!(
                    "check the flow CPIGitOps_SecurityMaterial on the tenant (its message processing log), and run export again; {kept}"
                ),
            },
            CompanionError::Local { .. } => kept.to_string(),
        }
    }
}

/// What the companion did.
pub(super) enum Asked {
    /// The tenant does not run it (why, for the warning).
    Absent(String),
    /// It answered every item.
    Answered {
        /// What was asked, in order.
        items: Vec<RequestItem>,
        /// The answers, in the same order.
        answers: Vec<Answer>,
    },
}

/// The path the companion listens at, or why the tenant has none.
async fn locate(
    api: &Client,
    call: &CompanionCall,
    runtime: &[IntegrationRuntimeArtifact],
) -> Result<Result<String, String>, ReadError> {
    match &call.address {
        CompanionAddress::Path(path) => Ok(Ok(path.clone())),
        CompanionAddress::Discover => {
            let Some(flow) = runtime.iter().find(|r| r.id == SECURITY_MATERIAL_FLOW) else {
                return Ok(Err(format!(
                    "has no companion ({SECURITY_MATERIAL_FLOW} is not deployed)"
                )));
            };
            if flow.status != status::STARTED {
                return Ok(Err(format!(
                    "has its companion's {SECURITY_MATERIAL_FLOW} in status {}",
                    flow.status
                )));
            }
            let address = match api.configurations(SECURITY_MATERIAL_FLOW).await {
                Ok(list) => list
                    .into_iter()
                    .find(|c| c.parameter_key == ADDRESS_PARAMETER)
                    .map(|c| c.parameter_value)
                    .filter(|v| !v.is_empty()),
                // Deployed but not readable as design-time content: its default address.
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e.into()),
            };
            let address = address.unwrap_or_else(|| DEFAULT_SECURITY_MATERIAL_ADDRESS.to_string());
            let address = if address.starts_with('/') {
                address
            } else {
                format!("/{address}")
            };
            Ok(Ok(format!("{HTTP_PREFIX}{address}")))
        }
    }
}

/// Asks the companion for `items` (see the module docs). `key` is the one-time key, made while
/// the listings were read.
pub(super) async fn ask(
    api: &Client,
    call: &CompanionCall,
    runtime: &[IntegrationRuntimeArtifact],
    items: Vec<RequestItem>,
    key: impl std::future::Future<Output = Result<RecipientKey, CryptoError>>,
) -> Result<Asked, ReadError> {
    let tenant = api.name().to_string();
    let path = match locate(api, call, runtime).await? {
        Ok(path) => path,
        Err(why) => return Ok(Asked::Absent(why)),
    };
    if items.is_empty() {
        return Ok(Asked::Answered {
            items,
            answers: vec![],
        });
    }
    let url = call.runtime.runtime_address(&path);
    let local = |what: String| CompanionError::Local {
        tenant: tenant.clone(),
        what,
    };
    let key = key.await.map_err(|e| local(e.to_string()))?;
    let public_key = key.public_key_base64().map_err(|e| local(e.to_string()))?;
    let mut protocol = PROTOCOL;
    let mut tried = Vec::new();
    loop {
        tried.push(protocol);
        let body = json!({"protocol": protocol, "public_key": public_key, "items": items});
        let reply = call
            .runtime
            .runtime_post_json(&path, &body)
            .await
            .map_err(ReadError::Tenant)?;
        let status = reply.status.as_u16();
        if status == 404 {
            return Ok(Asked::Absent(format!("has no companion at {url} (404)")));
        }
        if !reply.status.is_success() {
            let refusal: Option<Refusal> = serde_json::from_slice(&reply.body).ok();
            if let Some(r) = refusal.as_ref().filter(|r| r.error == UNSUPPORTED_PROTOCOL) {
                match next_protocol(r.protocol, &tried, ACCEPTED_PROTOCOLS) {
                    Next::Ask(p) => {
                        protocol = p;
                        continue;
                    }
                    Next::Unsupported => {
                        return Err(CompanionError::Protocol {
                            tenant,
                            companion_version: r
                                .companion_version
                                .clone()
                                .unwrap_or_else(|| "unknown".into()),
                            speaks: r.protocol.map_or("?".into(), |p| p.to_string()),
                            reads: accepted(),
                        }
                        .into());
                    }
                    // It refuses a version it names as its own: not a companion to trust.
                    Next::Refused => {}
                }
            }
            let message = match refusal {
                Some(r) => format!("{}: {}", r.error, r.message),
                None => excerpt(&reply.body),
            };
            return Err(CompanionError::Refused {
                tenant,
                url,
                status,
                message,
            }
            .into());
        }
        let bad = |what: String| CompanionError::BadAnswer {
            tenant: tenant.clone(),
            url: url.clone(),
            what,
        };
        // The envelope holds no secret in the clear: its decode error may be shown.
        let envelope: Envelope = serde_json::from_slice(&reply.body).map_err(|e| {
            bad(format!(
                "something that is not the protocol's envelope (at line {} column {})",
                e.line(),
                e.column()
            ))
        })?;
        if !ACCEPTED_PROTOCOLS.contains(&envelope.protocol) {
            return Err(CompanionError::Protocol {
                tenant,
                companion_version: envelope.companion_version,
                speaks: envelope.protocol.to_string(),
                reads: accepted(),
            }
            .into());
        }
        let plaintext = key
            .open(&envelope, protocol)
            .map_err(|e| bad(format!("an answer that cannot be used: {e}")))?;
        // The plaintext holds secrets: its decode error keeps only the position.
        let answers: Answers = serde_json::from_slice(&plaintext).map_err(|e| {
            bad(format!(
                "a decrypted document that is not the protocol's (at line {} column {})",
                e.line(),
                e.column()
            ))
        })?;
        drop(plaintext);
        check_answers(&tenant, &items, &answers.items)?;
        return Ok(Asked::Answered {
            items,
            answers: answers.items,
        });
    }
}

/// What to do after an `unsupported_protocol` refusal naming `speaks`.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Ask again in this version.
    Ask(u32),
    /// The companion speaks a version this build does not read.
    Unsupported,
    /// The companion refused a version it names as its own.
    Refused,
}

/// The version to ask in next, after asking in `tried` and being refused by a companion that
/// speaks `speaks`; `accepted` are the versions this build reads.
fn next_protocol(speaks: Option<u32>, tried: &[u32], accepted: &[u32]) -> Next {
    match speaks {
        Some(p) if tried.contains(&p) => Next::Refused,
        Some(p) if accepted.contains(&p) => Next::Ask(p),
        _ => Next::Unsupported,
    }
}

fn accepted() -> String {
    ACCEPTED_PROTOCOLS
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The start of a body that is not a refusal, for the message (the tenant's error page).
fn excerpt(body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(body)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if text.is_empty() {
        "no message".into()
    } else {
        text
    }
}

/// Exactly one answer per item, in order, with the same identity.
pub(super) fn check_answers(
    tenant: &str,
    items: &[RequestItem],
    answers: &[Answer],
) -> Result<(), CompanionError> {
    let mismatch = |what: String| CompanionError::Mismatch {
        tenant: tenant.to_string(),
        what,
    };
    if answers.len() != items.len() {
        return Err(mismatch(format!(
            "{} answers to {} requested items",
            answers.len(),
            items.len()
        )));
    }
    for (i, (item, answer)) in items.iter().zip(answers).enumerate() {
        if !answer.answers(item) {
            return Err(mismatch(format!(
                "answer {} is about {} {}, but {} was asked",
                i + 1,
                answer.kind,
                identity(answer),
                item.label()
            )));
        }
    }
    Ok(())
}

fn identity(a: &Answer) -> String {
    [&a.name, &a.pid, &a.id]
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::companion::ItemKind;

    fn answer(v: serde_json::Value) -> Answer {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_refused_version_is_asked_again_in_the_companions_version_when_it_is_read() {
        // Today: protocol 1 only.
        assert_eq!(next_protocol(Some(0), &[1], &[1]), Next::Unsupported);
        assert_eq!(next_protocol(Some(2), &[1], &[1]), Next::Unsupported);
        assert_eq!(next_protocol(None, &[1], &[1]), Next::Unsupported);
        assert_eq!(next_protocol(Some(1), &[1], &[1]), Next::Refused);
        // With protocol 2 current and 1 previous: a 1.x companion is asked again in 1, once.
        assert_eq!(next_protocol(Some(1), &[2], &[2, 1]), Next::Ask(1));
        assert_eq!(next_protocol(Some(1), &[2, 1], &[2, 1]), Next::Refused);
        assert_eq!(next_protocol(Some(0), &[2], &[2, 1]), Next::Unsupported);
        assert_eq!(next_protocol(Some(3), &[2], &[2, 1]), Next::Unsupported);
    }

    #[test]
    fn answers_must_match_the_items_one_by_one() {
        let items = vec![
            RequestItem::named(ItemKind::UserCredential, "A"),
            RequestItem::partner("P", "i"),
        ];
        let good = vec![
            answer(json!({"kind": "user-credential", "name": "A", "status": "ok"})),
            answer(
                json!({"kind": "user-credential-parameter", "pid": "P", "id": "i", "name": "pd:P:i:UserCredential", "status": "not_found"}),
            ),
        ];
        assert!(check_answers("t", &items, &good).is_ok());
        let e = check_answers("t", &items, &good[..1]).unwrap_err();
        assert!(
            e.to_string().contains("1 answers to 2 requested items"),
            "{e}"
        );
        let swapped = vec![good[1].clone(), good[0].clone()];
        assert!(check_answers("t", &items, &swapped).is_err());
        let other = vec![
            answer(json!({"kind": "user-credential", "name": "Not_Asked", "status": "ok"})),
            good[1].clone(),
        ];
        let e = check_answers("t", &items, &other).unwrap_err();
        assert!(e.to_string().contains("\"Not_Asked\""), "{e}");
        assert!(e.to_string().contains("tenant `t`"), "{e}");
    }
}
