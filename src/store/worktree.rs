//! The state folder in the work tree, for the commands that edit it before a commit: set one
//! secret file from a value ([`StateFolder::secret`]), or encrypt all of them again to the
//! current recipients ([`StateFolder::rekey`]). Files are replaced atomically (written beside,
//! then renamed), and a rekey decrypts everything before it changes anything.

use super::layout::{self, Role, locate, place};
use crate::model::{ObjectId, SecretSlot};
use crate::secrets::{Identity, Recipients, SecretsError};
use std::path::{Path, PathBuf};

/// Why a secret file could not be written. Messages name the file, never a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    /// The object is not in the state folder.
    #[error("{id} is not in {state_dir}/: {json} does not exist")]
    NotInState {
        /// The object.
        id: ObjectId,
        /// The state folder.
        state_dir: String,
        /// Its JSON file, relative to the state folder.
        json: String,
    },
    /// `recipients.txt` cannot be read.
    #[error("cannot read {file}")]
    NoRecipientsFile {
        /// The file, as shown.
        file: String,
        /// Why.
        #[source]
        reason: std::io::Error,
    },
    /// `recipients.txt` cannot be parsed.
    #[error(transparent)]
    Recipients(SecretsError),
    /// A secret file cannot be decrypted with the identity.
    #[error(transparent)]
    Decrypt(SecretsError),
    /// Encryption failed.
    #[error("cannot encrypt {file}")]
    Encrypt {
        /// The file, as shown.
        file: String,
        /// Why.
        #[source]
        reason: SecretsError,
    },
    /// A file could not be read, listed or written.
    #[error("cannot {action}")]
    Io {
        /// What was being done, naming the file.
        action: String,
        /// Why.
        #[source]
        reason: std::io::Error,
    },
}

/// What a `secret set` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetSecret {
    /// The file, relative to the repository root.
    pub file: String,
    /// How many recipients can read it.
    pub recipients: usize,
}

/// What a `secret rekey` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rekeyed {
    /// The files encrypted again (path relative to the state folder -> new bytes).
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
    /// To how many recipients.
    pub recipients: usize,
    /// The recipients' fingerprint (what the export marks record).
    pub fingerprint: String,
}

/// The state folder in the work tree.
#[derive(Debug, Clone)]
pub struct StateFolder {
    dir: PathBuf,
    name: String,
}

fn io(action: String) -> impl FnOnce(std::io::Error) -> SecretFileError {
    move |reason| SecretFileError::Io { action, reason }
}

impl StateFolder {
    /// The state folder `name` (relative to the repository root) below `workdir`.
    pub fn new(workdir: &Path, name: &str) -> StateFolder {
        StateFolder {
            dir: workdir.join(name),
            name: name.to_string(),
        }
    }

    /// The folder's name, relative to the repository root.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `path` as shown in messages: relative to the repository root.
    fn shown(&self, path: &str) -> String {
        format!("{}/{path}", self.name)
    }

    /// The recipients of `recipients.txt`.
    pub fn recipients(&self) -> Result<Recipients, SecretFileError> {
        let file = self.shown(layout::RECIPIENTS);
        let text = std::fs::read_to_string(self.dir.join(layout::RECIPIENTS)).map_err(|e| {
            SecretFileError::NoRecipientsFile {
                file: file.clone(),
                reason: e,
            }
        })?;
        Recipients::parse(&text, &file).map_err(SecretFileError::Recipients)
    }

    /// Where the `slot` secret of `id` goes: checks that the object is in the state folder and
    /// that `recipients.txt` is readable, before any value is asked for.
    pub fn secret(
        &self,
        id: &ObjectId,
        slot: SecretSlot,
    ) -> Result<NewSecret<'_>, SecretFileError> {
        let at = place(id, None);
        if !self.dir.join(at.json()).exists() {
            return Err(SecretFileError::NotInState {
                id: id.clone(),
                state_dir: self.name.clone(),
                json: at.json(),
            });
        }
        Ok(NewSecret {
            folder: self,
            id: id.clone(),
            path: at.secret(slot),
            recipients: self.recipients()?,
        })
    }

    /// Encrypts every secret file again to the recipients, with `identity` reading them first.
    pub fn rekey(&self, identity: &Identity) -> Result<Rekeyed, SecretFileError> {
        let recipients = self.recipients()?;
        let mut files = Vec::new();
        age_files(&self.dir, &self.dir, &mut files).map_err(io(format!("list {}/", self.name)))?;
        files.sort();
        // Decrypt everything first: a file the identity cannot read stops the rekey before any
        // change.
        let mut resealed = Vec::with_capacity(files.len());
        for rel in &files {
            let shown = self.shown(rel);
            let sealed = std::fs::read(self.dir.join(rel)).map_err(io(format!("read {shown}")))?;
            let plain = identity
                .decrypt(&sealed, &shown)
                .map_err(SecretFileError::Decrypt)?;
            let again =
                recipients
                    .encrypt(plain.expose())
                    .map_err(|reason| SecretFileError::Encrypt {
                        file: shown.clone(),
                        reason,
                    })?;
            resealed.push((rel, again));
        }
        for (rel, bytes) in &resealed {
            write_atomically(&self.dir.join(rel), bytes)
                .map_err(io(format!("write {}", self.shown(rel))))?;
        }
        Ok(Rekeyed {
            recipients: recipients.len(),
            fingerprint: recipients.fingerprint(),
            files: resealed
                .into_iter()
                .map(|(rel, bytes)| (rel.clone(), bytes))
                .collect(),
        })
    }
}

/// A secret about to be set ([`StateFolder::secret`]).
pub struct NewSecret<'a> {
    folder: &'a StateFolder,
    id: ObjectId,
    path: String,
    recipients: Recipients,
}

impl NewSecret<'_> {
    /// The object whose secret this is.
    pub fn id(&self) -> &ObjectId {
        &self.id
    }

    /// Encrypts `value` to the recipients into the secret's file (the caller drops the export
    /// marks of the object's secrets: `crate::export::marks::forget_secret`).
    pub fn write(&self, value: &[u8]) -> Result<SetSecret, SecretFileError> {
        let file = self.folder.shown(&self.path);
        let sealed = self
            .recipients
            .encrypt(value)
            .map_err(|reason| SecretFileError::Encrypt {
                file: file.clone(),
                reason,
            })?;
        write_atomically(&self.folder.dir.join(&self.path), &sealed)
            .map_err(io(format!("write {file}")))?;
        Ok(SetSecret {
            file,
            recipients: self.recipients.len(),
        })
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("cpi-gitops.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// The secret files below `dir`, relative to `root`.
fn age_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            age_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if matches!(locate(&rel).map(|l| l.role), Some(Role::Secret(_))) {
                out.push(rel);
            }
        }
    }
    Ok(())
}
