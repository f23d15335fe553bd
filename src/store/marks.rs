//! The export marks: the exporter's bookkeeping, kept outside the branch (design.md section 3)
//! at `refs/cpi-gitops/marks/<tenant>` (a commit whose tree holds `marks.json`, written by
//! `crate::export::marks`), so that the reviewed tree holds tenant state only.
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
//! **A mark is trusted only while the tree being exported onto still holds what it recorded**:
//! the digest of the flow's content files, or of the object's `.age` files. A mark written by an
//! export whose commit never reached the branch (a pull request closed unmerged) therefore
//! proves nothing, and the tenant's state is read and written again. Squash or rebase merges keep
//! the files, so their marks stay trusted.
//!
//! Marks written before they moved out of the branch (`tenant-state/.export-marks.json`) are read
//! once, by the first export after upgrading, and trusted as they are (they were committed with
//! the files they describe); that export removes the file.
//!
//! The document keeps fields it does not know (a later version's, such as the last tree proposed
//! for review) and writes them back unchanged.

use crate::git::BlobId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The ref of a tenant's export marks.
pub fn ref_name(tenant: &str) -> String {
    format!("refs/cpi-gitops/marks/{tenant}")
}

/// The prefix of every tenant's marks ref.
pub const REF_PREFIX: &str = "refs/cpi-gitops/marks/";

/// The file in the marks commit's tree.
pub const FILE: &str = "marks.json";

/// Where an export's marks came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The tenant's marks ref.
    Ref,
    /// The state folder's `.export-marks.json` of an older version.
    Legacy,
    /// Nowhere: no ref (a clone that did not fetch `refs/cpi-gitops/*`, or a first export).
    None,
}

/// The bookkeeping of one tenant's export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Marks {
    /// Integration flows by object id: what proves their content unchanged.
    pub artifacts: BTreeMap<String, ArtifactMark>,
    /// Objects with secrets, by object id: when the secrets last changed on the tenant.
    pub secrets: BTreeMap<String, SecretMark>,
    /// Fields of later versions, kept as they are.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The change markers of an integration flow, and a digest of its content files in git (so a
/// hand edit of the content in git, or a commit that never reached the branch, is noticed and
/// the content downloaded again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactMark {
    /// The flow's `Version`.
    pub version: String,
    /// The flow's `ModifiedAt`.
    pub modified_at: String,
    /// [`content_digest`] of its content files in git.
    pub content: String,
}

/// The digest of a set of files: `(path, blob id)` pairs in path order.
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMark {
    /// The tenant's change marker when the secrets were read.
    pub changed: String,
    /// Fingerprint of the recipients the `.age` files were encrypted to.
    pub recipients: String,
    /// [`content_digest`] of the object's `.age` files (paths relative to the state folder) the
    /// mark describes; empty in marks of older versions (trusted as they are).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub files: String,
    /// Git's files were kept without proof that they hold the tenant's value (exported without
    /// marks); stays so until the tenant's marker moves or `secret set` replaces them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
}

impl Marks {
    /// Reads a marks document; unreadable bytes give empty marks (everything is then downloaded
    /// and compared again, which is safe).
    pub fn parse(bytes: Option<&[u8]>) -> Marks {
        bytes
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default()
    }

    /// Canonical JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::wire::canonical::to_vec(&serde_json::to_value(self).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_kept_and_old_documents_read() {
        let old =
            br#"{"artifacts":{},"secrets":{"user-credential/U":{"changed":"m","recipients":"r"}}}"#;
        let marks = Marks::parse(Some(old));
        assert_eq!(marks.secrets["user-credential/U"].files, "");
        assert!(!marks.secrets["user-credential/U"].unverified);
        let later = br#"{"artifacts":{},"secrets":{},"proposed_tree":"abc"}"#;
        let marks = Marks::parse(Some(later));
        assert_eq!(marks.other["proposed_tree"], "abc");
        assert!(
            String::from_utf8(marks.to_bytes())
                .unwrap()
                .contains("\"proposed_tree\": \"abc\"")
        );
    }
}
