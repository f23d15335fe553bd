//! Desired state: a committed revision of the state folder, read straight from git objects
//! (never the work tree, so what is applied is what was committed and reviewed), checked, and
//! with the target's overrides applied on top.
//!
//! Overrides live in `overrides/<tenant>.json`: values that must differ on that tenant (a
//! regional endpoint). Keys are object ids; values patch the object's JSON fields, and for
//! integration flows `"Configuration"` patches parameter values:
//!
//! ```json
//! {
//!   "integration-flow/Orders_Inbound_HTTPS": { "Configuration": { "ERP Address": "https://erp-dr.example.com" } },
//!   "string-parameter/ACME/ReceiverURL": { "Value": "https://dr.acme.example/inbound" }
//! }
//! ```
//!
//! Every problem is found here, before anything is written to a tenant, and names the file
//! (and the field) and what is wrong:
//! - the state format (`store::format`): a state written by a newer cpi-gitops is refused;
//! - every JSON file parses, with no key twice in one object, and fits its kind's schema
//!   (`model::schema`; fields the schema does not name pass through);
//! - its identifying fields agree with its path (a cut name with the key in the JSON);
//! - an artifact that apply writes has its `content/` (unless its package is configure-only), a
//!   manifest whose `Bundle-SymbolicName` is its `Id` and whose `Bundle-Version` is its
//!   `Version` (else the deploy could never show that version), and stored file names that
//!   `store::layout::content_path` can have written;
//! - an integration flow's configuration keys are keys of its `parameters.propdef` or of its
//!   stored `parameters.prop` (state format 2);
//! - overrides name existing objects, fields and parameters, never an identifying field, and
//!   the overridden file still fits its schema.

use super::state::ObjectState;
use crate::git::{BlobId, CommitId, GitError, Repo, StateFiles};
use crate::model::kinds::{self, artifact::Facts};
use crate::model::schema::{self, Problem};
use crate::model::{Identity, Kind, ObjectId};
use crate::store::format::{self, FormatError, StateFormat};
use crate::store::layout::{self, Role, locate};
use crate::wire::artifact::manifest::Manifest;
use crate::wire::artifact::{MANIFEST_PATH, PARAMETERS_PROP_PATH, PARAMETERS_PROPDEF_PATH};
use crate::wire::artifact::{propdef, properties};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A revision's state, with overrides.
pub struct Desired {
    /// The revision.
    pub commit: CommitId,
    /// Every file, overrides applied (overridden files are new blobs).
    pub files: StateFiles,
    /// The same by object.
    pub state: ObjectState,
    /// Objects changed by overrides, with the overridden fields (for the plan).
    pub overridden: BTreeMap<ObjectId, Vec<String>>,
    /// Artifacts by id: whether git has them deployed, and at which version.
    pub artifacts: BTreeMap<ObjectId, Facts>,
    /// The layout version the state is written in.
    pub format: StateFormat,
}

/// Why the desired state cannot be used. Each names the file (relative to the repository root).
#[derive(Debug, thiserror::Error)]
pub enum DesiredError {
    #[error(transparent)]
    /// Git failed.
    Git(#[from] GitError),
    /// The revision has no state folder.
    #[error("revision {rev} has no {state_dir}/ folder")]
    NoState {
        /// The revision.
        rev: String,
        /// The state folder.
        state_dir: String,
    },
    /// The state's format file cannot be used.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A JSON file does not parse.
    #[error("{file}: not valid JSON: {reason}")]
    BadJson {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// A file does not fit its kind's schema.
    #[error("{file}: {problem}")]
    Schema {
        /// The file.
        file: String,
        /// The field and what is wrong with it.
        problem: Problem,
    },
    /// A file is not what its path says.
    #[error("{file}: {reason}")]
    Invalid {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// A file at a path no kind is stored at.
    #[error("{file}: unknown kind of object (no cpi-gitops kind is stored at this path)")]
    UnknownFile {
        /// The file.
        file: String,
    },
    /// The overrides file cannot be applied.
    #[error("{file}: {reason}")]
    Override {
        /// The overrides file.
        file: String,
        /// Why.
        reason: String,
    },
}

/// Root files that belong to no object.
fn is_own_file(path: &str) -> bool {
    matches!(
        path,
        layout::RECIPIENTS | layout::GITATTRIBUTES | layout::MARKS | format::FILE
    ) || (path.starts_with("overrides/") && path.ends_with(".json"))
}

/// Reads `rev`'s state folder for target `tenant`.
pub fn load(
    repo: &Repo,
    rev: &str,
    state_dir: &str,
    tenant: &str,
) -> Result<Desired, DesiredError> {
    let commit = repo
        .commit_id(rev)?
        .ok_or_else(|| GitError::UnknownRevision {
            rev: rev.into(),
            reason: "the repository has no commits".into(),
        })?;
    let mut files = repo.state_files(Some(commit), state_dir)?;
    if files.is_empty() {
        return Err(DesiredError::NoState {
            rev: rev.into(),
            state_dir: state_dir.into(),
        });
    }
    let shown = |path: &str| format!("{state_dir}/{path}");
    let format = format::parse(
        files
            .get(format::FILE)
            .map(|id| repo.blob(*id))
            .transpose()?
            .as_deref(),
        &shown(format::FILE),
    )?;
    // Every JSON file parsed and checked against its kind's schema, by path.
    let mut json: BTreeMap<String, Value> = BTreeMap::new();
    for (path, id) in &files {
        if is_own_file(path) {
            continue;
        }
        let Some(located) = locate(path) else {
            return Err(DesiredError::UnknownFile { file: shown(path) });
        };
        match &located.role {
            Role::Json => {
                let value = read_json(repo, *id, &shown(path))?;
                schema::check(located.id.kind.spec().schema, &value).map_err(|problem| {
                    DesiredError::Schema {
                        file: shown(path),
                        problem,
                    }
                })?;
                if !located.cut {
                    kinds::check_identity(&located.id, &value).map_err(|reason| {
                        DesiredError::Invalid {
                            file: shown(path),
                            reason,
                        }
                    })?;
                }
                json.insert(path.clone(), value);
            }
            Role::Configuration => {
                let value = read_json(repo, *id, &shown(path))?;
                check_configuration(&value).map_err(|problem| DesiredError::Schema {
                    file: shown(path),
                    problem,
                })?;
                json.insert(path.clone(), value);
            }
            Role::Content(inner) if format.content_name(inner).is_none() => {
                return Err(DesiredError::Invalid {
                    file: shown(path),
                    reason: "not a file name cpi-gitops writes (README.md, \"Names to paths\": `%` is written `%25`; only the leading `.` of .gitattributes, .gitignore and .gitmodules, and what Windows forbids or reserves, are encoded)".into(),
                });
            }
            _ => {}
        }
    }
    let state = ObjectState::read(&files, format, |id| repo.blob(id))?;
    check_objects(&state, &files, &shown)?;
    let read_only: BTreeSet<String> = state
        .objects
        .iter()
        .filter(|(id, o)| {
            id.kind == Kind::Package
                && o.json()
                    .and_then(|(p, _)| json.get(p))
                    .and_then(|v| v.get("Mode"))
                    .and_then(Value::as_str)
                    == Some(crate::wire::packages::MODE_READ_ONLY)
        })
        .map(|(id, _)| id.key.clone())
        .collect();
    let mut artifacts = BTreeMap::new();
    for (id, object) in state.objects.iter().filter(|(id, _)| id.kind.is_artifact()) {
        let Some((path, value)) = object.json().and_then(|(p, _)| Some((p, json.get(p)?))) else {
            continue;
        };
        let mut facts = Facts::of(value);
        facts.read_only = object
            .parent
            .as_ref()
            .is_some_and(|p| read_only.contains(p));
        if !facts.read_only && writable(id.kind) {
            let content_dir = path.replace("/artifact.json", "/content/");
            check_content(repo, id, object, &facts, &json, format).map_err(|(file, reason)| {
                DesiredError::Invalid {
                    file: shown(file.as_deref().unwrap_or(&content_dir)),
                    reason,
                }
            })?;
        }
        artifacts.insert(id.clone(), facts);
    }
    let overrides_path = format!("overrides/{tenant}.json");
    let mut overridden = BTreeMap::new();
    if let Some(oid) = files.get(&overrides_path).copied() {
        let file = shown(&overrides_path);
        let value = read_json(repo, oid, &file)?;
        apply_overrides(
            repo,
            &state,
            &mut files,
            &mut overridden,
            value,
            &file,
            rev,
            state_dir,
        )?;
    }
    let state = if overridden.is_empty() {
        state
    } else {
        ObjectState::read(&files, format, |id| repo.blob(id))?
    };
    Ok(Desired {
        commit,
        files,
        state,
        overridden,
        artifacts,
        format,
    })
}

/// The artifact kinds apply writes one by one (the others travel in package imports).
fn writable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::IntegrationFlow | Kind::ValueMapping | Kind::MessageMapping | Kind::ScriptCollection
    )
}

/// `configuration.json`: `{key: {"Value": string, "DataType": string}}`.
fn check_configuration(value: &Value) -> Result<(), Problem> {
    let Value::Object(map) = value else {
        return Err(Problem {
            field: String::new(),
            message: "must be a JSON object of parameter names".into(),
        });
    };
    for (key, entry) in map {
        schema::check(kinds::artifact::CONFIGURATION_VALUE, entry).map_err(|p| Problem {
            field: if p.field.is_empty() {
                key.clone()
            } else {
                format!("{key}.{}", p.field)
            },
            message: p.message,
        })?;
    }
    Ok(())
}

/// Objects as a whole: cut names resolved, secrets belong to objects, every object has JSON.
fn check_objects(
    state: &ObjectState,
    files: &StateFiles,
    shown: &dyn Fn(&str) -> String,
) -> Result<(), DesiredError> {
    let owned: BTreeSet<&String> = state
        .objects
        .values()
        .flat_map(|o| o.secrets.keys())
        .collect();
    for path in files.keys().filter(|p| !owned.contains(p)) {
        if let Some(l) = locate(path).filter(|l| matches!(l.role, Role::Secret(_))) {
            return Err(DesiredError::Invalid {
                file: shown(path),
                reason: format!("a secret of {} whose object does not exist", l.id),
            });
        }
    }
    if let Some(id) = state.unresolved.iter().next() {
        let file = state
            .objects
            .get(id)
            .and_then(|o| {
                o.json()
                    .map(|(p, _)| p.clone())
                    .or_else(|| o.files.keys().next().cloned())
            })
            .unwrap_or_default();
        return Err(DesiredError::Invalid {
            file: shown(&file),
            reason: "its name is a cut long name, and the key its JSON names does not have that name (or its package's does not): restore the file from the export that wrote it".into(),
        });
    }
    for (id, object) in &state.objects {
        if object.json().is_none() {
            let any = object.files.keys().next().cloned().unwrap_or_default();
            return Err(DesiredError::Invalid {
                file: shown(&any),
                reason: format!("{id} has files but no JSON file"),
            });
        }
    }
    Ok(())
}

/// An artifact's content as apply will upload it: present, with a manifest that names it and
/// its version, and configuration keys the flow has. An error names the file when it is not
/// the content folder.
fn check_content(
    repo: &Repo,
    id: &ObjectId,
    object: &super::state::ObjectFiles,
    facts: &Facts,
    json: &BTreeMap<String, Value>,
    format: StateFormat,
) -> Result<(), (Option<String>, String)> {
    check_manifest(repo, id, object, facts, format).map_err(|reason| (None, reason))?;
    if id.kind == Kind::IntegrationFlow && format.keeps_parameters() {
        check_configuration_keys(repo, id, object, json, format)?;
    }
    Ok(())
}

/// The content files of an artifact by entry name.
fn content_files(
    object: &super::state::ObjectFiles,
    format: StateFormat,
) -> BTreeMap<String, BlobId> {
    object
        .files
        .iter()
        .filter_map(|(p, b)| match locate(p).map(|l| l.role) {
            Some(Role::Content(inner)) => Some((format.content_name(&inner)?, *b)),
            _ => None,
        })
        .collect()
}

/// The content is there, with a manifest that names the artifact and its version.
fn check_manifest(
    repo: &Repo,
    id: &ObjectId,
    object: &super::state::ObjectFiles,
    facts: &Facts,
    format: StateFormat,
) -> Result<(), String> {
    let content = content_files(object, format);
    if content.is_empty() {
        return Err(format!(
            "{id} has no content files: restore its content/ folder from git history (git checkout <commit> -- <folder>) or export the tenant again"
        ));
    }
    let read = |name: &str| -> Result<Option<Vec<u8>>, String> {
        content
            .get(name)
            .map(|b| repo.blob(*b).map_err(|e| e.to_string()))
            .transpose()
    };
    let manifest = read(MANIFEST_PATH)?.ok_or_else(|| {
        format!(
            "{id} has no {MANIFEST_PATH}: restore it from git history or export the tenant again"
        )
    })?;
    let manifest = Manifest::parse_strict(&manifest)
        .map_err(|reason| format!("{MANIFEST_PATH} of {id} is not a manifest: {reason}"))?;
    match manifest.symbolic_name() {
        Some(name) if name == id.key => {}
        Some(name) => {
            return Err(format!(
                "{MANIFEST_PATH} of {id}: Bundle-SymbolicName is `{name}`, but the tenant requires the artifact's Id `{}`",
                id.key
            ));
        }
        None => {
            return Err(format!(
                "{MANIFEST_PATH} of {id} has no Bundle-SymbolicName (it must be the artifact's Id `{}`)",
                id.key
            ));
        }
    }
    match manifest.version() {
        Some(v) if v == facts.version => {}
        other => {
            return Err(format!(
                "{MANIFEST_PATH} of {id}: Bundle-Version is {}, but artifact.json says Version `{}`; the tenant takes the version from the manifest, so a deploy would never show `{}`: make the two agree",
                other.map_or("missing".to_string(), |v| format!("`{v}`")),
                facts.version,
                facts.version
            ));
        }
    }
    Ok(())
}

/// An integration flow's configuration keys are parameters of its content: keys of its
/// `parameters.propdef` or of its stored `parameters.prop`.
fn check_configuration_keys(
    repo: &Repo,
    id: &ObjectId,
    object: &super::state::ObjectFiles,
    json: &BTreeMap<String, Value>,
    format: StateFormat,
) -> Result<(), (Option<String>, String)> {
    let Some(file) = object
        .files
        .keys()
        .find(|p| matches!(locate(p).map(|l| l.role), Some(Role::Configuration)))
    else {
        return Ok(());
    };
    let keys: Vec<&String> = json
        .get(file)
        .and_then(Value::as_object)
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    if keys.is_empty() {
        return Ok(());
    }
    let content = content_files(object, format);
    let read = |name: &str| -> Result<Option<Vec<u8>>, (Option<String>, String)> {
        content
            .get(name)
            .map(|b| repo.blob(*b).map_err(|e| (None, e.to_string())))
            .transpose()
    };
    let mut known: BTreeSet<String> = read(PARAMETERS_PROPDEF_PATH)?
        .map(|b| propdef::parse(&b).into_iter().map(|d| d.key).collect())
        .unwrap_or_default();
    if let Some(prop) = read(PARAMETERS_PROP_PATH)? {
        known.extend(properties::keys(&prop));
    }
    match keys.into_iter().find(|k| !known.contains(*k)) {
        Some(unknown) => Err((
            Some(file.clone()),
            format!(
                "the configuration key `{unknown}` is not a parameter of {id} (neither in its parameters.propdef nor in its parameters.prop): remove it, or correct its name"
            ),
        )),
        None => Ok(()),
    }
}

/// The fields that name an object (overriding them would write another object).
fn identity_fields(kind: Kind) -> &'static [&'static str] {
    match kind.spec().identity {
        Identity::Field(name) => match name {
            "Id" => &["Id"],
            "Name" => &["Name"],
            "Alias" => &["Alias"],
            "RoleName" => &["RoleName"],
            "User" => &["User", "Pid"],
            _ => &[],
        },
        Identity::PidId => &["Pid", "Id"],
        Identity::AgencySchemeId => &["Agency", "Scheme", "Id", "Pid"],
    }
}

/// Applies the overrides file's `value` on top of `files`.
#[allow(clippy::too_many_arguments)]
fn apply_overrides(
    repo: &Repo,
    state: &ObjectState,
    files: &mut StateFiles,
    overridden: &mut BTreeMap<ObjectId, Vec<String>>,
    value: Value,
    file: &str,
    rev: &str,
    state_dir: &str,
) -> Result<(), DesiredError> {
    let shown = |path: &str| format!("{state_dir}/{path}");
    let err = |reason: String| DesiredError::Override {
        file: file.to_string(),
        reason,
    };
    let Value::Object(map) = value else {
        return Err(err("must be a JSON object of object ids".into()));
    };
    for (key, patch) in map {
        let id = ObjectId::parse(&key)
            .ok_or_else(|| err(format!("`{key}` is not an object id (kind/name)")))?;
        let object = state.objects.get(&id).ok_or_else(|| {
            err(format!(
                "{id} does not exist in {state_dir}/ at {rev}: remove the override or fix its name"
            ))
        })?;
        let Value::Object(patch) = patch else {
            return Err(err(format!("the override of {id} must be a JSON object")));
        };
        let mut fields = Vec::new();
        for (field, value) in patch {
            let configuration = field == "Configuration" && id.kind == Kind::IntegrationFlow;
            if !configuration && identity_fields(id.kind).contains(&field.as_str()) {
                return Err(err(format!(
                    "{id}: `{field}` names the object and cannot be overridden (an override changes values of an object, never which object it is)"
                )));
            }
            let target = if configuration {
                object
                    .files
                    .keys()
                    .find(|p| matches!(locate(p).map(|l| l.role), Some(Role::Configuration)))
                    .cloned()
            } else {
                object.json().map(|(p, _)| p.clone())
            };
            let Some(target) = target else {
                return Err(err(format!("{id} has no {field} to override")));
            };
            let current = files
                .get(&target)
                .copied()
                .ok_or_else(|| err(format!("{id}: {target} is missing")))?;
            let mut doc = read_json(repo, current, &shown(&target))?;
            if configuration {
                let Value::Object(values) = value else {
                    return Err(err(format!(
                        "{id}: Configuration must map parameter names to values"
                    )));
                };
                for (parameter, new) in values {
                    let slot = doc
                        .get_mut(&parameter)
                        .and_then(|p| p.get_mut("Value"))
                        .ok_or_else(|| {
                            err(format!("{id} has no configuration parameter `{parameter}`"))
                        })?;
                    let Value::String(text) = new else {
                        return Err(err(format!(
                            "{id}: the value of `{parameter}` must be a string, found {new}"
                        )));
                    };
                    *slot = Value::String(text);
                    fields.push(format!("Configuration.{parameter}"));
                }
            } else {
                let slot = doc
                    .get_mut(&field)
                    .ok_or_else(|| err(format!("{id} has no field `{field}`")))?;
                *slot = value;
                schema::check(id.kind.spec().schema, &doc).map_err(|problem| {
                    err(format!("the override of {id} does not fit: {problem}"))
                })?;
                fields.push(field.clone());
            }
            let blob = repo.write_blob(&crate::wire::canonical::to_vec(&doc))?;
            files.insert(target, blob);
        }
        overridden.insert(id, fields);
    }
    Ok(())
}

fn read_json(repo: &Repo, id: BlobId, file: &str) -> Result<Value, DesiredError> {
    let bytes = repo.blob(id)?;
    schema::parse(&bytes).map_err(|e| DesiredError::BadJson {
        file: file.into(),
        reason: e.to_string(),
    })
}
