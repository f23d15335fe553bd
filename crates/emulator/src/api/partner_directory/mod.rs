//! The Partner Directory: `Partners`, `StringParameters`, `BinaryParameters`,
//! `UserCredentialParameters` (mandatory `Pid` filter, POST as upsert, hashed password reads, the
//! implicit `pd:<Pid>:<Id>:UserCredential` security artifact), `AlternativePartners` (hex keys)
//! and `AuthorizedUsers` (lower-cased) (reference sections 8 and 12.16).

mod render;

use super::{Call, no_method};
use crate::filter::Filter;
use crate::odata::{
    ApiError, ApiResult, QueryRules, Reply, collection, entity, json_body, key_literal, required,
    string_field,
};
use crate::state::{
    AlternativePartner, Audit, AuthorizedUser, BinaryParam, StringParam, Tenant,
    UserCredentialParam,
};
use axum::http::{Method, StatusCode};
use base64::Engine;
use cpi_gitops_wire::Secret;
use cpi_gitops_wire::odata::date;
use cpi_gitops_wire::partner_directory::{BINARY_CONTENT_TYPES, is_identifier};
use cpi_gitops_wire::security::{SecurityArtifactDescriptor, UserCredential};
use render::{
    render_alternative, render_authorized, render_binary, render_credential, render_string,
};
use serde_json::{Map, Value, json};

/// Largest binary parameter value accepted (the published figures range from 256 kB to 1.5 MB).
const MAX_BINARY_BYTES: usize = 1_572_864;

fn pid_and_id(call: &Call) -> Result<(String, String), ApiError> {
    let key = call.segments[0]
        .key
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("Invalid key predicate."))?;
    match (key.get("Pid"), key.get("Id")) {
        (Some(p), Some(i)) => Ok((p.to_string(), i.to_string())),
        _ => Err(ApiError::bad_request("The key must name Pid and Id.")),
    }
}

fn check_ids(pid: &str, id: &str) -> Result<(), ApiError> {
    if !is_identifier(pid) || pid.len() > 60 {
        return Err(ApiError::bad_request(format!(
            "Pid '{pid}' must be 1 to 60 characters from A-Z a-z 0-9 - . _ ~ < > @."
        )));
    }
    if !is_identifier(id) || id.len() > 1500 {
        return Err(ApiError::bad_request(format!(
            "Id '{id}' must be 1 to 1500 characters from A-Z a-z 0-9 - . _ ~ < > @."
        )));
    }
    Ok(())
}

fn duplicate(what: &str) -> ApiError {
    ApiError::internal(format!("Duplicate key: the {what} already exists."))
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    let set = call.segments[0].name.clone();
    let has_key = call.segments[0].key.is_some();
    let count = call.segments.get(1).is_some_and(|s| s.is("$count"));
    if !has_key && call.segments.len() > 1 && !count {
        return Err(ApiError::not_found("Resource not found."));
    }
    let now = call.now();
    let pd = &mut t.partner_directory;
    match (set.as_str(), call.method, has_key) {
        ("Partners", &Method::GET, false) => {
            let items = pd
                .partners()
                .into_iter()
                .map(|pid| {
                    entity(
                        call.base,
                        "Partner",
                        &format!("Partners({})", key_literal(&pid)),
                        json!({ "Pid": pid }),
                        &[],
                        false,
                    )
                })
                .collect();
            collection(&call.listing("Partners"), items, QueryRules::ALL, count)
        }
        ("Partners", &Method::GET, true) => {
            let pid = call.key(0)?.to_string();
            if !pd.partners().contains(&pid) {
                return Err(ApiError::no_entity());
            }
            Ok(Reply::ok(entity(
                call.base,
                "Partner",
                &format!("Partners({})", key_literal(&pid)),
                json!({ "Pid": pid }),
                &[],
                false,
            )))
        }
        ("Partners", &Method::DELETE, true) => {
            let pid = call.key(0)?.to_string();
            if !pd.partners().contains(&pid) {
                return Err(ApiError::no_entity());
            }
            let exclude: Vec<String> = call
                .query
                .get("exclude")
                .map(|e| e.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default();
            let keep = |s: &str| exclude.iter().any(|e| e == s);
            if !keep("StringParameters") {
                pd.string_parameters.remove(&pid);
            }
            if !keep("BinaryParameters") {
                pd.binary_parameters.remove(&pid);
            }
            if !keep("UserCredentialParameters") {
                if let Some(removed) = pd.user_credential_parameters.remove(&pid) {
                    for id in removed.keys() {
                        t.user_credentials.remove(&pd_credential_name(&pid, id));
                    }
                }
            }
            let pd = &mut t.partner_directory;
            if !keep("AlternativePartners") {
                pd.alternative_partners.retain(|_, a| a.pid != pid);
            }
            if !keep("AuthorizedUsers") {
                pd.authorized_users.retain(|_, u| u.pid != pid);
            }
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("StringParameters", &Method::GET, false) => {
            let items = pd
                .string_parameters
                .iter()
                .flat_map(|(pid, m)| m.iter().map(move |(id, p)| (pid, id, p)))
                .map(|(pid, id, p)| render_string(call.base, pid, id, p))
                .collect();
            collection(
                &call.listing("StringParameters"),
                items,
                QueryRules::ALL,
                count,
            )
        }
        ("BinaryParameters", &Method::GET, false) => {
            let items = pd
                .binary_parameters
                .iter()
                .flat_map(|(pid, m)| m.iter().map(move |(id, p)| (pid, id, p)))
                .map(|(pid, id, p)| render_binary(call.base, pid, id, p))
                .collect();
            collection(
                &call.listing("BinaryParameters"),
                items,
                QueryRules::ALL,
                count,
            )
        }
        ("UserCredentialParameters", &Method::GET, false) => {
            let filter = call
                .query
                .get("$filter")
                .and_then(|f| Filter::parse(f).ok());
            let pid_filter = filter.as_ref().and_then(pid_equality);
            if pid_filter.is_none() {
                return Err(ApiError::internal(
                    "The collection UserCredentialParameters must be filtered by Pid, e.g. $filter=Pid eq 'ACME'.",
                ));
            }
            let hashed = call.query.get("returnHashedPassword") == Some("SHA256");
            let items = pd
                .user_credential_parameters
                .iter()
                .flat_map(|(pid, m)| m.iter().map(move |(id, p)| (pid, id, p)))
                .map(|(pid, id, p)| render_credential(call.base, pid, id, p, hashed))
                .collect();
            collection(
                &call.listing("UserCredentialParameters"),
                items,
                QueryRules::ALL,
                count,
            )
        }
        ("AlternativePartners", &Method::GET, false) => {
            let items = pd
                .alternative_partners
                .values()
                .map(|a| render_alternative(call.base, a))
                .collect();
            let rules = QueryRules {
                unsupported: &[],
                filter_ops: None,
                unfilterable: &["Hexagency", "Hexscheme", "Hexid"],
            };
            collection(&call.listing("AlternativePartners"), items, rules, count)
        }
        ("AuthorizedUsers", &Method::GET, false) => {
            let items = pd
                .authorized_users
                .values()
                .map(|u| render_authorized(call.base, u))
                .collect();
            collection(
                &call.listing("AuthorizedUsers"),
                items,
                QueryRules::ALL,
                count,
            )
        }
        ("StringParameters", &Method::GET, true) => {
            let (pid, id) = pid_and_id(call)?;
            let p = pd
                .string_parameters
                .get(&pid)
                .and_then(|m| m.get(&id))
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::ok(render_string(call.base, &pid, &id, p)))
        }
        ("BinaryParameters", &Method::GET, true) => {
            let (pid, id) = pid_and_id(call)?;
            let p = pd
                .binary_parameters
                .get(&pid)
                .and_then(|m| m.get(&id))
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::ok(render_binary(call.base, &pid, &id, p)))
        }
        ("UserCredentialParameters", &Method::GET, true) => {
            let (pid, id) = pid_and_id(call)?;
            let p = pd
                .user_credential_parameters
                .get(&pid)
                .and_then(|m| m.get(&id))
                .ok_or_else(ApiError::no_entity)?;
            let hashed = call.query.get("returnHashedPassword") == Some("SHA256");
            Ok(Reply::ok(render_credential(
                call.base, &pid, &id, p, hashed,
            )))
        }
        ("AlternativePartners", &Method::GET, true) => {
            let key = alternative_key(call)?;
            let a = pd
                .alternative_partners
                .get(&key)
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::ok(render_alternative(call.base, a)))
        }
        ("AuthorizedUsers", &Method::GET, true) => {
            let user = call.key(0)?.to_lowercase();
            let u = pd
                .authorized_users
                .get(&user)
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::ok(render_authorized(call.base, u)))
        }
        ("StringParameters", &Method::POST, false) => {
            let body = json_body(call.body)?;
            let (pid, id) = (required(&body, "Pid")?, required(&body, "Id")?);
            check_ids(&pid, &id)?;
            let value = string_value(&body)?;
            let entry = pd.string_parameters.entry(pid.clone()).or_default();
            if entry.contains_key(&id) {
                return Err(duplicate(&format!("string parameter {pid}/{id}")));
            }
            let p = StringParam {
                value,
                audit: Audit::new(call.user, now),
            };
            let rendered = render_string(call.base, &pid, &id, &p);
            entry.insert(id, p);
            Ok(Reply::created(rendered))
        }
        ("BinaryParameters", &Method::POST, false) => {
            let body = json_body(call.body)?;
            let (pid, id) = (required(&body, "Pid")?, required(&body, "Id")?);
            check_ids(&pid, &id)?;
            let (content_type, value) = binary_value(&body)?;
            let entry = pd.binary_parameters.entry(pid.clone()).or_default();
            if entry.contains_key(&id) {
                return Err(duplicate(&format!("binary parameter {pid}/{id}")));
            }
            let p = BinaryParam {
                content_type,
                value,
                audit: Audit::new(call.user, now),
            };
            let rendered = render_binary(call.base, &pid, &id, &p);
            entry.insert(id, p);
            Ok(Reply::created(rendered))
        }
        ("UserCredentialParameters", &Method::POST, false) => {
            let body = json_body(call.body)?;
            let (pid, id) = (required(&body, "Pid")?, required(&body, "Id")?);
            check_ids(&pid, &id)?;
            let user = required(&body, "User")?;
            let password = required(&body, "Password")?;
            if user.len() > 200 || password.len() > 200 {
                return Err(ApiError::bad_request(
                    "User and Password are at most 200 characters each.",
                ));
            }
            let entry = pd
                .user_credential_parameters
                .entry(pid.clone())
                .or_default();
            let audit = Audit::new(call.user, now);
            let p = UserCredentialParam {
                user: user.clone(),
                password: Secret::new(password.clone()),
                audit,
            };
            let rendered = render_credential(call.base, &pid, &id, &p, false);
            entry.insert(id.clone(), p);
            let name = pd_credential_name(&pid, &id);
            t.user_credentials.insert(
                name.clone(),
                UserCredential {
                    name,
                    kind: "default".into(),
                    description: Some(String::new()),
                    user: Some(user),
                    password: Some(Secret::new(password)),
                    company_id: None,
                    security_artifact_descriptor: Some(SecurityArtifactDescriptor {
                        kind: Some("BUNDLE".into()),
                        deployed_by: Some(call.user.into()),
                        deployed_on: Some(date(now)),
                        status: Some("DEPLOYED".into()),
                    }),
                },
            );
            Ok(Reply::created(rendered))
        }
        ("AlternativePartners", &Method::POST, false) => {
            let body = json_body(call.body)?;
            let a = AlternativePartner {
                agency: required(&body, "Agency")?,
                scheme: required(&body, "Scheme")?,
                id: required(&body, "Id")?,
                pid: required(&body, "Pid")?,
                audit: Audit::new(call.user, now),
            };
            if a.agency.len() > 120 || a.scheme.len() > 120 || a.id.len() > 255 || a.pid.len() > 60
            {
                return Err(ApiError::bad_request(
                    "Agency and Scheme are at most 120, Id 255 and Pid 60 characters.",
                ));
            }
            let key = format!("{}\u{0}{}\u{0}{}", a.agency, a.scheme, a.id);
            if pd.alternative_partners.contains_key(&key) {
                return Err(duplicate("alternative partner"));
            }
            let rendered = render_alternative(call.base, &a);
            pd.alternative_partners.insert(key, a);
            Ok(Reply::created(rendered))
        }
        ("AuthorizedUsers", &Method::POST, false) => {
            let body = json_body(call.body)?;
            let user = required(&body, "User")?.to_lowercase();
            let pid = required(&body, "Pid")?;
            if pd.authorized_users.contains_key(&user) {
                return Err(duplicate(&format!("authorized user {user}")));
            }
            let u = AuthorizedUser {
                user: user.clone(),
                pid,
                audit: Audit::new(call.user, now),
            };
            let rendered = render_authorized(call.base, &u);
            pd.authorized_users.insert(user, u);
            Ok(Reply::created(rendered))
        }
        ("StringParameters", &Method::PUT, true) => {
            let (pid, id) = pid_and_id(call)?;
            let body = json_body(call.body)?;
            let value = string_value(&body)?;
            let p = pd
                .string_parameters
                .get_mut(&pid)
                .and_then(|m| m.get_mut(&id))
                .ok_or_else(ApiError::no_entity)?;
            p.value = value;
            p.audit.touch(call.user, now);
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("BinaryParameters", &Method::PUT, true) => {
            let (pid, id) = pid_and_id(call)?;
            let body = json_body(call.body)?;
            let (content_type, value) = binary_value(&body)?;
            let p = pd
                .binary_parameters
                .get_mut(&pid)
                .and_then(|m| m.get_mut(&id))
                .ok_or_else(ApiError::no_entity)?;
            p.content_type = content_type;
            p.value = value;
            p.audit.touch(call.user, now);
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("AlternativePartners", &Method::PUT, true) => {
            let key = alternative_key(call)?;
            let body = json_body(call.body)?;
            let pid = required(&body, "Pid")?;
            let a = pd
                .alternative_partners
                .get_mut(&key)
                .ok_or_else(ApiError::no_entity)?;
            a.pid = pid;
            a.audit.touch(call.user, now);
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("AuthorizedUsers", &Method::PUT, true) => {
            let user = call.key(0)?.to_lowercase();
            let body = json_body(call.body)?;
            let pid = required(&body, "Pid")?;
            let u = pd
                .authorized_users
                .get_mut(&user)
                .ok_or_else(ApiError::no_entity)?;
            u.pid = pid;
            u.audit.touch(call.user, now);
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("StringParameters", &Method::DELETE, true) => {
            let (pid, id) = pid_and_id(call)?;
            remove_nested(&mut pd.string_parameters, &pid, &id)?;
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("BinaryParameters", &Method::DELETE, true) => {
            let (pid, id) = pid_and_id(call)?;
            remove_nested(&mut pd.binary_parameters, &pid, &id)?;
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("UserCredentialParameters", &Method::DELETE, true) => {
            let (pid, id) = pid_and_id(call)?;
            remove_nested(&mut pd.user_credential_parameters, &pid, &id)?;
            t.user_credentials.remove(&pd_credential_name(&pid, &id));
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("AlternativePartners", &Method::DELETE, true) => {
            let key = alternative_key(call)?;
            pd.alternative_partners
                .remove(&key)
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        ("AuthorizedUsers", &Method::DELETE, true) => {
            let user = call.key(0)?.to_lowercase();
            pd.authorized_users
                .remove(&user)
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        _ => Err(no_method(call)),
    }
}

/// The name of the security artifact a user-credential parameter deploys.
pub fn pd_credential_name(pid: &str, id: &str) -> String {
    format!("pd:{pid}:{id}:UserCredential")
}

fn pid_equality(f: &Filter) -> Option<String> {
    use crate::filter::Operand;
    match f {
        Filter::Compare(op, Operand::Property(p), Operand::Str(v)) if op == "eq" && p == "Pid" => {
            Some(v.clone())
        }
        Filter::And(a, b) => pid_equality(a).or_else(|| pid_equality(b)),
        _ => None,
    }
}

fn string_value(body: &Map<String, Value>) -> Result<String, ApiError> {
    let value = string_field(body, "Value")?
        .ok_or_else(|| ApiError::bad_request("Property Value is required."))?;
    if value.chars().count() > 4000 {
        return Err(ApiError::bad_request(
            "A string parameter value is at most 4000 characters.",
        ));
    }
    Ok(value)
}

fn binary_value(body: &Map<String, Value>) -> Result<(String, Vec<u8>), ApiError> {
    let content_type = required(body, "ContentType")?;
    let base = content_type.split(';').next().unwrap_or("").trim();
    let params_ok = content_type
        .split(';')
        .skip(1)
        .all(|p| p.trim().eq_ignore_ascii_case("encoding=UTF-8"));
    if !BINARY_CONTENT_TYPES.contains(&base) || !params_ok {
        return Err(ApiError::bad_request(format!(
            "ContentType '{content_type}' is not one of {} (optionally with ;encoding=UTF-8).",
            BINARY_CONTENT_TYPES.join(", ")
        )));
    }
    let value = required(body, "Value")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| ApiError::bad_request("Value must be base64."))?;
    if bytes.len() > MAX_BINARY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The binary parameter value is too large.",
        ));
    }
    Ok((content_type, bytes))
}

fn alternative_key(call: &Call) -> Result<String, ApiError> {
    let key = call.segments[0]
        .key
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("Invalid key predicate."))?;
    let decode = |name: &str| -> Result<String, ApiError> {
        let hex_value = key.get(name).ok_or_else(|| {
            ApiError::bad_request("The key must name Hexagency, Hexscheme and Hexid.")
        })?;
        hex::decode(hex_value)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| ApiError::bad_request(format!("{name} must be hexadecimal UTF-8.")))
    };
    Ok(format!(
        "{}\u{0}{}\u{0}{}",
        decode("Hexagency")?,
        decode("Hexscheme")?,
        decode("Hexid")?
    ))
}

fn remove_nested<T>(
    map: &mut std::collections::BTreeMap<String, std::collections::BTreeMap<String, T>>,
    pid: &str,
    id: &str,
) -> Result<(), ApiError> {
    let inner = map.get_mut(pid).ok_or_else(ApiError::no_entity)?;
    inner.remove(id).ok_or_else(ApiError::no_entity)?;
    if inner.is_empty() {
        map.remove(pid);
    }
    Ok(())
}
