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
//! Every problem is found here, before anything is written to a tenant, and names the file.

use super::state::ObjectState;
use crate::git::{BlobId, CommitId, GitError, Repo, StateFiles};
use crate::model::kinds::{self, artifact::Facts};
use crate::model::{Kind, ObjectId};
use crate::store::layout::{self, Role, locate};
use serde_json::Value;
use std::collections::BTreeMap;

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
    /// A JSON file does not parse.
    #[error("{file}: not valid JSON: {reason}")]
    BadJson {
        /// The file.
        file: String,
        /// Why.
        reason: String,
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
        layout::RECIPIENTS | layout::GITATTRIBUTES | layout::MARKS
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
    let mut artifacts: BTreeMap<ObjectId, (Option<String>, Facts)> = BTreeMap::new();
    let mut read_only_packages: std::collections::BTreeSet<String> =
        std::collections::BTreeSet::new();
    for (path, id) in &files {
        if is_own_file(path) {
            continue;
        }
        let Some(located) = locate(path) else {
            return Err(DesiredError::UnknownFile { file: shown(path) });
        };
        if located.role == Role::Json || located.role == Role::Configuration {
            let value = read_json(repo, *id, &shown(path))?;
            if located.role == Role::Json {
                kinds::check_identity(&located.id, &value).map_err(|reason| {
                    DesiredError::Invalid {
                        file: shown(path),
                        reason,
                    }
                })?;
                if located.id.kind.is_artifact() {
                    artifacts.insert(
                        located.id.clone(),
                        (located.parent.clone(), Facts::of(&value)),
                    );
                }
                if located.id.kind == Kind::Package
                    && value.get("Mode").and_then(Value::as_str)
                        == Some(crate::wire::packages::MODE_READ_ONLY)
                {
                    read_only_packages.insert(located.id.key.clone());
                }
            }
        }
    }
    let state = ObjectState::from_files(&files);
    for (path, _) in files
        .iter()
        .filter(|(p, _)| matches!(locate(p).map(|l| l.role), Some(Role::Secret(_))))
    {
        if let Some(l) = locate(path) {
            if !state.objects.contains_key(&l.id) {
                return Err(DesiredError::Invalid {
                    file: shown(path),
                    reason: format!("a secret of {} whose object does not exist", l.id),
                });
            }
        }
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
    let overrides_path = format!("overrides/{tenant}.json");
    let mut overridden = BTreeMap::new();
    if let Some(oid) = files.get(&overrides_path).copied() {
        let file = shown(&overrides_path);
        let value = read_json(repo, oid, &file)?;
        let Value::Object(map) = value else {
            return Err(DesiredError::Override {
                file,
                reason: "must be a JSON object of object ids".into(),
            });
        };
        for (key, patch) in map {
            let id = ObjectId::parse(&key).ok_or_else(|| DesiredError::Override {
                file: file.clone(),
                reason: format!("`{key}` is not an object id (kind/name)"),
            })?;
            let object = state.objects.get(&id).ok_or_else(|| DesiredError::Override {
                file: file.clone(),
                reason: format!("{id} does not exist in {state_dir}/ at {rev}: remove the override or fix its name"),
            })?;
            let Value::Object(patch) = patch else {
                return Err(DesiredError::Override {
                    file: file.clone(),
                    reason: format!("the override of {id} must be a JSON object"),
                });
            };
            let mut fields = Vec::new();
            for (field, value) in patch {
                let target = if field == "Configuration" && id.kind == Kind::IntegrationFlow {
                    object
                        .files
                        .keys()
                        .find(|p| matches!(locate(p).map(|l| l.role), Some(Role::Configuration)))
                        .cloned()
                } else {
                    object.json().map(|(p, _)| p.clone())
                };
                let Some(target) = target else {
                    return Err(DesiredError::Override {
                        file: file.clone(),
                        reason: format!("{id} has no {field} to override"),
                    });
                };
                let current =
                    files
                        .get(&target)
                        .copied()
                        .ok_or_else(|| DesiredError::Override {
                            file: file.clone(),
                            reason: format!("{id}: {target} is missing"),
                        })?;
                let mut doc = read_json(repo, current, &shown(&target))?;
                if field == "Configuration" && id.kind == Kind::IntegrationFlow {
                    let Value::Object(values) = value else {
                        return Err(DesiredError::Override {
                            file: file.clone(),
                            reason: format!(
                                "{id}: Configuration must map parameter names to values"
                            ),
                        });
                    };
                    for (parameter, new) in values {
                        let slot = doc
                            .get_mut(&parameter)
                            .and_then(|p| p.get_mut("Value"))
                            .ok_or_else(|| DesiredError::Override {
                                file: file.clone(),
                                reason: format!(
                                    "{id} has no configuration parameter `{parameter}`"
                                ),
                            })?;
                        let Value::String(text) = new else {
                            return Err(DesiredError::Override {
                                file: file.clone(),
                                reason: format!(
                                    "{id}: the value of `{parameter}` must be a string"
                                ),
                            });
                        };
                        *slot = Value::String(text);
                        fields.push(format!("Configuration.{parameter}"));
                    }
                } else {
                    let slot = doc.get_mut(&field).ok_or_else(|| DesiredError::Override {
                        file: file.clone(),
                        reason: format!("{id} has no field `{field}`"),
                    })?;
                    *slot = value;
                    fields.push(field.clone());
                }
                let blob = repo.write_blob(&crate::wire::canonical::to_vec(&doc))?;
                files.insert(target, blob);
            }
            overridden.insert(id, fields);
        }
    }
    let state = ObjectState::from_files(&files);
    let artifacts = artifacts
        .into_iter()
        .map(
            |(id, (parent, mut facts)): (ObjectId, (Option<String>, Facts))| {
                facts.read_only = parent.is_some_and(|p| read_only_packages.contains(&p));
                (id, facts)
            },
        )
        .collect();
    Ok(Desired {
        commit,
        files,
        state,
        overridden,
        artifacts,
    })
}

fn read_json(repo: &Repo, id: BlobId, file: &str) -> Result<Value, DesiredError> {
    let bytes = repo.blob(id)?;
    serde_json::from_slice(&bytes).map_err(|e| DesiredError::BadJson {
        file: file.into(),
        reason: e.to_string(),
    })
}
