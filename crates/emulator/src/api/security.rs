//! Security material with write-only secrets: `UserCredentials`, `OAuth2ClientCredentials` (with
//! `CustomParameters`), `SecureParameters` (reference sections 7.1-7.3 and 12.9, 12.10).
//!
//! Writes answer `202` with no body and stamp `DeployedOn`; `PUT` replaces the whole entity;
//! the secret fields are `null` on every read path.

use super::{Call, no_method};
use crate::odata::{
    ApiError, ApiResult, QueryRules, Reply, collection, complex, entity, json_body, key_literal,
    required, string_field,
};
use crate::state::{OAuth2Client, Tenant};
use axum::http::{Method, StatusCode};
use cpi_gitops_wire::Secret;
use cpi_gitops_wire::odata::date;
use cpi_gitops_wire::security::{
    CustomParameter, OAuth2ClientCredential, SecureParameter, SecurityArtifactDescriptor,
    USER_CREDENTIAL_KINDS, UserCredential,
};
use serde_json::{Map, Value, json};

fn descriptor(kind: &str, user: &str, now: i64) -> SecurityArtifactDescriptor {
    SecurityArtifactDescriptor {
        kind: Some(kind.into()),
        deployed_by: Some(user.into()),
        deployed_on: Some(date(now)),
        status: Some("DEPLOYED".into()),
    }
}

fn with_descriptor(mut fields: Value, d: &Option<SecurityArtifactDescriptor>) -> Value {
    if let (Some(map), Some(d)) = (fields.as_object_mut(), d) {
        map.insert(
            "SecurityArtifactDescriptor".into(),
            complex(
                "SecurityArtifactDescriptor",
                serde_json::to_value(d).unwrap_or_default(),
            ),
        );
    }
    fields
}

fn render_user(base: &str, c: &UserCredential) -> Value {
    let shown = UserCredential {
        password: None,
        ..c.clone()
    };
    let fields = with_descriptor(
        serde_json::to_value(&shown).unwrap_or_default(),
        &c.security_artifact_descriptor,
    );
    entity(
        base,
        "UserCredential",
        &format!("UserCredentials({})", key_literal(&c.name)),
        fields,
        &[],
        false,
    )
}

fn render_oauth(base: &str, c: &OAuth2Client, expand: bool) -> Value {
    let shown = OAuth2ClientCredential {
        client_secret: None,
        ..c.credential.clone()
    };
    let fields = with_descriptor(
        serde_json::to_value(&shown).unwrap_or_default(),
        &c.credential.security_artifact_descriptor,
    );
    let path = format!(
        "OAuth2ClientCredentials({})",
        key_literal(&c.credential.name)
    );
    if expand {
        let mut v = entity(base, "OAuth2ClientCredential", &path, fields, &[], false);
        let params: Vec<Value> = c
            .custom_parameters
            .iter()
            .map(|p| render_custom(base, &path, p))
            .collect();
        if let Some(map) = v.as_object_mut() {
            map.insert("CustomParameters".into(), json!({ "results": params }));
        }
        v
    } else {
        entity(
            base,
            "OAuth2ClientCredential",
            &path,
            fields,
            &["CustomParameters"],
            false,
        )
    }
}

fn render_custom(base: &str, parent: &str, p: &CustomParameter) -> Value {
    let path = format!(
        "{parent}/CustomParameters(Key={},Value={},SendAsPartOf={})",
        key_literal(&p.key),
        key_literal(&p.value),
        key_literal(&p.send_as_part_of)
    );
    entity(
        base,
        "CustomParameter",
        &path,
        serde_json::to_value(p).unwrap_or_default(),
        &[],
        false,
    )
}

fn render_secure(base: &str, p: &SecureParameter) -> Value {
    let shown = SecureParameter {
        secure_param: None,
        ..p.clone()
    };
    entity(
        base,
        "SecureParameter",
        &format!("SecureParameters({})", key_literal(&p.name)),
        serde_json::to_value(&shown).unwrap_or_default(),
        &[],
        false,
    )
}

fn expands(call: &Call, nav: &str) -> bool {
    call.query
        .get("$expand")
        .is_some_and(|e| e.split(',').any(|p| p.trim() == nav))
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    let set = call.segments[0].name.as_str();
    if set == "SecureParameters" && call.query.get("$select").is_some() {
        return Err(ApiError::not_implemented(
            "The query option $select is not supported for SecureParameters.",
        ));
    }
    let name = match &call.segments[0].key {
        Some(_) => Some(call.key(0)?.to_string()),
        None => None,
    };
    let count = call.segments.get(1).is_some_and(|s| s.is("$count"));
    match (call.method, name, call.segments.len()) {
        (&Method::GET, None, _) => {
            let items: Vec<Value> = match set {
                "UserCredentials" => t
                    .user_credentials
                    .values()
                    .map(|c| render_user(call.base, c))
                    .collect(),
                "OAuth2ClientCredentials" => {
                    let expand = expands(call, "CustomParameters");
                    t.oauth2_client_credentials
                        .values()
                        .map(|c| render_oauth(call.base, c, expand))
                        .collect()
                }
                _ => t
                    .secure_parameters
                    .values()
                    .map(|p| render_secure(call.base, p))
                    .collect(),
            };
            collection(&call.listing(set), items, QueryRules::ALL, count)
        }
        (&Method::GET, Some(name), 1) => {
            let v = match set {
                "UserCredentials" => t
                    .user_credentials
                    .get(&name)
                    .map(|c| render_user(call.base, c)),
                "OAuth2ClientCredentials" => t
                    .oauth2_client_credentials
                    .get(&name)
                    .map(|c| render_oauth(call.base, c, expands(call, "CustomParameters"))),
                _ => t
                    .secure_parameters
                    .get(&name)
                    .map(|p| render_secure(call.base, p)),
            };
            v.map(Reply::ok).ok_or_else(ApiError::no_entity)
        }
        (&Method::GET, Some(name), 2)
            if set == "OAuth2ClientCredentials" && call.segments[1].name == "CustomParameters" =>
        {
            let c = t
                .oauth2_client_credentials
                .get(&name)
                .ok_or_else(ApiError::no_entity)?;
            let parent = format!("OAuth2ClientCredentials({})", key_literal(&name));
            let items = c
                .custom_parameters
                .iter()
                .map(|p| render_custom(call.base, &parent, p))
                .collect();
            collection(
                &call.listing(&format!("{parent}/CustomParameters")),
                items,
                QueryRules::ALL,
                false,
            )
        }
        (&Method::POST, None, 1) => {
            let body = json_body(call.body)?;
            let name = required(&body, "Name")?;
            let exists = match set {
                "UserCredentials" => t.user_credentials.contains_key(&name),
                "OAuth2ClientCredentials" => t.oauth2_client_credentials.contains_key(&name),
                _ => t.secure_parameters.contains_key(&name),
            };
            if exists {
                return Err(ApiError::conflict(format!(
                    "The security artifact '{name}' already exists."
                )));
            }
            write(call, t, set, &name, &body, true)?;
            Ok(Reply::Empty(StatusCode::ACCEPTED))
        }
        (&Method::PUT, Some(name), 1) => {
            let body = json_body(call.body)?;
            if string_field(&body, "Name")?.is_some_and(|n| n != name) {
                return Err(ApiError::bad_request(
                    "The Name in the body does not match the key in the URL.",
                ));
            }
            let exists = match set {
                "UserCredentials" => t.user_credentials.contains_key(&name),
                "OAuth2ClientCredentials" => t.oauth2_client_credentials.contains_key(&name),
                _ => t.secure_parameters.contains_key(&name),
            };
            if !exists {
                return Err(ApiError::conflict(format!(
                    "The security artifact '{name}' does not exist."
                )));
            }
            write(call, t, set, &name, &body, false)?;
            Ok(Reply::Empty(StatusCode::ACCEPTED))
        }
        (&Method::DELETE, Some(name), 1) => {
            let removed = match set {
                "UserCredentials" => t.user_credentials.remove(&name).is_some(),
                "OAuth2ClientCredentials" => t.oauth2_client_credentials.remove(&name).is_some(),
                _ => t.secure_parameters.remove(&name).is_some(),
            };
            if removed {
                Ok(Reply::Empty(StatusCode::ACCEPTED))
            } else {
                Err(ApiError::no_entity())
            }
        }
        (_, _, 1) => Err(no_method(call)),
        _ => Err(ApiError::not_found("Resource not found.")),
    }
}

fn write(
    call: &Call,
    t: &mut Tenant,
    set: &str,
    name: &str,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<(), ApiError> {
    let now = call.now();
    let description = string_field(body, "Description")?.unwrap_or_default();
    match set {
        "UserCredentials" => {
            let kind = string_field(body, "Kind")?.unwrap_or_else(|| "default".into());
            if !USER_CREDENTIAL_KINDS.contains(&kind.as_str()) {
                return Err(ApiError::internal(format!(
                    "Invalid credential kind '{kind}'; use default, successfactors or openconnectors."
                )));
            }
            let company_id = string_field(body, "CompanyId")?;
            if kind == "successfactors" && company_id.as_deref().unwrap_or("").is_empty() {
                return Err(ApiError::internal(
                    "CompanyId is required for successfactors credentials.",
                ));
            }
            let password = string_field(body, "Password")?;
            if kind == "openconnectors" && !open_connectors_ok(password.as_deref().unwrap_or("")) {
                return Err(ApiError::internal(
                    "The password of an openconnectors credential must read 'User <a>,Organization <b>,Element <c>'.",
                ));
            }
            t.user_credentials.insert(
                name.into(),
                UserCredential {
                    name: name.into(),
                    kind,
                    description: Some(description),
                    user: string_field(body, "User")?,
                    password: password.map(Secret::new),
                    company_id,
                    security_artifact_descriptor: Some(descriptor("BUNDLE", call.user, now)),
                },
            );
        }
        "OAuth2ClientCredentials" => {
            if !creating && body.contains_key("CustomParameters") {
                return Err(ApiError::bad_request(
                    "CustomParameters cannot be changed by an update; delete and create the credential.",
                ));
            }
            let token_service_url = required(body, "TokenServiceUrl")?;
            let client_id = required(body, "ClientId")?;
            let client_secret = required(body, "ClientSecret")?;
            let client_authentication =
                string_field(body, "ClientAuthentication")?.unwrap_or_else(|| "body".into());
            if !matches!(client_authentication.as_str(), "body" | "header") {
                return Err(ApiError::bad_request(
                    "ClientAuthentication must be body or header.",
                ));
            }
            let scope_content_type =
                string_field(body, "ScopeContentType")?.unwrap_or_else(|| "urlencoded".into());
            if !matches!(scope_content_type.as_str(), "urlencoded" | "json") {
                return Err(ApiError::bad_request(
                    "ScopeContentType must be urlencoded or json.",
                ));
            }
            let custom_parameters = custom_parameters(body)?;
            t.oauth2_client_credentials.insert(
                name.into(),
                OAuth2Client {
                    credential: OAuth2ClientCredential {
                        name: name.into(),
                        description: Some(description),
                        token_service_url: Some(token_service_url),
                        client_id: Some(client_id),
                        client_secret: Some(Secret::new(client_secret)),
                        client_authentication: Some(client_authentication),
                        scope: string_field(body, "Scope")?,
                        scope_content_type: Some(scope_content_type),
                        resource: string_field(body, "Resource")?,
                        audience: string_field(body, "Audience")?,
                        security_artifact_descriptor: Some(descriptor(
                            "CREDENTIALS",
                            call.user,
                            now,
                        )),
                        custom_parameters: Default::default(),
                    },
                    custom_parameters,
                },
            );
        }
        _ => {
            let value = match string_field(body, "SecureParam")? {
                Some(v) if !v.is_empty() => v,
                _ => return Err(ApiError::bad_request("Property SecureParam is required.")),
            };
            if value.chars().count() > 4096 {
                return Err(ApiError::bad_request(
                    "SecureParam is longer than 4096 characters.",
                ));
            }
            t.secure_parameters.insert(
                name.into(),
                SecureParameter {
                    name: name.into(),
                    description: Some(description),
                    secure_param: Some(Secret::new(value)),
                    deployed_by: Some(call.user.into()),
                    deployed_on: Some(date(now)),
                    status: Some("DEPLOYED".into()),
                },
            );
        }
    }
    Ok(())
}

fn custom_parameters(body: &Map<String, Value>) -> Result<Vec<CustomParameter>, ApiError> {
    let list = match body.get("CustomParameters") {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => match o.get("results") {
            Some(Value::Array(a)) => a.clone(),
            _ => return Err(ApiError::bad_request("CustomParameters must be an array.")),
        },
        Some(_) => return Err(ApiError::bad_request("CustomParameters must be an array.")),
    };
    if list.len() > 20 {
        return Err(ApiError::bad_request(
            "At most 20 custom parameters are allowed.",
        ));
    }
    list.into_iter()
        .map(|v| {
            let p: CustomParameter = serde_json::from_value(v)
                .map_err(|e| ApiError::bad_request(format!("CustomParameters: {e}")))?;
            if p.key.is_empty() || !matches!(p.send_as_part_of.as_str(), "body" | "url" | "header")
            {
                return Err(ApiError::bad_request(
                    "Each custom parameter needs a Key and SendAsPartOf body, url or header.",
                ));
            }
            if p.key.len() > 1024 || p.value.len() > 1024 {
                return Err(ApiError::bad_request(
                    "Custom parameter keys and values are at most 1024 characters.",
                ));
            }
            Ok(p)
        })
        .collect()
}

fn open_connectors_ok(password: &str) -> bool {
    let parts: Vec<&str> = password.split(',').collect();
    let token = |s: &str, prefix: &str, max: usize| {
        s.strip_prefix(prefix)
            .is_some_and(|v| !v.is_empty() && v.len() <= max && !v.contains(char::is_whitespace))
    };
    parts.len() == 3
        && token(parts[0], "User ", 44)
        && token(parts[1], "Organization ", 32)
        && token(parts[2], "Element ", 44)
}
