//! The Partner Directory (reference section 8).

use crate::Secret;
use serde::{Deserialize, Serialize};

/// The entity set of partners.
pub const PARTNERS: &str = "Partners";
/// The entity set of string parameters.
pub const STRING_PARAMETERS: &str = "StringParameters";
/// The entity set of binary parameters.
pub const BINARY_PARAMETERS: &str = "BinaryParameters";
/// The entity set of user-credential parameters.
pub const USER_CREDENTIAL_PARAMETERS: &str = "UserCredentialParameters";
/// The entity set of alternative partners.
pub const ALTERNATIVE_PARTNERS: &str = "AlternativePartners";
/// The entity set of authorized users.
pub const AUTHORIZED_USERS: &str = "AuthorizedUsers";

/// Entity `Partner`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Partner {
    /// `Pid`.
    pub pid: String,
}

/// Entity `StringParameter`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StringParameter {
    /// `Pid`.
    pub pid: String,
    /// `Id`.
    pub id: String,
    /// `Value`.
    pub value: String,
}

/// Entity `BinaryParameter`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BinaryParameter {
    /// `Pid`.
    pub pid: String,
    /// `Id`.
    pub id: String,
    /// `xml`, `xsl`, `xsd`, `json`, `text`, `zip`, `gz`, `zlib`, `crt` (+ `;encoding=UTF-8`).
    pub content_type: String,
    /// Base64.
    pub value: String,
}

/// Entity `UserCredentialParameter`. The password is write-only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserCredentialParameter {
    /// `Pid`.
    pub pid: String,
    /// `Id`.
    pub id: String,
    /// `User`.
    pub user: String,
    /// Write-only; with `?returnHashedPassword=SHA256` a read returns `SHA256.<hex>`.
    pub password: Option<Secret>,
}

/// Entity `AlternativePartner`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AlternativePartner {
    /// `Agency`.
    pub agency: String,
    /// `Scheme`.
    pub scheme: String,
    /// `Id`.
    pub id: String,
    /// `Pid`.
    pub pid: String,
}

/// Entity `AuthorizedUser`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AuthorizedUser {
    /// `User`.
    pub user: String,
    /// `Pid`.
    pub pid: String,
}

/// Body of `PUT StringParameters(Pid='..',Id='..')`: the new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StringParameterValue {
    /// `Value`.
    pub value: String,
}

/// Body of `PUT BinaryParameters(Pid='..',Id='..')`: the new value and its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BinaryParameterValue {
    /// `Value`.
    pub value: String,
    /// `ContentType`.
    pub content_type: String,
}

/// Body of `PUT AlternativePartners(..)` and `PUT AuthorizedUsers('..')`: the partner they
/// belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PartnerLink {
    /// `Pid`.
    pub pid: String,
}

/// Valid base `ContentType` values of binary parameters.
pub const BINARY_CONTENT_TYPES: &[&str] = &[
    "xml", "xsl", "xsd", "json", "text", "zip", "gz", "zlib", "crt",
];

/// Whether `s` uses only the identifier characters `A-Z a-z 0-9 - . _ ~ < > @`.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~<>@".contains(c))
}

/// The `SHA256.<lower hex>` form of a user-credential parameter password.
pub fn hashed_password(password: &str) -> String {
    use sha2::Digest;
    format!(
        "SHA256.{}",
        hex::encode(sha2::Sha256::digest(password.as_bytes()))
    )
}

/// Upper-case hex of UTF-8, the key form of alternative partners.
pub fn hex_key(s: &str) -> String {
    hex::encode_upper(s.as_bytes())
}
