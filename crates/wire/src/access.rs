//! Access policies and certificate-to-user mappings (reference sections 7.5 and 7.6).

use super::odata::Expanded;
use serde::{Deserialize, Serialize};

/// The entity set of access policies.
pub const ACCESS_POLICIES: &str = "AccessPolicies";
/// The entity set of artifact references (of access policies).
pub const ARTIFACT_REFERENCES: &str = "ArtifactReferences";
/// The entity set of certificate-to-user mappings.
pub const CERTIFICATE_USER_MAPPINGS: &str = "CertificateUserMappings";

/// Entity `AccessPolicy`. `Id` is an Int64 (a JSON string) that differs between tenants.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AccessPolicy {
    /// `Id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `RoleName`.
    pub role_name: String,
    /// `Description`.
    pub description: Option<String>,
    /// Present with `$expand=ArtifactReferences`; written inline on create.
    #[serde(skip_serializing)]
    pub artifact_references: Expanded<ArtifactReference>,
}

/// Entity `ArtifactReference`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ArtifactReference {
    /// `Id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `INTEGRATION_FLOW`, `VALUE_MAPPING`, ...
    #[serde(rename = "Type")]
    pub kind: String,
    /// `Name` or `ID`.
    pub condition_attribute: String,
    /// `ConditionValue`.
    pub condition_value: String,
    /// `exactString` or `regularExpression`.
    pub condition_type: String,
}

/// Valid `Type` values of an artifact reference.
pub const ARTIFACT_REFERENCE_TYPES: &[&str] = &[
    "INTEGRATION_FLOW",
    "ODATA_SERVICE",
    "SCRIPT_COLLECTION",
    "VALUE_MAPPING",
    "MESSAGE_MAPPING",
    "MESSAGE_QUEUE",
    "GLOBAL_DATASTORE",
    "GLOBAL_VARIABLE",
    "SOAP_API_PROVIDER",
    "REST_API_PROVIDER",
    "DATA_TYPE",
    "MESSAGE_TYPE",
];

/// Entity `CertificateUserMapping` (Neo only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CertificateUserMapping {
    /// `Id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `User`.
    pub user: String,
    /// Base64 of the PEM text of the certificate.
    pub certificate: String,
    /// Epoch ms as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}
