//! Design-time artifacts of every kind: create and update with the upload rules, delete, the
//! `$value` download with the tenant's regenerated files, `Configurations`, `Resources`, and
//! save-as-version (reference sections 5.1-5.5 and 12.10, 12.12, 12.14).

use super::upload::{check_name, read_upload, store_upload};
use super::{Call, no_method};
use crate::content;
use crate::odata::{
    ApiError, ApiResult, QueryRules, Reply, collection, entity, json_body, key_literal,
    string_field,
};
use crate::state::{Artifact, Tenant};
use axum::http::{Method, StatusCode};
use base64::Engine;
use cpi_gitops_wire::artifact::manifest;
use cpi_gitops_wire::artifact::properties::{self, Properties};
use cpi_gitops_wire::artifact::zip::{self, DosTime, Entry};
use cpi_gitops_wire::artifact::{
    MANIFEST_PATH, METAINFO_PATH, PARAMETERS_PROP_PATH, PARAMETERS_PROPDEF_PATH, propdef,
};
use cpi_gitops_wire::designtime::{ArtifactKind, Configuration, DesigntimeArtifact};
use cpi_gitops_wire::packages::MODE_READ_ONLY;
use serde_json::Value;

/// The kind listed by package navigation `nav`.
pub fn kind_of_nav(nav: &str) -> Option<ArtifactKind> {
    ArtifactKind::from_entity_set(nav)
}

fn path_of(a: &Artifact) -> String {
    format!(
        "{}(Id={},Version={})",
        a.kind.entity_set(),
        key_literal(&a.id),
        key_literal(a.reported_version())
    )
}

/// Renders an artifact entity.
pub fn render(base: &str, a: &Artifact) -> Value {
    let integration_flow = a.kind == ArtifactKind::IntegrationFlow;
    let wire = DesigntimeArtifact {
        id: a.id.clone(),
        version: a.reported_version().to_string(),
        package_id: a.package_id.clone(),
        name: a.name.clone(),
        description: Some(a.description.clone()),
        artifact_content: None,
        sender: integration_flow.then(|| a.sender.clone()),
        receiver: integration_flow.then(|| a.receiver.clone()),
        created_by: integration_flow.then(|| a.created_by.clone()),
        created_at: integration_flow.then(|| a.created_at.to_string()),
        modified_by: integration_flow.then(|| a.modified_by.clone()),
        modified_at: integration_flow.then(|| a.modified_at.to_string()),
    };
    let mut fields = serde_json::to_value(wire).unwrap_or_default();
    if integration_flow {
        if let Some(map) = fields.as_object_mut() {
            map.insert("Comment".into(), Value::Null);
        }
    }
    let navs: &[&str] = match a.kind {
        ArtifactKind::IntegrationFlow => &[
            "Configurations",
            "Resources",
            "DesignGuidelineExecutionResults",
        ],
        ArtifactKind::MessageMapping | ArtifactKind::ServiceInterface => &["Resources"],
        ArtifactKind::ValueMapping => &["ValMapSchema"],
        ArtifactKind::ScriptCollection => &["Resources", "DesignGuidelineExecutionResults"],
        _ => &[],
    };
    entity(base, a.kind.entity_type(), &path_of(a), fields, navs, true)
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    let kind =
        ArtifactKind::from_entity_set(&call.segments[0].name).ok_or_else(ApiError::no_entity)?;
    let Some(key) = call.segments[0].key.as_ref() else {
        return match (call.method, call.segments.len()) {
            (&Method::GET, 1) | (&Method::GET, 2) => {
                if !matches!(
                    kind,
                    ArtifactKind::MessageMapping | ArtifactKind::ValueMapping
                ) {
                    return Err(ApiError::not_implemented(format!(
                        "Listing {} is not supported; list them through IntegrationPackages('<Id>')/{}.",
                        kind.entity_set(),
                        kind.entity_set()
                    )));
                }
                let count = call.segments.get(1).is_some_and(|s| s.is("$count"));
                let items = t
                    .artifacts
                    .values()
                    .filter(|a| a.kind == kind)
                    .map(|a| render(call.base, a))
                    .collect();
                collection(
                    &call.listing(kind.entity_set()),
                    items,
                    QueryRules::ALL,
                    count,
                )
            }
            (&Method::POST, 1) => create(call, t, kind),
            _ => Err(no_method(call)),
        };
    };
    let (Some(id), Some(version)) = (key.get("Id"), key.get("Version")) else {
        return Err(ApiError::bad_request(
            "The key must name Id and Version, e.g. (Id='Flow1',Version='active').",
        ));
    };
    let id = id.to_string();
    let artifact = t
        .artifacts
        .get(&id)
        .filter(|a| a.kind == kind)
        .ok_or_else(ApiError::no_entity)?;
    if !version.eq_ignore_ascii_case("active")
        && version != artifact.version
        && version != artifact.reported_version()
    {
        return Err(ApiError::not_found(format!(
            "Version '{version}' of artifact '{id}' does not exist."
        )));
    }
    let read_only = t
        .packages
        .get(&artifact.package_id)
        .is_some_and(|p| p.mode.as_deref() == Some(MODE_READ_ONLY));
    let sub: Vec<&str> = call.segments[1..].iter().map(|s| s.name.as_str()).collect();
    match (call.method, sub.as_slice()) {
        (&Method::GET, []) => Ok(Reply::ok(render(call.base, artifact))),
        (&Method::GET, ["$value"]) => {
            if read_only {
                return Err(ApiError::bad_request(format!(
                    "Artifact '{id}' belongs to a configure-only package and cannot be downloaded."
                )));
            }
            // The zip is built after the tenant lock is released, so downloads run in parallel.
            let (artifact, now) = (artifact.clone(), call.now());
            Ok(Reply::later(move || match download(&artifact, now) {
                Ok(body) => Reply::Raw {
                    status: StatusCode::OK,
                    content_type: "application/zip".into(),
                    body,
                    headers: vec![(
                        "content-disposition".into(),
                        format!("attachment; filename=\"{id}.zip\""),
                    )],
                },
                Err(e) => Reply::Raw {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    content_type: "text/plain".into(),
                    body: e.to_string().into_bytes(),
                    headers: vec![],
                },
            }))
        }
        (&Method::GET, ["Configurations"]) | (&Method::GET, ["Configurations", "$count"])
            if kind == ArtifactKind::IntegrationFlow =>
        {
            let items = configurations(artifact)
                .into_iter()
                .map(|c| {
                    let path = format!("Configurations({})", key_literal(&c.parameter_key));
                    entity(
                        call.base,
                        "Configuration",
                        &path,
                        serde_json::to_value(c).unwrap_or_default(),
                        &[],
                        false,
                    )
                })
                .collect();
            let rules = QueryRules {
                unsupported: &["$expand", "$top", "$skip", "$inlinecount"],
                filter_ops: Some(&[
                    "eq",
                    "ne",
                    "substringof",
                    "startswith",
                    "endswith",
                    "and",
                    "or",
                ]),
                unfilterable: &[],
            };
            let path = format!("{}/Configurations", path_of(artifact));
            collection(&call.listing(&path), items, rules, sub.len() == 2)
        }
        (&Method::PUT, ["$links", "Configurations"]) if kind == ArtifactKind::IntegrationFlow => {
            let param = call.key(2)?.to_string();
            configure(call, t, &id, &param)
        }
        (&Method::GET, ["Resources"]) => {
            let path = format!("{}/Resources", path_of(artifact));
            let items = resources(artifact)
                .into_iter()
                .map(|(name, rtype, size)| {
                    let key = format!("Resources(Name={},ResourceType={})", key_literal(&name), key_literal(rtype));
                    let fields = serde_json::json!({
                        "Name": name, "ResourceType": rtype, "ReferencedResourceType": null,
                        "ResourceContent": null, "ResourceSize": size.to_string(), "ResourceSizeUnit": "byte",
                    });
                    entity(call.base, "Resource", &key, fields, &[], true)
                })
                .collect();
            collection(&call.listing(&path), items, QueryRules::ALL, false)
        }
        (&Method::PUT, []) => {
            if read_only {
                return Err(ApiError::forbidden(format!(
                    "Artifact '{id}' belongs to a configure-only package and cannot be changed."
                )));
            }
            if kind == ArtifactKind::ValueMapping {
                return Err(ApiError::not_implemented(
                    "Update of value mappings is not supported; delete and create the value mapping instead.",
                ));
            }
            if !kind.writable() {
                return Err(no_method(call));
            }
            update(call, t, &id)
        }
        (&Method::DELETE, []) => {
            if read_only {
                return Err(ApiError::forbidden(format!(
                    "Artifact '{id}' belongs to a configure-only package and cannot be deleted."
                )));
            }
            if !kind.writable() {
                return Err(no_method(call));
            }
            t.artifacts.remove(&id);
            Ok(Reply::Empty(StatusCode::OK))
        }
        _ => Err(ApiError::not_found("Resource not found.")),
    }
}

fn create(call: &Call, t: &mut Tenant, kind: ArtifactKind) -> ApiResult {
    if !kind.writable() {
        return Err(ApiError::method_not_allowed(format!(
            "Creating {} one by one is not supported; import the package instead.",
            kind.entity_set()
        )));
    }
    let body = json_body(call.body)?;
    let id = string_field(&body, "Id")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Property Id is required."))?;
    let name = string_field(&body, "Name")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Property Name is required."))?;
    let package_id = string_field(&body, "PackageId")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Property PackageId is required."))?;
    check_name(&name)?;
    let package = t.packages.get(&package_id).ok_or_else(|| {
        ApiError::not_found(format!(
            "Integration package '{package_id}' does not exist."
        ))
    })?;
    if package.mode.as_deref() == Some(MODE_READ_ONLY) {
        return Err(ApiError::forbidden(format!(
            "Package '{package_id}' is configure-only; artifacts cannot be added to it."
        )));
    }
    if t.artifacts.contains_key(&id) {
        return Err(ApiError::internal(format!(
            "An artifact with Id '{id}' already exists."
        )));
    }
    let description = string_field(&body, "Description")?.unwrap_or_default();
    let zip_bytes = match string_field(&body, "ArtifactContent")? {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| ApiError::bad_request("ArtifactContent is not valid base64."))?,
        None => zip::write(
            &content::template(kind, &id, &name),
            DosTime::from_epoch_ms(call.now()),
        )
        .map_err(|e| ApiError::internal(e.to_string()))?,
    };
    store_upload(
        call,
        t,
        kind,
        &package_id,
        Some(&id),
        Some(&name),
        &description,
        &zip_bytes,
        false,
    )?;
    Ok(Reply::created(render(call.base, &t.artifacts[&id])))
}

fn update(call: &Call, t: &mut Tenant, id: &str) -> ApiResult {
    let body = json_body(call.body)?;
    if body.contains_key("Id") || body.contains_key("PackageId") {
        return Err(ApiError::internal(
            "The properties Id and PackageId of an artifact cannot be changed.",
        ));
    }
    let name = string_field(&body, "Name")?;
    let content = string_field(&body, "ArtifactContent")?;
    if let Some(name) = &name {
        check_name(name)?;
    }
    let now = call.now();
    let artifact = t.artifacts.get_mut(id).ok_or_else(ApiError::no_entity)?;
    match content {
        None => {
            let Some(name) = name else {
                return Err(ApiError::bad_request(
                    "The body must contain Name, ArtifactContent or both.",
                ));
            };
            artifact.name = name;
            artifact.draft = true;
        }
        Some(b64) => {
            let zip_bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| ApiError::bad_request("ArtifactContent is not valid base64."))?;
            let (files, m) = read_upload(artifact.kind, id, &zip_bytes)?;
            artifact.version = m.version().unwrap_or("1.0.0").to_string();
            artifact.name = name
                .or_else(|| m.bundle_name().map(str::to_string))
                .unwrap_or_else(|| artifact.name.clone());
            artifact.files = files;
            artifact.draft = false;
        }
    }
    if let Some(description) = string_field(&body, "Description")? {
        artifact.description = description;
    }
    artifact.modified_by = call.user.to_string();
    artifact.modified_at = now;
    Ok(Reply::Empty(StatusCode::OK))
}

/// The parameters of an integration flow: definitions from `parameters.propdef`, values from
/// `parameters.prop`, configured values winning; ordered by key. With a `parameters.propdef`,
/// the parameters are its keys: a key only `parameters.prop` has lingers from older content
/// (served in the file, not a parameter); without one, the keys of `parameters.prop`.
pub fn configurations(a: &Artifact) -> Vec<Configuration> {
    let defined = a.file(PARAMETERS_PROPDEF_PATH);
    let defs = defined.map(|f| propdef::parse(&f.data)).unwrap_or_default();
    let props = a
        .file(PARAMETERS_PROP_PATH)
        .map(|f| Properties::parse(&f.data))
        .unwrap_or_default();
    let mut out: std::collections::BTreeMap<String, Configuration> =
        std::collections::BTreeMap::new();
    for def in &defs {
        out.insert(
            def.key.clone(),
            Configuration {
                parameter_key: def.key.clone(),
                parameter_value: String::new(),
                data_type: def.data_type.clone(),
                description: Some(def.description.clone()),
            },
        );
    }
    for (key, value) in props.entries() {
        if defined.is_some() && !out.contains_key(key) {
            continue;
        }
        out.entry(key.clone())
            .or_insert_with(|| Configuration {
                parameter_key: key.clone(),
                parameter_value: String::new(),
                data_type: "xsd:string".into(),
                description: Some(String::new()),
            })
            .parameter_value = value.clone();
    }
    for (key, c) in out.iter_mut() {
        if let Some(v) = a.configured.get(key) {
            c.parameter_value = v.clone();
        }
    }
    out.into_values().collect()
}

fn configure(call: &Call, t: &mut Tenant, id: &str, key: &str) -> ApiResult {
    let body = json_body(call.body)?;
    let value = match body.get("ParameterValue") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(ApiError::bad_request(
                "Property ParameterValue is required and must be a string.",
            ));
        }
    };
    string_field(&body, "DataType")?;
    let artifact = t.artifacts.get_mut(id).ok_or_else(ApiError::no_entity)?;
    if !configurations(artifact)
        .iter()
        .any(|c| c.parameter_key == key)
    {
        return Err(ApiError::not_found(format!(
            "Artifact '{id}' has no configuration parameter '{key}'."
        )));
    }
    // Configured values live apart from the content: the artifact's ModifiedAt stays.
    artifact.configured.insert(key.to_string(), value);
    Ok(Reply::Empty(StatusCode::ACCEPTED))
}

/// The artifact zip as a tenant serves it: the stored files in upload order with fresh
/// timestamps, `parameters.prop` regenerated (fresh date comment, configured values written back)
/// and `metainfo.prop` appended.
pub fn download(a: &Artifact, now: i64) -> Result<Vec<u8>, cpi_gitops_wire::artifact::FormatError> {
    let date = properties::java_date(now);
    let mut entries = served_files(a, Some(&date));
    let meta = vec![("description".to_string(), a.description.clone())];
    entries.push(Entry::file(
        METAINFO_PATH,
        properties::store(&meta, Some("Store metainfo properties"), Some(&date)),
    ));
    zip::write(&entries, DosTime::from_epoch_ms(now))
}

/// The files of a download without `metainfo.prop`: `parameters.prop` regenerated with the
/// configured values (and a date comment when `date` is given).
pub fn served_files(a: &Artifact, date: Option<&str>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::with_capacity(a.files.len() + 2);
    let mut wrote_params = false;
    for f in &a.files {
        if f.name == PARAMETERS_PROP_PATH {
            entries.push(Entry::file(
                f.name.clone(),
                parameters_prop(a, Some(&f.data), date),
            ));
            wrote_params = true;
        } else {
            entries.push(Entry::from(f));
        }
    }
    if !wrote_params && !a.configured.is_empty() {
        entries.push(Entry::file(
            PARAMETERS_PROP_PATH,
            parameters_prop(a, None, date),
        ));
    }
    entries
}

fn parameters_prop(a: &Artifact, stored: Option<&[u8]>, date: Option<&str>) -> Vec<u8> {
    let mut props = stored.map(Properties::parse).unwrap_or_default();
    for (k, v) in &a.configured {
        props.set(k, v);
    }
    properties::store(props.entries(), None, date)
}

fn resources(a: &Artifact) -> Vec<(String, &'static str, usize)> {
    a.files
        .iter()
        .filter(|f| !f.name.ends_with('/') && f.name.starts_with("src/main/resources/"))
        .filter_map(|f| {
            let name = f.name.rsplit('/').next()?.to_string();
            let ext = name.rsplit('.').next()?.to_ascii_lowercase();
            let rtype = match ext.as_str() {
                "groovy" | "gsh" => "groovy",
                "js" => "js",
                "jar" => "jar",
                "xsd" => "xsd",
                "wsdl" => "wsdl",
                "xsl" | "xslt" => "xslt",
                "mmap" => "mmap",
                "opmap" => "opmap",
                "edmx" => "edmx",
                _ => return None,
            };
            Some((name, rtype, f.data.len()))
        })
        .collect()
}

/// `POST <Kind>DesigntimeArtifactSaveAsVersion?Id='..'&SaveAsVersion='..'`.
pub fn save_as_version(call: &Call, t: &mut Tenant) -> ApiResult {
    if call.method != Method::POST {
        return Err(no_method(call));
    }
    let id = call
        .query
        .literal("Id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Parameter Id is required."))?;
    let version = call
        .query
        .literal("SaveAsVersion")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Parameter SaveAsVersion is required."))?;
    let artifact = t.artifacts.get_mut(&id).ok_or_else(ApiError::no_entity)?;
    if let Some(f) = artifact.files.iter_mut().find(|f| f.name == MANIFEST_PATH) {
        f.data = manifest::set_header(&f.data, "Bundle-Version", &version);
    }
    artifact.version = version;
    artifact.draft = false;
    artifact.modified_at = call.now();
    Ok(Reply::ok(render(call.base, artifact)))
}
