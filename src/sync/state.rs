//! A state as objects: the files of a state folder (desired from git, live from a tenant)
//! grouped by the object they belong to, with fingerprints that make comparing two states a
//! matter of comparing strings.
//!
//! [`ObjectState::read`] also reads what paths alone cannot say: the key of an object whose name
//! on disk was cut (from its JSON file), and the key set of an integration flow's stored
//! `parameters.prop`, which is all that plan and drift compare of it (its values are compared
//! through `configuration.json`, its key order and comments are the tenant's business).

use crate::git::StateFiles;
use crate::git::{BlobId, GitError};
use crate::model::kinds;
use crate::model::{Kind, ObjectId, Placement};
use crate::store::content::parameter_keys;
use crate::store::format::StateFormat;
use crate::store::layout::{Role, component, locate, place};
use crate::wire::artifact::PARAMETERS_PROP_PATH;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One object's files in one state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFiles {
    /// Package of an artifact, Pid of an alternative partner or authorized user.
    pub parent: Option<String>,
    /// Every file but secrets: path (relative to the state folder) -> blob.
    pub files: BTreeMap<String, BlobId>,
    /// Secret files: path -> blob (desired state only; a tenant never reveals them).
    pub secrets: BTreeMap<String, BlobId>,
    /// Files compared by what they mean rather than by their bytes: path -> digest (an
    /// integration flow's `parameters.prop`: its key set).
    pub compare_as: BTreeMap<String, String>,
}

impl ObjectFiles {
    /// The digest of the non-secret files, paths included (so a move is a change).
    pub fn fingerprint(&self) -> String {
        self.digest_of(self.files.iter())
    }

    /// The digest of some of the object's files, each by [`ObjectFiles::compare_as`] when it
    /// has an entry there, else by its blob.
    pub fn digest_of<'a>(&self, files: impl Iterator<Item = (&'a String, &'a BlobId)>) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for (path, id) in files {
            h.update(path.as_bytes());
            h.update([0]);
            match self.compare_as.get(path) {
                Some(meaning) => h.update(meaning.as_bytes()),
                None => h.update(id.as_bytes()),
            }
        }
        hex::encode(&h.finalize()[..16])
    }

    /// Whether the file at `path` is the same in `other` (by [`ObjectFiles::compare_as`] where
    /// both have an entry).
    pub fn same_file(&self, other: &ObjectFiles, path: &str, other_path: &str) -> bool {
        match (self.compare_as.get(path), other.compare_as.get(other_path)) {
            (Some(a), Some(b)) => a == b,
            _ => self.files.get(path) == other.files.get(other_path),
        }
    }

    /// The digest of the secret files.
    pub fn secrets_fingerprint(&self) -> String {
        digest(&self.secrets)
    }

    /// The object's JSON file.
    pub fn json(&self) -> Option<(&String, &BlobId)> {
        self.files
            .iter()
            .find(|(p, _)| matches!(locate(p).map(|l| l.role), Some(Role::Json)))
    }
}

fn digest(files: &BTreeMap<String, BlobId>) -> String {
    ObjectFiles::default().digest_of(files.iter())
}

/// Objects of a state by id; files that belong to no object (recipients, marks, overrides) are
/// left out.
#[derive(Debug, Clone, Default)]
pub struct ObjectState {
    /// Every object's files, by id.
    pub objects: BTreeMap<ObjectId, ObjectFiles>,
    /// Objects whose name on disk is cut and whose JSON did not say a key that fits it (by the
    /// cut name): `sync::desired` refuses them.
    pub unresolved: BTreeSet<ObjectId>,
}

/// The path of an integration flow's stored `parameters.prop`, when `path` is one.
fn is_parameters_file(id: &ObjectId, path: &str) -> bool {
    id.kind == Kind::IntegrationFlow
        && matches!(locate(path).map(|l| l.role), Some(Role::Content(inner)) if inner == PARAMETERS_PROP_PATH)
}

impl ObjectState {
    /// Groups a state folder's files by object (by path alone: cut names stay unresolved).
    pub fn from_files(files: &StateFiles) -> ObjectState {
        Self::group(files).0
    }

    fn group(files: &StateFiles) -> (ObjectState, BTreeSet<ObjectId>, BTreeSet<ObjectId>) {
        let mut objects: BTreeMap<ObjectId, ObjectFiles> = BTreeMap::new();
        let (mut cut, mut parent_cut) = (BTreeSet::new(), BTreeSet::new());
        for (path, id) in files {
            let Some(located) = locate(path) else {
                continue;
            };
            if located.cut {
                cut.insert(located.id.clone());
            }
            if located.parent_cut {
                parent_cut.insert(located.id.clone());
            }
            let entry = objects.entry(located.id).or_default();
            if located.parent.is_some() {
                entry.parent = located.parent;
            }
            match located.role {
                Role::Secret(_) => entry.secrets.insert(path.clone(), *id),
                _ => entry.files.insert(path.clone(), *id),
            };
        }
        // A secret file whose object has no JSON is an orphan, not an object.
        objects.retain(|_, o| o.json().is_some() || o.secrets.is_empty());
        let state = ObjectState {
            objects,
            unresolved: BTreeSet::new(),
        };
        (state, cut, parent_cut)
    }

    /// Groups a state folder's files by object, reading from their blobs what paths cannot say
    /// (the module docs). A state of `format` 1 did not store integration flows'
    /// `parameters.prop`, so such files are not part of their objects then.
    pub fn read(
        files: &StateFiles,
        format: StateFormat,
        blob: impl Fn(BlobId) -> Result<Vec<u8>, GitError>,
    ) -> Result<ObjectState, GitError> {
        let (mut state, cut, parent_cut) = Self::group(files);
        let json_of = |o: &ObjectFiles| -> Result<Option<Value>, GitError> {
            match o.json() {
                Some((_, id)) => Ok(serde_json::from_slice(&blob(*id)?).ok()),
                None => Ok(None),
            }
        };
        // Packages first: their keys name the parents of artifacts.
        let mut order: Vec<&ObjectId> = cut.iter().collect();
        order.sort_by_key(|id| id.kind != Kind::Package);
        for old in order {
            let Some(object) = state.objects.get(old) else {
                continue;
            };
            let resolved = json_of(object)?.and_then(|json| {
                let key = kinds::key_from_json(old.kind, &json)?;
                let parent = match old.kind.spec().placement {
                    Placement::AlternativePartner | Placement::PartnerOwned => {
                        json.get("Pid").and_then(Value::as_str).map(str::to_string)
                    }
                    _ => resolve_parent(&state, object.parent.as_deref()),
                };
                let id = ObjectId::new(old.kind, key);
                let json_path = object.json().map(|(p, _)| p.clone());
                (json_path == Some(place(&id, parent.as_deref()).json())).then_some((id, parent))
            });
            match resolved {
                Some((id, parent)) if !state.objects.contains_key(&id) => {
                    if let Some(mut object) = state.objects.remove(old) {
                        if parent.is_some() {
                            object.parent = parent;
                        }
                        state.objects.insert(id, object);
                    }
                }
                _ => {
                    state.unresolved.insert(old.clone());
                }
            }
        }
        let parents: Vec<(ObjectId, Option<String>)> = parent_cut
            .iter()
            .filter(|id| state.objects.contains_key(*id))
            .map(|id| {
                let parent = resolve_parent(&state, state.objects[id].parent.as_deref());
                (id.clone(), parent)
            })
            .collect();
        for (id, parent) in parents {
            match parent {
                Some(p) => {
                    if let Some(o) = state.objects.get_mut(&id) {
                        o.parent = Some(p);
                    }
                }
                None => {
                    state.unresolved.insert(id);
                }
            }
        }
        for (id, object) in state.objects.iter_mut() {
            let parameters: Vec<(String, BlobId)> = object
                .files
                .iter()
                .filter(|(p, _)| is_parameters_file(id, p))
                .map(|(p, b)| (p.clone(), *b))
                .collect();
            for (path, blob_id) in parameters {
                if format.keeps_parameters() {
                    let keys: Vec<String> = parameter_keys(&blob(blob_id)?).into_iter().collect();
                    object
                        .compare_as
                        .insert(path, format!("keys:{}", keys.join("\n")));
                } else {
                    object.files.remove(&path);
                }
            }
        }
        Ok(state)
    }
}

/// The key of a parent package named `parent` on disk (its key, or a cut name): the package
/// whose name on disk that is.
fn resolve_parent(state: &ObjectState, parent: Option<&str>) -> Option<String> {
    let parent = parent?;
    if !crate::store::layout::is_cut(parent) {
        return Some(parent.to_string());
    }
    state
        .objects
        .keys()
        .find(|id| id.kind == Kind::Package && component(&id.key) == parent)
        .map(|id| id.key.clone())
}

/// Objects for the engine's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::ObjectFiles;
    use crate::git::BlobId;

    /// A user credential `U` whose JSON is blob `json` and whose password file is blob `secret`.
    pub fn files(json: u8, secret: Option<u8>) -> ObjectFiles {
        let oid = |n: u8| BlobId::from_bytes(&[n; 20]).unwrap();
        let mut f = ObjectFiles::default();
        f.files
            .insert("security/user-credentials/U.json".into(), oid(json));
        if let Some(s) = secret {
            f.secrets
                .insert("security/user-credentials/U.password.age".into(), oid(s));
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_object_and_separates_secrets() {
        let oid = |n: u8| BlobId::from_bytes(&[n; 20]).unwrap();
        let files: StateFiles = [
            ("security/user-credentials/U.json".to_string(), oid(1)),
            (
                "security/user-credentials/U.password.age".to_string(),
                oid(2),
            ),
            (
                "packages/P/integration-flows/F/artifact.json".to_string(),
                oid(3),
            ),
            (
                "packages/P/integration-flows/F/content/a.txt".to_string(),
                oid(4),
            ),
            ("recipients.txt".to_string(), oid(5)),
        ]
        .into();
        let state = ObjectState::from_files(&files);
        assert_eq!(state.objects.len(), 2);
        let u = &state.objects[&ObjectId::new(crate::model::Kind::UserCredential, "U")];
        assert_eq!((u.files.len(), u.secrets.len()), (1, 1));
        let f = &state.objects[&ObjectId::new(crate::model::Kind::IntegrationFlow, "F")];
        assert_eq!(f.parent.as_deref(), Some("P"));
        assert_eq!(f.files.len(), 2);
        let mut moved = f.clone();
        moved.files = moved
            .files
            .into_iter()
            .map(|(p, i)| (p.replace("/P/", "/Q/"), i))
            .collect();
        assert_ne!(moved.fingerprint(), f.fingerprint(), "a move is a change");
    }
}
