//! Files from git, read on the blocking threads before the first request: an object's JSON, a
//! file by its role, what a non-artifact write needs ([`material`]) and an artifact's files
//! ([`Artifact`]).

use crate::git::{GitError, Repo};
use crate::model::{Material, ObjectId, WriteError};
use crate::store::format::StateFormat;
use crate::store::layout::{Role, locate};
use crate::sync::state::ObjectFiles;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A non-artifact object's files from git.
pub fn material(
    repo: &Repo,
    id: ObjectId,
    desired: &ObjectFiles,
    live: Option<&ObjectFiles>,
) -> Result<Material, WriteError> {
    let attachment = match id.kind.spec().attachment {
        Some(a) => file_of(repo, desired, &Role::Attachment(a))?,
        None => None,
    };
    Ok(Material {
        desired: json_of(repo, desired)?,
        live: live.map(|l| json_of(repo, l)).transpose()?,
        attachment,
        secrets: BTreeMap::new(),
        reset_number_ranges: false,
        id,
    })
}

/// The object's JSON from git.
pub fn json_of(repo: &Repo, files: &ObjectFiles) -> Result<Map<String, Value>, WriteError> {
    let (path, id) = files
        .json()
        .ok_or_else(|| WriteError::State("the object has no JSON file".into()))?;
    match serde_json::from_slice(&repo.blob(*id)?) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(WriteError::State(format!("{path} is not a JSON object"))),
    }
}

/// A file of the object by role, from git.
pub fn file_of(repo: &Repo, files: &ObjectFiles, role: &Role) -> Result<Option<Vec<u8>>, GitError> {
    match files
        .files
        .iter()
        .find(|(p, _)| locate(p).map(|l| l.role).as_ref() == Some(role))
    {
        Some((_, id)) => repo.blob(*id).map(Some),
        None => Ok(None),
    }
}

/// Configuration values by key: (value, data type).
pub type Configuration = BTreeMap<String, (String, String)>;

/// An artifact's files from git, loaded before the first request.
pub struct Artifact {
    pub desired: Map<String, Value>,
    pub live: Option<Map<String, Value>>,
    pub content: Vec<(String, Vec<u8>)>,
    pub configuration: Configuration,
    pub live_configuration: Option<Configuration>,
}

impl Artifact {
    /// Loads the files of an artifact of a state in `format`; content files by their zip
    /// entry names.
    pub fn load(
        repo: &Repo,
        desired: &ObjectFiles,
        live: Option<&ObjectFiles>,
        format: StateFormat,
    ) -> Result<Artifact, WriteError> {
        let mut content = Vec::new();
        for (path, id) in &desired.files {
            if let Some(Role::Content(inner)) = locate(path).map(|l| l.role) {
                let name = format.content_name(&inner).ok_or_else(|| {
                    WriteError::State(format!("{path} is not a file name cpi-gitops writes"))
                })?;
                content.push((name, repo.blob(*id)?));
            }
        }
        Ok(Artifact {
            desired: json_of(repo, desired)?,
            live: live.map(|l| json_of(repo, l)).transpose()?,
            content,
            configuration: configuration(repo, desired)?,
            live_configuration: live.map(|l| configuration(repo, l)).transpose()?,
        })
    }
}

/// `configuration.json` as values and data types.
fn configuration(repo: &Repo, files: &ObjectFiles) -> Result<Configuration, WriteError> {
    let Some(bytes) = file_of(repo, files, &Role::Configuration)? else {
        return Ok(BTreeMap::new());
    };
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| WriteError::State(format!("configuration.json: {e}")))?;
    Ok(value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = |f: &str| {
                v.get(f)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (k.clone(), (text("Value"), text("DataType")))
        })
        .collect())
}
