//! [`Material`]: what writing one object needs besides the tenant client, and [`WriteError`]:
//! why a write failed. The writes themselves are in each kind's module ([`super::kinds`]).

use super::{ObjectId, SecretSlot};
use crate::client::ClientError;
use crate::secrets::{Secret, SecretBytes};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Why writing an object failed (the message is shown as the object's outcome).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The tenant refused or failed, with its own message.
    #[error(transparent)]
    Tenant(#[from] ClientError),
    /// A secret the write needs was not decrypted (by slot name).
    #[error("the {0} secret is not available")]
    NoSecret(&'static str),
    /// Something else the write needs is not there.
    #[error("the {0} is not available")]
    Missing(&'static str),
    /// A file the write needs is missing from git.
    #[error("the {0} file is missing")]
    MissingFile(&'static str),
    /// A secret that must be text is not UTF-8.
    #[error("the {0} secret is not UTF-8 text")]
    NotText(&'static str),
    /// The state in git does not fit what the API takes.
    #[error("{0}")]
    State(String),
    /// Reading the object's files from git failed.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    /// The tenant does not have what an update starts from.
    #[error("the target has no {0}")]
    NotOnTarget(String),
    /// A deploy ended in `ERROR`, with the tenant's error text.
    #[error("deploy failed on the tenant: {0}")]
    DeployFailed(String),
    /// A deploy did not reach `STARTED` at the version git has in time.
    #[error(
        "deploy waited {secs} s (deploy_timeout_secs) for the runtime to show version {version} STARTED, and stopped; the runtime showed {seen}"
    )]
    DeployTimeout {
        /// The longest wait, in seconds.
        secs: u64,
        /// The version waited for.
        version: String,
        /// What the runtime showed last.
        seen: String,
    },
    /// A deploy started another version than git has: waiting longer cannot help.
    #[error(
        "deployed, but the runtime runs version {running}, not {version}: the tenant takes the version from the manifest's Bundle-Version, which must equal Version in artifact.json"
    )]
    DeployedOtherVersion {
        /// The version git has.
        version: String,
        /// The version the runtime started.
        running: String,
    },
    /// An undeploy did not finish in time (seconds).
    #[error("undeploy did not finish within {0} s")]
    UndeployTimeout(u64),
    /// A bug: what cannot happen happened.
    #[error("{0}")]
    Unexpected(String),
}

/// Everything a write needs besides the client, loaded from git before the first request.
#[derive(Debug)]
pub struct Material {
    /// The object.
    pub id: ObjectId,
    /// The desired object's JSON.
    pub desired: Map<String, Value>,
    /// The live object's JSON, when the target has it.
    pub live: Option<Map<String, Value>>,
    /// The file the object is written from besides its JSON (`.pem`, `.value`), if it has one.
    pub attachment: Option<Vec<u8>>,
    /// Decrypted secrets of this object by slot.
    pub secrets: BTreeMap<SecretSlot, SecretBytes>,
    /// `CurrentValue` of number ranges: reset to `MinValue` instead of keeping the live one.
    pub reset_number_ranges: bool,
}

impl Material {
    /// Whether the target has the object (an update rather than a create).
    pub fn exists(&self) -> bool {
        self.live.is_some()
    }

    /// The desired JSON as the API's entity type `T`.
    pub fn desired_as<T: DeserializeOwned>(&self) -> Result<T, WriteError> {
        Self::parse(&self.desired)
    }

    /// The live JSON as the API's entity type `T`, when the target has the object.
    pub fn live_as<T: DeserializeOwned>(&self) -> Result<Option<T>, WriteError> {
        self.live.as_ref().map(Self::parse).transpose()
    }

    fn parse<T: DeserializeOwned>(json: &Map<String, Value>) -> Result<T, WriteError> {
        serde_json::from_value(Value::Object(json.clone())).map_err(|e| {
            WriteError::State(format!(
                "its JSON does not fit the API's {}: {e}",
                std::any::type_name::<T>()
                    .rsplit("::")
                    .next()
                    .unwrap_or_default()
            ))
        })
    }

    /// The secret of slot `index` of the object's kind.
    pub fn secret(&self, index: usize) -> Result<&SecretBytes, WriteError> {
        let slot = self.id.kind.secret_slots()[index];
        self.secrets
            .get(&slot)
            .ok_or(WriteError::NoSecret(slot.name))
    }

    /// The secret of slot `index` as text.
    pub fn secret_text(&self, index: usize) -> Result<Secret, WriteError> {
        let slot = self.id.kind.secret_slots()[index];
        let bytes = self.secret(index)?;
        String::from_utf8(bytes.expose().to_vec())
            .map(Secret::new)
            .map_err(|_| WriteError::NotText(slot.name))
    }
}
