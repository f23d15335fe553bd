//! Uploads of design-time artifacts: the display-name rule, what an uploaded zip must hold
//! (a manifest whose `Bundle-SymbolicName` is the artifact's id), and storing it as an artifact
//! (reference sections 5.1 and 12.10).

use super::Call;
use crate::odata::ApiError;
use crate::state::{Artifact, StoredFile, Tenant};
use cpi_gitops_wire::artifact::manifest::Manifest;
use cpi_gitops_wire::artifact::zip;
use cpi_gitops_wire::artifact::{MANIFEST_PATH, METAINFO_PATH};
use cpi_gitops_wire::designtime::ArtifactKind;

/// Checks the display-name rule: starts with a letter or `_`; letters, digits, `_`, space, `.`
/// and `-`; does not end with `.`.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '.' | '-'))
        && !name.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid name '{name}': a name starts with a letter or '_', contains only letters, digits, spaces, '_', '.' and '-', and does not end with '.'."
        )))
    }
}

/// Reads an uploaded zip: drops `metainfo.prop`, requires a manifest whose
/// `Bundle-SymbolicName` is `id`. Returns the files and the manifest.
pub fn read_upload(
    kind: ArtifactKind,
    id: &str,
    zip_bytes: &[u8],
) -> Result<(Vec<StoredFile>, Manifest), ApiError> {
    let entries = zip::read(zip_bytes)
        .map_err(|e| ApiError::bad_request(format!("ArtifactContent of '{id}': {e}")))?;
    let files: Vec<StoredFile> = entries
        .into_iter()
        .filter(|e| e.name != METAINFO_PATH)
        .map(StoredFile::from)
        .collect();
    let manifest_file = files
        .iter()
        .find(|f| f.name == MANIFEST_PATH)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "ArtifactContent of '{id}' has no META-INF/MANIFEST.MF."
            ))
        })?;
    let m = Manifest::parse(&manifest_file.data);
    let symbolic = m.symbolic_name().unwrap_or_default();
    if symbolic != id {
        let message = format!(
            "Bundle-SymbolicName '{symbolic}' in META-INF/MANIFEST.MF does not match the artifact Id '{id}'."
        );
        return Err(if kind == ArtifactKind::MessageMapping {
            ApiError::internal(message)
        } else {
            ApiError::bad_request(message)
        });
    }
    Ok((files, m))
}

/// Stores an upload as a new artifact (or replaces one when `replace`), returning its Id.
#[allow(clippy::too_many_arguments)]
pub fn store_upload(
    call: &Call,
    t: &mut Tenant,
    kind: ArtifactKind,
    package_id: &str,
    id: Option<&str>,
    name: Option<&str>,
    description: &str,
    zip_bytes: &[u8],
    replace: bool,
) -> Result<String, ApiError> {
    let entries = zip::read(zip_bytes)
        .map_err(|e| ApiError::bad_request(format!("artifact content: {e}")))?;
    let id = match id {
        Some(id) => id.to_string(),
        None => entries
            .iter()
            .find(|e| e.name == MANIFEST_PATH)
            .and_then(|e| Manifest::parse(&e.data).symbolic_name().map(str::to_string))
            .ok_or_else(|| ApiError::bad_request("artifact content has no Bundle-SymbolicName"))?,
    };
    let (files, m) = read_upload(kind, &id, zip_bytes)?;
    if !replace && t.artifacts.contains_key(&id) {
        return Err(ApiError::internal(format!(
            "An artifact with Id '{id}' already exists."
        )));
    }
    let name = name
        .map(str::to_string)
        .or_else(|| m.bundle_name().map(str::to_string))
        .unwrap_or_else(|| id.clone());
    check_name(&name)?;
    let now = call.now();
    let previous = t.artifacts.remove(&id);
    let artifact = Artifact {
        id: id.clone(),
        kind,
        package_id: package_id.to_string(),
        name,
        description: description.to_string(),
        version: m.version().unwrap_or("1.0.0").to_string(),
        draft: false,
        files,
        configured: previous
            .as_ref()
            .map(|p| p.configured.clone())
            .unwrap_or_default(),
        sender: String::new(),
        receiver: String::new(),
        created_by: previous
            .as_ref()
            .map_or_else(|| call.user.to_string(), |p| p.created_by.clone()),
        created_at: previous.as_ref().map_or(now, |p| p.created_at),
        modified_by: call.user.to_string(),
        modified_at: now,
    };
    t.artifacts.insert(id.clone(), artifact);
    Ok(id)
}
