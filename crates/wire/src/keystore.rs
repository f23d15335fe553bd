//! The keystore (reference section 7.4).

use crate::Secret;
use serde::{Deserialize, Serialize};

/// The entity set of keystore entries.
pub const KEYSTORE_ENTRIES: &str = "KeystoreEntries";

/// Entity `KeystoreEntry`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeystoreEntry {
    /// Upper-case hex of the UTF-8 alias.
    pub hexalias: String,
    /// `Alias`.
    pub alias: String,
    /// `Certificate` or `Key Pair`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// `SAP` or `Tenant Administrator`.
    pub owner: Option<String>,
    /// `KeyType`.
    pub key_type: Option<String>,
    /// `KeySize`.
    pub key_size: Option<i32>,
    /// `EllipticCurve`.
    pub elliptic_curve: Option<String>,
    /// `SerialNumber`.
    pub serial_number: Option<String>,
    /// `SignatureAlgorithm`.
    pub signature_algorithm: Option<String>,
    /// `SubjectDN`.
    #[serde(rename = "SubjectDN")]
    pub subject_dn: Option<String>,
    /// `IssuerDN`.
    #[serde(rename = "IssuerDN")]
    pub issuer_dn: Option<String>,
    /// `ValidNotBefore`.
    pub valid_not_before: Option<String>,
    /// `ValidNotAfter`.
    pub valid_not_after: Option<String>,
    /// `Version`.
    pub version: Option<i32>,
    /// `FingerprintSha1`.
    pub fingerprint_sha1: Option<String>,
    /// `FingerprintSha256`.
    pub fingerprint_sha256: Option<String>,
    /// `FingerprintSha512`.
    pub fingerprint_sha512: Option<String>,
    /// `Validity`.
    pub validity: Option<String>,
    /// `Status`.
    pub status: Option<String>,
    /// `CreatedBy`.
    pub created_by: Option<String>,
    /// `CreatedTime`.
    pub created_time: Option<String>,
    /// `LastModifiedBy`.
    pub last_modified_by: Option<String>,
    /// `LastModifiedTime`.
    pub last_modified_time: Option<String>,
}

/// `Type` of a trusted certificate entry.
pub const TYPE_CERTIFICATE: &str = "Certificate";
/// `Type` of a key pair entry.
pub const TYPE_KEY_PAIR: &str = "Key Pair";
/// `Owner` of entries that SAP manages.
pub const OWNER_SAP: &str = "SAP";
/// `Owner` of entries the tenant administrator manages.
pub const OWNER_TENANT: &str = "Tenant Administrator";

/// Body of `POST KeyPairResources`: a PKCS#12 upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyPairResource {
    /// `Hexalias`.
    pub hexalias: String,
    /// `Alias`.
    pub alias: String,
    /// `Password`.
    pub password: Secret,
    /// Base64 of the PKCS#12 file.
    pub resource: Secret,
}

/// The keystore alias as `Hexalias`: upper-case hex of its UTF-8 bytes.
pub fn hexalias(alias: &str) -> String {
    hex::encode_upper(alias.as_bytes())
}

/// Whether the tenant refuses writes to `alias` (`403`).
pub fn is_reserved_alias(alias: &str) -> bool {
    let lower = alias.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "hcicertificate" | "hcicertificate1" | "hcimsgcertificate"
    ) || lower.starts_with("sap_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hexalias_is_upper_hex() {
        assert_eq!(hexalias("myalias"), "6D79616C696173");
    }

    #[test]
    fn reserved_aliases() {
        assert!(is_reserved_alias("sap_cloudintegrationcertificate"));
        assert!(is_reserved_alias("hcimsgcertificate"));
        assert!(!is_reserved_alias("partner_ca"));
    }
}
