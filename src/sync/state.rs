//! A state as objects: the files of a state folder (desired from git, live from a tenant)
//! grouped by the object they belong to, with fingerprints that make comparing two states a
//! matter of comparing strings.

use crate::git::BlobId;
use crate::git::StateFiles;
use crate::model::ObjectId;
use crate::store::layout::{Role, locate};
use std::collections::BTreeMap;

/// One object's files in one state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFiles {
    /// Package of an artifact, Pid of an alternative partner or authorized user.
    pub parent: Option<String>,
    /// Every file but secrets: path (relative to the state folder) -> blob.
    pub files: BTreeMap<String, BlobId>,
    /// Secret files: path -> blob (desired state only; a tenant never reveals them).
    pub secrets: BTreeMap<String, BlobId>,
}

impl ObjectFiles {
    /// The digest of the non-secret files, paths included (so a move is a change).
    pub fn fingerprint(&self) -> String {
        digest(&self.files)
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
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for (path, id) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(id.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// Objects of a state by id; files that belong to no object (recipients, marks, overrides) are
/// left out.
#[derive(Debug, Clone, Default)]
pub struct ObjectState {
    /// Every object's files, by id.
    pub objects: BTreeMap<ObjectId, ObjectFiles>,
}

impl ObjectState {
    /// Groups a state folder's files by object.
    pub fn from_files(files: &StateFiles) -> ObjectState {
        let mut objects: BTreeMap<ObjectId, ObjectFiles> = BTreeMap::new();
        for (path, id) in files {
            let Some(located) = locate(path) else {
                continue;
            };
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
        ObjectState { objects }
    }
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
