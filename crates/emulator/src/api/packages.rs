//! `IntegrationPackages`: create, read, update, delete, the artifact navigations, package export
//! and import (reference section 4).

use super::designtime::{self, kind_of_nav};
use super::{Call, no_method, upload};
use crate::odata::{
    ApiError, ApiResult, QueryRules, Reply, collection, entity, json_body, key_literal,
    string_field,
};
use crate::state::Tenant;
use axum::http::{Method, StatusCode};
use base64::Engine;
use cpi_gitops_wire::artifact::zip::{DosTime, Entry};
use cpi_gitops_wire::packages::{
    IntegrationPackage, MODE_EDIT_ALLOWED, MODE_READ_ONLY, WRITABLE_PACKAGE_FIELDS,
};
use serde_json::{Value, json};

const NAVS: &[&str] = &[
    "IntegrationDesigntimeArtifacts",
    "MessageMappingDesigntimeArtifacts",
    "ValueMappingDesigntimeArtifacts",
    "ScriptCollectionDesigntimeArtifacts",
    "DataTypeDesigntimeArtifacts",
    "MessageTypeDesigntimeArtifacts",
    "FaultMessageTypeDesigntimeArtifacts",
    "ServiceInterfaceDesigntimeArtifacts",
    "CustomTags",
];

/// Renders a package entity.
pub fn render(base: &str, p: &IntegrationPackage) -> Value {
    let path = format!("IntegrationPackages({})", key_literal(&p.id));
    let mut fields = serde_json::to_value(p).unwrap_or_default();
    if let Some(map) = fields.as_object_mut() {
        map.insert("PackageContent".into(), Value::Null);
    }
    entity(base, "IntegrationPackage", &path, fields, NAVS, true)
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    let m = call.method;
    match call.segments.len() {
        1 if call.segments[0].key.is_none() => match *m {
            Method::GET => {
                let items = t.packages.values().map(|p| render(call.base, p)).collect();
                collection(
                    &call.listing("IntegrationPackages"),
                    items,
                    QueryRules::ALL,
                    false,
                )
            }
            Method::POST => create(call, t),
            _ => Err(no_method(call)),
        },
        2 if call.segments[0].key.is_none() && call.segments[1].is("$count") => {
            let items = t.packages.values().map(|p| render(call.base, p)).collect();
            collection(
                &call.listing("IntegrationPackages"),
                items,
                QueryRules::ALL,
                true,
            )
        }
        1 => {
            let id = call.key(0)?.to_string();
            match *m {
                Method::GET => {
                    let p = t.packages.get(&id).ok_or_else(ApiError::no_entity)?;
                    Ok(Reply::ok(render(call.base, p)))
                }
                Method::PUT | Method::PATCH => update(call, t, &id),
                Method::DELETE => {
                    t.packages.remove(&id).ok_or_else(ApiError::no_entity)?;
                    t.artifacts.retain(|_, a| a.package_id != id);
                    Ok(Reply::Empty(StatusCode::ACCEPTED))
                }
                _ => Err(no_method(call)),
            }
        }
        _ => {
            let id = call.key(0)?.to_string();
            if !t.packages.contains_key(&id) {
                return Err(ApiError::no_entity());
            }
            let nav = call.segments[1].name.as_str();
            let count = call.segments.get(2).is_some_and(|s| s.is("$count"));
            if call.segments.len() > 2 && !count {
                return Err(ApiError::not_found("Resource not found."));
            }
            if nav == "$value" && *m == Method::GET {
                return export(call, t, &id);
            }
            if nav == "CustomTags" && *m == Method::GET {
                let path = format!("IntegrationPackages({})/CustomTags", key_literal(&id));
                return collection(&call.listing(&path), vec![], QueryRules::ALL, count);
            }
            let kind = kind_of_nav(nav).ok_or_else(|| {
                ApiError::not_found(format!("Resource not found for the segment '{nav}'."))
            })?;
            if *m != Method::GET {
                return Err(no_method(call));
            }
            let items = t
                .artifacts
                .values()
                .filter(|a| a.package_id == id && a.kind == kind)
                .map(|a| designtime::render(call.base, a))
                .collect();
            let path = format!("IntegrationPackages({})/{nav}", key_literal(&id));
            collection(&call.listing(&path), items, QueryRules::ALL, count)
        }
    }
}

fn create(call: &Call, t: &mut Tenant) -> ApiResult {
    let body = json_body(call.body)?;
    if let Some(content) = string_field(&body, "PackageContent")? {
        return import(call, t, &content);
    }
    let id = string_field(&body, "Id")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Property Id is required."))?;
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(ApiError::bad_request(format!(
            "Package Id '{id}' may only contain letters, digits, '_' and '.'."
        )));
    }
    if t.packages.contains_key(&id) {
        return Err(ApiError::conflict(format!(
            "Integration package with ID '{id}' already exists."
        )));
    }
    let now = call.now();
    let mut p = IntegrationPackage {
        id: id.clone(),
        mode: Some(MODE_EDIT_ALLOWED.into()),
        partner_content: Some(false),
        update_available: Some(false),
        resource_id: Some(format!(
            "{:032x}",
            u128::from(t.ids.next_u64()) << 64 | u128::from(t.ids.next_u64())
        )),
        created_by: Some(call.user.into()),
        modified_by: Some(call.user.into()),
        creation_date: Some(now.to_string()),
        modified_date: Some(now.to_string()),
        ..Default::default()
    };
    apply_fields(&mut p, &body, true)?;
    let rendered = render(call.base, &p);
    t.packages.insert(id, p);
    Ok(Reply::created(rendered))
}

fn update(call: &Call, t: &mut Tenant, id: &str) -> ApiResult {
    let body = json_body(call.body)?;
    let p = t.packages.get_mut(id).ok_or_else(ApiError::no_entity)?;
    if p.mode.as_deref() == Some(MODE_READ_ONLY) {
        return Err(ApiError::forbidden(format!(
            "Package '{id}' is configure-only and cannot be updated."
        )));
    }
    if let Some(body_id) = string_field(&body, "Id")? {
        if body_id != id {
            return Err(ApiError::bad_request(
                "The Id in the body does not match the key in the URL.",
            ));
        }
    }
    apply_fields(p, &body, false)?;
    p.modified_by = Some(call.user.into());
    p.modified_date = Some(call.now().to_string());
    Ok(Reply::Empty(StatusCode::ACCEPTED))
}

/// Copies the writable descriptive fields present in `body`; on create, Name and ShortText are
/// required.
fn apply_fields(
    p: &mut IntegrationPackage,
    body: &serde_json::Map<String, Value>,
    creating: bool,
) -> Result<(), ApiError> {
    for field in WRITABLE_PACKAGE_FIELDS {
        let present = body.contains_key(*field);
        let value = string_field(body, field)?;
        if matches!(*field, "Name" | "ShortText")
            && (creating || present)
            && value.as_deref().unwrap_or("").is_empty()
        {
            return Err(ApiError::bad_request(format!(
                "Property {field} must not be empty."
            )));
        }
        if !present && !creating {
            continue;
        }
        let value = value.unwrap_or_default();
        match *field {
            "Name" => p.name = value,
            "ShortText" => p.short_text = Some(value),
            "Description" => p.description = Some(value),
            "Version" => p.version = Some(value),
            "Vendor" => p.vendor = Some(value),
            "SupportedPlatform" => p.supported_platform = Some(value),
            "Products" => p.products = Some(value),
            "Keywords" => p.keywords = Some(value),
            "Countries" => p.countries = Some(value),
            "Industries" => p.industries = Some(value),
            _ => p.line_of_business = Some(value),
        }
    }
    Ok(())
}

/// `POST CopyIntegrationPackage?Id='<Id>'&ImportMode='CREATE_COPY'|'OVERWRITE'|'OVERWRITE_MERGE'`:
/// copies a package of SAP's content catalogue into the tenant as configure-only content.
pub fn copy_from_catalogue(call: &Call, t: &mut Tenant) -> ApiResult {
    if *call.method != Method::POST {
        return Err(no_method(call));
    }
    let id = call
        .query
        .literal("Id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Parameter Id is required."))?;
    let mode = call.query.literal("ImportMode");
    let catalogue = crate::seed::catalogue();
    let mut package = catalogue.packages.get(&id).cloned().ok_or_else(|| {
        ApiError::not_found(format!("Package '{id}' is not in the content catalogue."))
    })?;
    match (t.packages.contains_key(&id), mode.as_deref()) {
        (true, None) => {
            return Err(ApiError::conflict(format!(
                "Integration package with ID '{id}' already exists; give an ImportMode."
            )));
        }
        (_, None | Some("CREATE_COPY" | "OVERWRITE" | "OVERWRITE_MERGE")) => {}
        (_, Some(other)) => {
            return Err(ApiError::bad_request(format!(
                "Unknown ImportMode '{other}'."
            )));
        }
    }
    let now = call.now();
    package.created_by = Some(call.user.into());
    package.modified_by = Some(call.user.into());
    package.creation_date = Some(now.to_string());
    package.modified_date = Some(now.to_string());
    package.mode = Some(MODE_READ_ONLY.into());
    let merge = mode.as_deref() == Some("OVERWRITE_MERGE");
    for (artifact_id, artifact) in catalogue
        .artifacts
        .into_iter()
        .filter(|(_, a)| a.package_id == id)
    {
        let configured = if merge {
            t.artifacts
                .get(&artifact_id)
                .map(|a| a.configured.clone())
                .unwrap_or_default()
        } else {
            Default::default()
        };
        let mut copy = artifact;
        copy.configured = configured;
        copy.created_by = call.user.into();
        copy.created_at = now;
        copy.modified_by = call.user.into();
        copy.modified_at = now;
        t.artifacts.insert(artifact_id, copy);
    }
    let rendered = render(call.base, &package);
    t.packages.insert(id, package);
    Ok(Reply::created(rendered))
}

fn resource_id(artifact_id: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(artifact_id.as_bytes())[..16])
}

fn resource_type(kind: cpi_gitops_wire::designtime::ArtifactKind) -> &'static str {
    use cpi_gitops_wire::designtime::ArtifactKind::*;
    match kind {
        IntegrationFlow => "IFlow",
        MessageMapping => "MessageMapping",
        ValueMapping => "ValueMapping",
        ScriptCollection => "ScriptCollection",
        DataType => "DataType",
        MessageType => "MessageType",
        FaultMessageType => "FaultMessageType",
        ServiceInterface => "ServiceInterface",
    }
}

/// `GET IntegrationPackages('<Id>')/$value`: the package zip, refused while drafts exist.
fn export(call: &Call, t: &Tenant, id: &str) -> ApiResult {
    let p = t.packages.get(id).ok_or_else(ApiError::no_entity)?;
    let artifacts: Vec<_> = t
        .artifacts
        .values()
        .filter(|a| a.package_id == id)
        .collect();
    let drafts: Vec<&str> = artifacts
        .iter()
        .filter(|a| a.draft)
        .map(|a| a.id.as_str())
        .collect();
    if !drafts.is_empty() {
        return Err(ApiError::internal(format!(
            "Package '{id}' cannot be exported because these artifacts are in draft state: {}",
            drafts.join(", ")
        )));
    }
    let now = call.now();
    let mut entries = Vec::new();
    let mut resources = Vec::new();
    for a in &artifacts {
        let rid = resource_id(&a.id);
        let files: Vec<Entry> = a.files.iter().map(Entry::from).collect();
        entries.push(Entry::file(
            format!("{rid}_content"),
            cpi_gitops_wire::artifact::zip::write(&files, DosTime::from_epoch_ms(now))
                .map_err(|e| ApiError::internal(format!("Package '{id}': {e}")))?,
        ));
        resources.push(json!({
            "id": rid, "uniqueId": a.id, "resourceType": resource_type(a.kind), "semanticVersion": a.version,
            "name": a.name, "description": a.description, "additionalAttributes": {},
        }));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let cnt = json!({ "resources": resources, "relations": [] });
    entries.push(Entry::file("resources.cnt", b64.encode(cnt.to_string())));
    entries.push(Entry::file(
        "contentmetadata.md",
        b64.encode(serde_json::to_string(p).unwrap_or_default()),
    ));
    entries.push(Entry::file("hash", format!("{:x}", now)));
    entries.push(Entry::file(
        "ExportInformation.info",
        format!("exportedBy={}\nexportedAt={now}\n", call.user),
    ));
    let zip = cpi_gitops_wire::artifact::zip::write(&entries, DosTime::from_epoch_ms(now))
        .map_err(|e| ApiError::internal(format!("Package '{id}': {e}")))?;
    Ok(Reply::bytes("application/zip", zip))
}

/// `POST IntegrationPackages` with `PackageContent`: recreates a package from its export.
fn import(call: &Call, t: &mut Tenant, content: &str) -> ApiResult {
    let b64 = base64::engine::general_purpose::STANDARD;
    let zip = b64
        .decode(content.trim())
        .map_err(|_| ApiError::bad_request("PackageContent is not base64."))?;
    let entries = cpi_gitops_wire::artifact::zip::read(&zip)
        .map_err(|e| ApiError::bad_request(format!("PackageContent: {e}")))?;
    let find = |name: &str| {
        entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.data.clone())
    };
    let meta = find("contentmetadata.md")
        .and_then(|d| b64.decode(d).ok())
        .ok_or_else(|| ApiError::bad_request("PackageContent has no contentmetadata.md."))?;
    let mut package: IntegrationPackage = serde_json::from_slice(&meta)
        .map_err(|e| ApiError::bad_request(format!("contentmetadata.md: {e}")))?;
    let cnt = find("resources.cnt")
        .and_then(|d| b64.decode(d).ok())
        .ok_or_else(|| ApiError::bad_request("PackageContent has no resources.cnt."))?;
    let cnt: Value = serde_json::from_slice(&cnt)
        .map_err(|e| ApiError::bad_request(format!("resources.cnt: {e}")))?;
    let overwrite = call.query.flag("Overwrite").unwrap_or(false);
    if t.packages.contains_key(&package.id) && !overwrite {
        return Err(ApiError::conflict(format!(
            "Integration package with ID '{}' already exists.",
            package.id
        )));
    }
    let now = call.now();
    package.modified_by = Some(call.user.into());
    package.modified_date = Some(now.to_string());
    let id = package.id.clone();
    t.packages.insert(id.clone(), package);
    for r in cnt
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let rid = r.get("id").and_then(Value::as_str).unwrap_or_default();
        let Some(kind) = r
            .get("resourceType")
            .and_then(Value::as_str)
            .and_then(|rt| {
                cpi_gitops_wire::designtime::ArtifactKind::ALL
                    .into_iter()
                    .find(|k| resource_type(*k) == rt)
            })
        else {
            continue;
        };
        let Some(zip) = find(&format!("{rid}_content")) else {
            continue;
        };
        let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
        let description = r
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        upload::store_upload(
            call,
            t,
            kind,
            &id,
            None,
            Some(name),
            description,
            &zip,
            true,
        )?;
    }
    let rendered = render(call.base, &t.packages[&id]);
    Ok(Reply::created(rendered))
}
