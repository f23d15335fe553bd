//! The service document (`GET /api/v1/`) and the EDMX model (`GET /api/v1/$metadata`).

use super::Call;
use crate::odata::{ApiResult, Reply};
use axum::http::StatusCode;
use serde_json::json;

/// One entity set: its name, entity type, key properties, other properties (name, EDM type).
type SetModel = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Entity sets with their entity type, key properties and other properties.
const MODEL: &[SetModel] = &[
    (
        "IntegrationPackages",
        "IntegrationPackage",
        &["Id"],
        &[
            ("Name", "String"),
            ("ShortText", "String"),
            ("Description", "String"),
            ("Version", "String"),
            ("Vendor", "String"),
            ("Mode", "String"),
            ("PartnerContent", "Boolean"),
            ("UpdateAvailable", "Boolean"),
            ("SupportedPlatform", "String"),
            ("ModifiedBy", "String"),
            ("CreationDate", "String"),
            ("ModifiedDate", "String"),
            ("CreatedBy", "String"),
            ("Products", "String"),
            ("Keywords", "String"),
            ("Countries", "String"),
            ("Industries", "String"),
            ("LineOfBusiness", "String"),
            ("ResourceId", "String"),
            ("PackageContent", "Binary"),
        ],
    ),
    (
        "IntegrationDesigntimeArtifacts",
        "IntegrationDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("Sender", "String"),
            ("Receiver", "String"),
            ("CreatedBy", "String"),
            ("CreatedAt", "String"),
            ("ModifiedBy", "String"),
            ("ModifiedAt", "String"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "MessageMappingDesigntimeArtifacts",
        "MessageMappingDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "ValueMappingDesigntimeArtifacts",
        "ValueMappingDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "ScriptCollectionDesigntimeArtifacts",
        "ScriptCollectionDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "DataTypeDesigntimeArtifacts",
        "DataTypeDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("Namespace", "String"),
            ("IsSimpleType", "Boolean"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "MessageTypeDesigntimeArtifacts",
        "MessageTypeDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("Namespace", "String"),
            ("DataTypeUsed", "String"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "FaultMessageTypeDesigntimeArtifacts",
        "FaultMessageTypeDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("Namespace", "String"),
            ("DataTypeUsed", "String"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "ServiceInterfaceDesigntimeArtifacts",
        "ServiceInterfaceDesigntimeArtifact",
        &["Id", "Version"],
        &[
            ("PackageId", "String"),
            ("Name", "String"),
            ("Description", "String"),
            ("Namespace", "String"),
            ("ArtifactContent", "Binary"),
        ],
    ),
    (
        "Configurations",
        "Configuration",
        &["ParameterKey"],
        &[
            ("ParameterValue", "String"),
            ("DataType", "String"),
            ("Description", "String"),
        ],
    ),
    (
        "BuildAndDeployStatus",
        "BuildAndDeployStatus",
        &["TaskId"],
        &[("Status", "String")],
    ),
    (
        "IntegrationRuntimeArtifacts",
        "IntegrationRuntimeArtifact",
        &["Id"],
        &[
            ("Version", "String"),
            ("Name", "String"),
            ("Type", "String"),
            ("DeployedBy", "String"),
            ("DeployedOn", "DateTime"),
            ("Status", "String"),
        ],
    ),
    (
        "UserCredentials",
        "UserCredential",
        &["Name"],
        &[
            ("Kind", "String"),
            ("Description", "String"),
            ("User", "String"),
            ("Password", "String"),
            ("CompanyId", "String"),
        ],
    ),
    (
        "OAuth2ClientCredentials",
        "OAuth2ClientCredential",
        &["Name"],
        &[
            ("Description", "String"),
            ("TokenServiceUrl", "String"),
            ("ClientId", "String"),
            ("ClientSecret", "String"),
            ("ClientAuthentication", "String"),
            ("Scope", "String"),
            ("ScopeContentType", "String"),
            ("Resource", "String"),
            ("Audience", "String"),
        ],
    ),
    (
        "SecureParameters",
        "SecureParameter",
        &["Name"],
        &[
            ("Description", "String"),
            ("SecureParam", "String"),
            ("DeployedBy", "String"),
            ("DeployedOn", "DateTime"),
            ("Status", "String"),
        ],
    ),
    (
        "KeystoreEntries",
        "KeystoreEntry",
        &["Hexalias"],
        &[
            ("Alias", "String"),
            ("Type", "String"),
            ("Owner", "String"),
            ("KeyType", "String"),
            ("KeySize", "Int32"),
            ("EllipticCurve", "String"),
            ("SerialNumber", "String"),
            ("SignatureAlgorithm", "String"),
            ("SubjectDN", "String"),
            ("IssuerDN", "String"),
            ("ValidNotBefore", "DateTimeOffset"),
            ("ValidNotAfter", "DateTimeOffset"),
            ("Version", "Int32"),
            ("FingerprintSha1", "String"),
            ("FingerprintSha256", "String"),
            ("FingerprintSha512", "String"),
            ("Validity", "String"),
            ("Status", "String"),
        ],
    ),
    (
        "CertificateResources",
        "CertificateResource",
        &["Hexalias"],
        &[],
    ),
    (
        "KeyPairResources",
        "KeyPairResource",
        &["Hexalias"],
        &[
            ("Alias", "String"),
            ("Password", "String"),
            ("Resource", "Binary"),
        ],
    ),
    (
        "AccessPolicies",
        "AccessPolicy",
        &["Id"],
        &[("RoleName", "String"), ("Description", "String")],
    ),
    (
        "ArtifactReferences",
        "ArtifactReference",
        &["Id"],
        &[
            ("Name", "String"),
            ("Description", "String"),
            ("Type", "String"),
            ("ConditionAttribute", "String"),
            ("ConditionValue", "String"),
            ("ConditionType", "String"),
        ],
    ),
    (
        "NumberRanges",
        "NumberRange",
        &["Name"],
        &[
            ("Description", "String"),
            ("MinValue", "String"),
            ("MaxValue", "String"),
            ("CurrentValue", "String"),
            ("FieldLength", "String"),
            ("Rotate", "String"),
            ("DeployedBy", "String"),
            ("DeployedOn", "DateTime"),
        ],
    ),
    ("Partners", "Partner", &["Pid"], &[]),
    (
        "StringParameters",
        "StringParameter",
        &["Pid", "Id"],
        &[("Value", "String")],
    ),
    (
        "BinaryParameters",
        "BinaryParameter",
        &["Pid", "Id"],
        &[("ContentType", "String"), ("Value", "Binary")],
    ),
    (
        "UserCredentialParameters",
        "UserCredentialParameter",
        &["Pid", "Id"],
        &[("User", "String"), ("Password", "String")],
    ),
    (
        "AlternativePartners",
        "AlternativePartner",
        &["Hexagency", "Hexscheme", "Hexid"],
        &[
            ("Agency", "String"),
            ("Scheme", "String"),
            ("Id", "String"),
            ("Pid", "String"),
        ],
    ),
    (
        "AuthorizedUsers",
        "AuthorizedUser",
        &["User"],
        &[("Pid", "String")],
    ),
];

/// The subset of sets the real service document lists.
const LISTED: &[&str] = &[
    "IntegrationPackages",
    "IntegrationRuntimeArtifacts",
    "UserCredentials",
    "KeystoreEntries",
    "NumberRanges",
    "StringParameters",
];

pub fn service_document(_call: &Call) -> ApiResult {
    Ok(Reply::Json(
        StatusCode::OK,
        json!({ "d": { "EntitySets": LISTED } }),
    ))
}

pub fn metadata(_call: &Call) -> ApiResult {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<edmx:Edmx Version=\"1.0\" xmlns:edmx=\"http://schemas.microsoft.com/ado/2007/06/edmx\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\">\n<edmx:DataServices m:DataServiceVersion=\"2.0\">\n<Schema Namespace=\"com.sap.hci.api\" xmlns=\"http://schemas.microsoft.com/ado/2008/09/edm\">\n",
    );
    for (_, entity_type, keys, props) in MODEL {
        x.push_str(&format!("<EntityType Name=\"{entity_type}\"><Key>"));
        for k in *keys {
            x.push_str(&format!("<PropertyRef Name=\"{k}\"/>"));
        }
        x.push_str("</Key>");
        for k in *keys {
            let int64 = *k == "Id" && matches!(*entity_type, "AccessPolicy" | "ArtifactReference");
            let edm = if int64 { "Int64" } else { "String" };
            x.push_str(&format!(
                "<Property Name=\"{k}\" Type=\"Edm.{edm}\" Nullable=\"false\"/>"
            ));
        }
        for (name, edm) in *props {
            x.push_str(&format!(
                "<Property Name=\"{name}\" Type=\"Edm.{edm}\" Nullable=\"true\"/>"
            ));
        }
        x.push_str("</EntityType>\n");
    }
    x.push_str(
        "<EntityContainer Name=\"com_sap_hci_api_Entities\" m:IsDefaultEntityContainer=\"true\">\n",
    );
    for (set, entity_type, _, _) in MODEL {
        x.push_str(&format!(
            "<EntitySet Name=\"{set}\" EntityType=\"com.sap.hci.api.{entity_type}\"/>\n"
        ));
    }
    x.push_str("</EntityContainer>\n</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n");
    Ok(Reply::bytes("application/xml", x.into_bytes()))
}
