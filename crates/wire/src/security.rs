//! Security material with write-only secrets (reference section 7.1-7.3).

use super::odata::Expanded;
use crate::Secret;
use serde::{Deserialize, Serialize};

/// Complex type `SecurityArtifactDescriptor` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecurityArtifactDescriptor {
    /// `Type`.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    /// `DeployedBy`.
    pub deployed_by: Option<String>,
    /// `/Date(ms)/`.
    pub deployed_on: Option<String>,
    /// `Status`.
    pub status: Option<String>,
}

/// Entity `UserCredential`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserCredential {
    /// `Name`.
    pub name: String,
    /// `default`, `successfactors` or `openconnectors`.
    pub kind: String,
    /// `Description`.
    pub description: Option<String>,
    /// `User`.
    pub user: Option<String>,
    /// Write-only: `null` on every read.
    pub password: Option<Secret>,
    /// `CompanyId`.
    pub company_id: Option<String>,
    /// `SecurityArtifactDescriptor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_artifact_descriptor: Option<SecurityArtifactDescriptor>,
}

/// Entity `OAuth2ClientCredential`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OAuth2ClientCredential {
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `TokenServiceUrl`.
    pub token_service_url: Option<String>,
    /// `ClientId`.
    pub client_id: Option<String>,
    /// Write-only: `null` on every read.
    pub client_secret: Option<Secret>,
    /// `body` (default) or `header`.
    pub client_authentication: Option<String>,
    /// `Scope`.
    pub scope: Option<String>,
    /// `urlencoded` (default) or `json`.
    pub scope_content_type: Option<String>,
    /// `Resource`.
    pub resource: Option<String>,
    /// `Audience`.
    pub audience: Option<String>,
    /// `SecurityArtifactDescriptor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_artifact_descriptor: Option<SecurityArtifactDescriptor>,
    /// Only present when read with `$expand=CustomParameters`; written inline on create.
    #[serde(skip_serializing)]
    pub custom_parameters: Expanded<CustomParameter>,
}

/// Entity of the `CustomParameters` navigation of an OAuth2 client credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CustomParameter {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
    /// `body`, `url` or `header`.
    pub send_as_part_of: String,
}

/// Entity `SecureParameter`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecureParameter {
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// Write-only: `null` on every read.
    pub secure_param: Option<Secret>,
    /// `DeployedBy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_by: Option<String>,
    /// `/Date(ms)/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_on: Option<String>,
    /// `Status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The entity set of user credentials.
pub const USER_CREDENTIALS: &str = "UserCredentials";
/// The entity set of OAuth2 client credentials.
pub const OAUTH2_CLIENT_CREDENTIALS: &str = "OAuth2ClientCredentials";
/// The entity set of secure parameters.
pub const SECURE_PARAMETERS: &str = "SecureParameters";

/// Prefix of the user credentials that the Partner Directory owns.
pub const PARTNER_DIRECTORY_CREDENTIAL_PREFIX: &str = "pd:";

/// Valid `Kind` values of a user credential.
pub const USER_CREDENTIAL_KINDS: &[&str] = &["default", "successfactors", "openconnectors"];
