//! `AccessPolicies` with `ArtifactReferences`, and Neo's `CertificateUserMappings` (reference
//! sections 7.5 and 7.6). Policy and reference Ids come from the tenant's seeded generator and
//! differ between tenants, as on real tenants.

use super::{Call, no_method};
use crate::odata::{
    ApiError, ApiResult, QueryRules, Reply, collection, entity, json_body, required, string_field,
};
use crate::state::{AccessPolicy, Audit, CertificateMapping, Tenant};
use crate::x509;
use axum::http::{Method, StatusCode};
use base64::Engine;
use cpi_gitops_wire::access::{ARTIFACT_REFERENCE_TYPES, ArtifactReference};
use cpi_gitops_wire::odata::date;
use serde_json::{Map, Value, json};

const EQ_ONLY: QueryRules = QueryRules {
    unsupported: &[],
    filter_ops: Some(&["eq"]),
    unfilterable: &[],
};

fn render_policy(base: &str, id: i64, p: &AccessPolicy, expand: bool) -> Value {
    let fields =
        json!({ "Id": id.to_string(), "RoleName": p.role_name, "Description": p.description });
    let path = format!("AccessPolicies({id}L)");
    if expand {
        let mut v = entity(base, "AccessPolicy", &path, fields, &[], false);
        let refs: Vec<Value> = p
            .references
            .iter()
            .map(|r| render_reference(base, r))
            .collect();
        if let Some(map) = v.as_object_mut() {
            map.insert("ArtifactReferences".into(), json!({ "results": refs }));
        }
        v
    } else {
        entity(
            base,
            "AccessPolicy",
            &path,
            fields,
            &["ArtifactReferences"],
            false,
        )
    }
}

fn render_reference(base: &str, r: &ArtifactReference) -> Value {
    let id = r.id.clone().unwrap_or_default();
    entity(
        base,
        "ArtifactReference",
        &format!("ArtifactReferences({id}L)"),
        serde_json::to_value(r).unwrap_or_default(),
        &["AccessPolicy"],
        false,
    )
}

fn parse_id(call: &Call) -> Result<i64, ApiError> {
    call.key(0)?
        .parse()
        .map_err(|_| ApiError::bad_request("The key must be a number."))
}

fn reference_from(body: &Map<String, Value>, id: i64) -> Result<ArtifactReference, ApiError> {
    let kind = required(body, "Type")?;
    if !ARTIFACT_REFERENCE_TYPES.contains(&kind.as_str()) {
        return Err(ApiError::bad_request(format!(
            "Type '{kind}' is not a valid artifact reference type."
        )));
    }
    let attribute = required(body, "ConditionAttribute")?;
    if !matches!(attribute.as_str(), "Name" | "ID") {
        return Err(ApiError::bad_request(
            "ConditionAttribute must be Name or ID.",
        ));
    }
    if attribute == "ID"
        && matches!(
            kind.as_str(),
            "MESSAGE_QUEUE" | "GLOBAL_DATASTORE" | "GLOBAL_VARIABLE"
        )
    {
        return Err(ApiError::bad_request(format!(
            "References of type {kind} can only match on Name."
        )));
    }
    let condition_type = required(body, "ConditionType")?;
    if !matches!(condition_type.as_str(), "exactString" | "regularExpression") {
        return Err(ApiError::bad_request(
            "ConditionType must be exactString or regularExpression.",
        ));
    }
    Ok(ArtifactReference {
        id: Some(id.to_string()),
        name: string_field(body, "Name")?.unwrap_or_default(),
        description: Some(string_field(body, "Description")?.unwrap_or_default()),
        kind,
        condition_attribute: attribute,
        condition_value: required(body, "ConditionValue")?,
        condition_type,
    })
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    let expand = call
        .query
        .get("$expand")
        .is_some_and(|e| e.contains("ArtifactReferences"));
    if call.segments[0].name == "ArtifactReferences" {
        return references(call, t);
    }
    match (
        call.method,
        call.segments[0].key.is_some(),
        call.segments.len(),
    ) {
        (&Method::GET, false, _) => {
            let count = call.segments.get(1).is_some_and(|s| s.is("$count"));
            let items = t
                .access_policies
                .iter()
                .map(|(id, p)| render_policy(call.base, *id, p, expand))
                .collect();
            collection(&call.listing("AccessPolicies"), items, EQ_ONLY, count)
        }
        (&Method::POST, false, 1) => {
            let body = json_body(call.body)?;
            let role = required(&body, "RoleName")?;
            if t.access_policies.values().any(|p| p.role_name == role) {
                return Err(ApiError::conflict(format!(
                    "An access policy for role '{role}' already exists."
                )));
            }
            let mut references = Vec::new();
            if let Some(Value::Array(refs)) = body.get("ArtifactReferences") {
                for r in refs {
                    let r = r.as_object().ok_or_else(|| {
                        ApiError::bad_request("ArtifactReferences must hold objects.")
                    })?;
                    let rid = t.ids.next_entity_id();
                    references.push(reference_from(r, rid)?);
                }
            }
            let id = t.ids.next_entity_id();
            let policy = AccessPolicy {
                role_name: role,
                description: string_field(&body, "Description")?.unwrap_or_default(),
                references,
            };
            let rendered = render_policy(call.base, id, &policy, true);
            t.access_policies.insert(id, policy);
            Ok(Reply::created(rendered))
        }
        (&Method::GET, true, 1) => {
            let id = parse_id(call)?;
            let p = t.access_policies.get(&id).ok_or_else(ApiError::no_entity)?;
            Ok(Reply::ok(render_policy(call.base, id, p, expand)))
        }
        (&Method::GET, true, 2) if call.segments[1].name == "ArtifactReferences" => {
            let id = parse_id(call)?;
            let p = t.access_policies.get(&id).ok_or_else(ApiError::no_entity)?;
            let items = p
                .references
                .iter()
                .map(|r| render_reference(call.base, r))
                .collect();
            collection(
                &call.listing(&format!("AccessPolicies({id}L)/ArtifactReferences")),
                items,
                EQ_ONLY,
                false,
            )
        }
        (m, true, 1) if *m == Method::PATCH || *m == Method::PUT || m.as_str() == "MERGE" => {
            let id = parse_id(call)?;
            let body = json_body(call.body)?;
            let p = t
                .access_policies
                .get_mut(&id)
                .ok_or_else(ApiError::no_entity)?;
            if let Some(role) = string_field(&body, "RoleName")? {
                if role != p.role_name {
                    return Err(ApiError::bad_request("RoleName cannot be changed."));
                }
            }
            p.description = string_field(&body, "Description")?.unwrap_or_default();
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        (&Method::DELETE, true, 1) => {
            let id = parse_id(call)?;
            t.access_policies
                .remove(&id)
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        _ => Err(no_method(call)),
    }
}

fn references(call: &Call, t: &mut Tenant) -> ApiResult {
    match (call.method, call.segments[0].key.is_some()) {
        (&Method::GET, false) => {
            let items = t
                .access_policies
                .values()
                .flat_map(|p| p.references.iter())
                .map(|r| render_reference(call.base, r))
                .collect();
            collection(
                &call.listing("ArtifactReferences"),
                items,
                EQ_ONLY,
                call.segments.get(1).is_some_and(|s| s.is("$count")),
            )
        }
        (&Method::POST, false) => {
            let body = json_body(call.body)?;
            let policy_id = body
                .get("AccessPolicy")
                .and_then(|p| p.get("Id"))
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_i64().map(|i| i.to_string()))
                })
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "The owning policy must be given as \"AccessPolicy\": {\"Id\": \"<id>\"}.",
                    )
                })?;
            if !t.access_policies.contains_key(&policy_id) {
                return Err(ApiError::bad_request(format!(
                    "Access policy {policy_id} does not exist."
                )));
            }
            let rid = t.ids.next_entity_id();
            let reference = reference_from(&body, rid)?;
            let rendered = render_reference(call.base, &reference);
            if let Some(p) = t.access_policies.get_mut(&policy_id) {
                p.references.push(reference);
            }
            Ok(Reply::created(rendered))
        }
        (&Method::GET, true) => {
            let id = call.key(0)?.to_string();
            t.access_policies
                .values()
                .flat_map(|p| p.references.iter())
                .find(|r| r.id.as_deref() == Some(id.as_str()))
                .map(|r| Reply::ok(render_reference(call.base, r)))
                .ok_or_else(ApiError::no_entity)
        }
        (&Method::DELETE, true) => {
            let id = call.key(0)?.to_string();
            for p in t.access_policies.values_mut() {
                if let Some(pos) = p
                    .references
                    .iter()
                    .position(|r| r.id.as_deref() == Some(id.as_str()))
                {
                    p.references.remove(pos);
                    return Ok(Reply::Empty(StatusCode::OK));
                }
            }
            Err(ApiError::no_entity())
        }
        _ => Err(no_method(call)),
    }
}

fn render_mapping(base: &str, id: &str, m: &CertificateMapping) -> Value {
    let fields = json!({
        "Id": id, "User": m.user,
        "Certificate": base64::engine::general_purpose::STANDARD.encode(&m.certificate_pem),
        "ValidUntil": m.valid_until.to_string(),
        "CreatedBy": m.audit.created_by, "CreatedTime": date(m.audit.created_time),
        "LastModifiedBy": m.audit.modified_by, "LastModifiedTime": date(m.audit.modified_time),
    });
    entity(
        base,
        "CertificateUserMapping",
        &format!("CertificateUserMappings('{id}')"),
        fields,
        &[],
        false,
    )
}

/// `CertificateUserMappings`: only in Neo mode (otherwise `404`, as on Cloud Foundry).
pub fn certificate_user_mappings(call: &Call, t: &mut Tenant) -> ApiResult {
    if !call.switches.neo {
        return Err(ApiError::not_found(
            "Resource not found for the segment 'CertificateUserMappings'.",
        ));
    }
    match (call.method, call.segments[0].key.is_some()) {
        (&Method::GET, false) => {
            let count = call.segments.get(1).is_some_and(|s| s.is("$count"));
            let items = t
                .certificate_user_mappings
                .iter()
                .map(|(id, m)| render_mapping(call.base, id, m))
                .collect();
            collection(
                &call.listing("CertificateUserMappings"),
                items,
                QueryRules::ALL,
                count,
            )
        }
        (&Method::GET, true) => {
            let id = call.key(0)?;
            t.certificate_user_mappings
                .get(id)
                .map(|m| Reply::ok(render_mapping(call.base, id, m)))
                .ok_or_else(ApiError::no_entity)
        }
        (&Method::POST, false) => {
            let body = json_body(call.body)?;
            let user = required(&body, "User")?;
            let cert_b64 = required(&body, "Certificate")?;
            let pem_bytes = base64::engine::general_purpose::STANDARD
                .decode(cert_b64.trim())
                .map_err(|_| {
                    ApiError::internal("Certificate is not base64 of a PEM certificate.")
                })?;
            let der = x509::certificate_der(&pem_bytes)
                .ok_or_else(|| ApiError::internal("Certificate is not an X.509 certificate."))?;
            let info = x509::describe(&der)
                .ok_or_else(|| ApiError::internal("Certificate is not an X.509 certificate."))?;
            let id = x509::mapping_id(&der);
            let now = call.now();
            let audit = match t.certificate_user_mappings.get(&id) {
                Some(existing) => {
                    let mut a = existing.audit.clone();
                    a.touch(call.user, now);
                    a
                }
                None => Audit::new(call.user, now),
            };
            let mapping = CertificateMapping {
                user,
                certificate_pem: x509::pem(&der),
                valid_until: info.valid_not_after_ms,
                audit,
            };
            let rendered = render_mapping(call.base, &id, &mapping);
            t.certificate_user_mappings.insert(id, mapping);
            Ok(Reply::created(rendered))
        }
        (&Method::DELETE, true) => {
            let id = call.key(0)?.to_string();
            t.certificate_user_mappings
                .remove(&id)
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        _ => Err(no_method(call)),
    }
}
