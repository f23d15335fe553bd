//! The runtime's own HTTP endpoints under `/http/...`: the companion security-material endpoint
//! of design.md section 4, and the endpoints of deployed HTTPS-started integration flows (so that
//! a health probe such as the demo's `/http/ping` answers only while its flow is `STARTED`).

use super::api::configurations;
use super::content;
use super::odata::{ApiError, ApiResult, Reply};
use super::state::Tenant;
use super::switches::Switches;
use axum::http::{Method, StatusCode};
use cpi_gitops_wire::companion::{
    KeyPairMaterial, NamedClientSecret, NamedPassword, NamedValue, SecurityMaterial,
};
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::runtime::status;
use serde_json::json;

/// The companion endpoint's path below `/http`.
pub const COMPANION_PATH: &str = "/cpi-gitops/security-material";

pub fn handle(t: &Tenant, switches: &Switches, method: &Method, path: &str) -> ApiResult {
    if path == COMPANION_PATH {
        if !switches.companion || method != Method::GET {
            return Err(ApiError::not_found("No endpoint at this address."));
        }
        return Ok(Reply::Json(
            StatusCode::OK,
            serde_json::to_value(security_material(t)).unwrap_or_default(),
        ));
    }
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
            if content::property_values(&resolved, "urlPath")
                .iter()
                .any(|p| p == path)
            {
                return Ok(Reply::Json(
                    StatusCode::OK,
                    json!({ "status": "UP", "artifact": id, "version": live.version }),
                ));
            }
        }
    }
    Err(ApiError::not_found(format!(
        "No started integration flow listens on /http{path}."
    )))
}

/// Every secret of the tenant, as the companion iFlow reads them from its secure store (Partner
/// Directory credentials included, under their `pd:<Pid>:<Id>:UserCredential` names).
pub fn security_material(t: &Tenant) -> SecurityMaterial {
    SecurityMaterial {
        format: 1,
        user_credentials: t
            .user_credentials
            .values()
            .filter_map(|c| {
                Some(NamedPassword {
                    name: c.name.clone(),
                    password: c.password.clone()?,
                })
            })
            .collect(),
        oauth2_client_credentials: t
            .oauth2_client_credentials
            .values()
            .filter_map(|c| {
                Some(NamedClientSecret {
                    name: c.credential.name.clone(),
                    client_secret: c.credential.client_secret.clone()?,
                })
            })
            .collect(),
        secure_parameters: t
            .secure_parameters
            .values()
            .filter_map(|p| {
                Some(NamedValue {
                    name: p.name.clone(),
                    value: p.secure_param.clone()?,
                })
            })
            .collect(),
        key_pairs: t
            .keystore
            .values()
            .filter_map(|e| {
                Some(KeyPairMaterial {
                    alias: e.alias.clone(),
                    pkcs12: e.pkcs12.clone()?,
                    password: e.pkcs12_password.clone()?,
                })
            })
            .collect(),
    }
}
