//! The runtime's `/http/...` endpoints, as a tenant's runtime serves them: the address of every
//! deployed integration flow that is `STARTED` and has an HTTPS sender (its `urlPath`, with the
//! flow's configured values in place of `{{parameters}}`), guarded by the sender's `userRole`.
//! Nothing answers at an address whose flow is not deployed and started (`404`).
//!
//! The companion package's flows are recognized by their `Bundle-SymbolicName` and answered
//! natively by [`crate::companion`], as their Groovy scripts answer on a tenant; any other flow
//! answers a small JSON document (`{"status": "UP", "artifact", "version"}`), so that a team's
//! own health flow (the demo's `Health_Ping` on `/http/ping`) answers only while it runs.
//!
//! Who may call (README.md, "The emulator"): the API's user, read-only user and OAuth client hold
//! every role; the `runtime_users` switch adds users (Basic, or OAuth client credentials at the
//! token endpoint) that hold only the roles listed, like the clients of an `integration-flow`
//! service instance on Cloud Foundry. A caller without the flow's role gets `403`.

use super::api::configurations;
use super::companion::{self, SecureStore};
use super::content;
use super::odata::{ApiError, ApiResult, Reply};
use super::state::Tenant;
use super::switches::Switches;
use axum::http::{Method, StatusCode};
use cpi_gitops_wire::artifact::MANIFEST_PATH;
use cpi_gitops_wire::artifact::manifest::Manifest;
use cpi_gitops_wire::companion::{FLOWS, PING_FLOW, SECURITY_MATERIAL_FLOW};
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::runtime::status;
use serde_json::json;

/// The roles a caller of `/http/...` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roles {
    /// Every role (the API's own credentials).
    All,
    /// Only these.
    Only(Vec<String>),
}

impl Roles {
    fn allow(&self, role: &str) -> bool {
        match self {
            Roles::All => true,
            Roles::Only(roles) => roles.iter().any(|r| r == role),
        }
    }
}

/// One request to `/http/...`.
pub struct HttpRequest<'a> {
    /// The method.
    pub method: &'a Method,
    /// The path below `/http`.
    pub path: &'a str,
    /// The body.
    pub body: &'a [u8],
    /// The `Host` the request was sent to.
    pub host: &'a str,
    /// What the caller may call.
    pub roles: &'a Roles,
    /// The tenant's clock.
    pub now_ms: i64,
}

/// A started flow listening at an address.
struct Endpoint {
    id: String,
    symbolic_name: String,
    version: String,
    role: Option<String>,
}

/// The started flow with an HTTPS sender at `path`.
fn find(t: &Tenant, path: &str) -> Option<Endpoint> {
    for (id, d) in &t.deployments {
        let Some(live) = d
            .live
            .as_ref()
            .filter(|l| l.status == status::STARTED && l.kind == ArtifactKind::IntegrationFlow)
        else {
            continue;
        };
        let Some(a) = t.artifacts.get(id) else {
            continue;
        };
        let values = configurations(a)
            .into_iter()
            .map(|c| (c.parameter_key, c.parameter_value))
            .collect();
        for f in a.files.iter().filter(|f| f.name.ends_with(".iflw")) {
            let text = String::from_utf8_lossy(&f.data);
            let Ok(resolved) = content::resolve_placeholders(&text, &values) else {
                continue;
            };
            if !content::property_values(&resolved, "urlPath")
                .iter()
                .any(|p| p == path)
            {
                continue;
            }
            let role_based = content::property_values(&resolved, "senderAuthType")
                .iter()
                .any(|v| v == "RoleBased");
            let symbolic_name = a
                .file(MANIFEST_PATH)
                .and_then(|m| Manifest::parse(&m.data).symbolic_name().map(str::to_string))
                .unwrap_or_else(|| id.clone());
            return Some(Endpoint {
                id: id.clone(),
                symbolic_name,
                version: live.version.clone(),
                role: if role_based {
                    content::property_values(&resolved, "userRole")
                        .into_iter()
                        .next()
                } else {
                    None
                },
            });
        }
    }
    None
}

/// Answers a request to `/http<path>`. The security-material answer is computed later (it
/// encrypts), outside the tenant's lock: resolve the reply with [`Reply::resolve`].
pub fn handle(t: &Tenant, switches: &Switches, req: &HttpRequest) -> ApiResult {
    let not_found = || {
        ApiError::not_found(format!(
            "No started integration flow listens on /http{}.",
            req.path
        ))
    };
    let endpoint = find(t, req.path).ok_or_else(not_found)?;
    let is_companion = FLOWS.contains(&endpoint.symbolic_name.as_str());
    if is_companion && !switches.companion {
        return Err(not_found());
    }
    if let Some(role) = &endpoint.role {
        if !req.roles.allow(role) {
            return Ok(Reply::Empty(StatusCode::FORBIDDEN));
        }
    }
    Ok(match endpoint.symbolic_name.as_str() {
        SECURITY_MATERIAL_FLOW => {
            let store = SecureStore::of(t, &switches.companion_unreadable);
            let method = req.method.clone();
            let body = req.body.to_vec();
            let version = endpoint.version;
            Reply::later(move || companion::security_material(&store, &method, &body, &version))
        }
        PING_FLOW => companion::ping(req.host, req.now_ms, &endpoint.version),
        _ => Reply::Json(
            StatusCode::OK,
            json!({ "status": "UP", "artifact": endpoint.id, "version": endpoint.version }),
        ),
    })
}
