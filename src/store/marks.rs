//! `.export-marks.json`: the exporter's bookkeeping, committed with the state.
//!
//! Two things cannot be judged from the tenant's answers alone without either downloading every
//! artifact or holding an age identity:
//! - whether an integration flow's content changed: its `Version` and `ModifiedAt` are recorded,
//!   and while both are unchanged the content in git is proven current and is not downloaded;
//! - whether a secret changed: the API never returns secrets, and export never decrypts, so the
//!   change marker of each secret's object (`DeployedOn` of credentials and secure parameters,
//!   `LastModifiedTime` of key pairs) is recorded with the recipient set it was encrypted to;
//!   while both are unchanged the `.age` file is kept as it is (age output is random, so
//!   re-encrypting an unchanged secret would be a false change).
//!
//! The marks change only when the things they mark change, so a no-op export writes nothing.

use crate::git::BlobId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The bookkeeping of one state folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Marks {
    /// Integration flows by object id: what proves their content unchanged.
    pub artifacts: BTreeMap<String, ArtifactMark>,
    /// Objects with secrets, by object id: when the secrets last changed on the tenant.
    pub secrets: BTreeMap<String, SecretMark>,
}

/// The change markers of an integration flow, and a digest of its content files in git (so a
/// hand edit of the content in git is noticed and the content downloaded again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactMark {
    /// The flow's `Version`.
    pub version: String,
    /// The flow's `ModifiedAt`.
    pub modified_at: String,
    /// [`content_digest`] of its content files in git.
    pub content: String,
}

/// The digest of a set of content files: `(path, blob id)` pairs in path order.
pub fn content_digest<'a>(files: impl IntoIterator<Item = (&'a str, BlobId)>) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for (path, id) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(id.as_bytes());
    }
    hex::encode(&hasher.finalize()[..12])
}

/// The change marker of an object's secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMark {
    /// The tenant's change marker when the secrets were read.
    pub changed: String,
    /// Fingerprint of the recipients the `.age` files were encrypted to.
    pub recipients: String,
}

impl Marks {
    /// Reads the marks file; a missing or unreadable file gives empty marks (everything is then
    /// downloaded and compared again, which is safe).
    pub fn parse(bytes: Option<&[u8]>) -> Marks {
        bytes
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default()
    }

    /// Reads the marks file, failing when it is not readable.
    pub fn parse_strict(bytes: &[u8]) -> Result<Marks, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    /// Canonical JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::wire::canonical::to_vec(&serde_json::to_value(self).unwrap_or_default())
    }
}
