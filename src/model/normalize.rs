//! What of the tenant's state is kept in git, and what is not: the one list of volatile and
//! ignored fields (design.md section 3). Export applies it before writing JSON; plan and drift
//! apply it to live state before comparing, so both sides are judged the same way.
//!
//! A field is left out when the server changes it on its own (timestamps, who changed it,
//! deployment status, a number range's current value), when it is derived from something that is
//! kept (hex aliases, `Sender`/`Receiver` read from the flow), when it is tenant-specific (ids of
//! access policies), or when it is a write-only secret (kept as age files instead).
//!
//! | kind | fields left out |
//! |---|---|
//! | every kind | `__metadata`, navigation properties |
//! | package | `ResourceId`, `CreatedBy`, `CreationDate`, `ModifiedBy`, `ModifiedDate`, `UpdateAvailable`, `PackageContent` |
//! | artifacts | `ArtifactContent`, `CreatedBy`, `CreatedAt`, `ModifiedBy`, `ModifiedAt`, `Sender`, `Receiver`, `Comment`, `PackageId` (the folder says it) |
//! | user credential | `Password`, `SecurityArtifactDescriptor` |
//! | OAuth2 client credential | `ClientSecret`, `SecurityArtifactDescriptor` |
//! | secure parameter | `SecureParam`, `DeployedBy`, `DeployedOn`, `Status` |
//! | certificate, key pair | `Hexalias`, `Status`, `Validity`, `CreatedBy`, `CreatedTime`, `LastModifiedBy`, `LastModifiedTime` |
//! | certificate-user mapping | `Certificate` (kept as PEM), `CreatedBy`, `CreatedTime`, `LastModifiedBy`, `LastModifiedTime` |
//! | access policy | `Id` and the references' `Id` (generated per tenant) |
//! | number range | `CurrentValue`, `DeployedBy`, `DeployedOn` |
//! | Partner Directory | `CreatedBy`, `CreatedTime`, `LastModifiedBy`, `LastModifiedTime`, `Password`, `Hexagency`, `Hexscheme`, `Hexid` |
//!
//! Inside artifact zips, what the tenant regenerates is normalized by `store::content`.

use super::Kind;
use serde_json::{Map, Value};

const AUDIT: &[&str] = &[
    "CreatedBy",
    "CreatedTime",
    "LastModifiedBy",
    "LastModifiedTime",
];

/// The fields of `kind` that are never kept, besides `__metadata` and navigation properties.
pub fn ignored_fields(kind: Kind) -> Vec<&'static str> {
    let mut fields: Vec<&'static str> = match kind {
        Kind::Package => vec![
            "ResourceId",
            "CreatedBy",
            "CreationDate",
            "ModifiedBy",
            "ModifiedDate",
            "UpdateAvailable",
            "PackageContent",
        ],
        Kind::IntegrationFlow
        | Kind::ValueMapping
        | Kind::MessageMapping
        | Kind::ScriptCollection
        | Kind::DataType
        | Kind::MessageType
        | Kind::FaultMessageType
        | Kind::ServiceInterface => {
            vec![
                "ArtifactContent",
                "CreatedBy",
                "CreatedAt",
                "ModifiedBy",
                "ModifiedAt",
                "Sender",
                "Receiver",
                "Comment",
                "PackageId",
            ]
        }
        Kind::UserCredential => vec!["Password", "SecurityArtifactDescriptor"],
        Kind::OAuth2ClientCredential => vec!["ClientSecret", "SecurityArtifactDescriptor"],
        Kind::SecureParameter => vec!["SecureParam", "DeployedBy", "DeployedOn", "Status"],
        Kind::Certificate | Kind::KeyPair => {
            let mut v = vec!["Hexalias", "Status", "Validity"];
            v.extend_from_slice(AUDIT);
            v
        }
        Kind::CertificateUserMapping => {
            let mut v = vec!["Certificate"];
            v.extend_from_slice(AUDIT);
            v
        }
        Kind::AccessPolicy => vec!["Id"],
        Kind::NumberRange => vec!["CurrentValue", "DeployedBy", "DeployedOn"],
        Kind::StringParameter
        | Kind::BinaryParameter
        | Kind::UserCredentialParameter
        | Kind::AuthorizedUser => {
            let mut v = vec!["Password"];
            v.extend_from_slice(AUDIT);
            v
        }
        Kind::AlternativePartner => {
            let mut v = vec!["Hexagency", "Hexscheme", "Hexid"];
            v.extend_from_slice(AUDIT);
            v
        }
    };
    fields.sort_unstable();
    fields
}

/// An entity as the API returned it (or a wire type serialized), reduced to what is kept.
pub fn normalize(kind: Kind, entity: &Value) -> Value {
    let ignored = ignored_fields(kind);
    let Value::Object(map) = entity else {
        return entity.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        if k == "__metadata" || ignored.contains(&k.as_str()) || is_navigation(v) {
            continue;
        }
        out.insert(k.clone(), strip_metadata(v));
    }
    if kind == Kind::AccessPolicy {
        if let Some(Value::Array(refs)) = out.get_mut("ArtifactReferences") {
            for r in refs.iter_mut() {
                if let Value::Object(m) = r {
                    m.remove("Id");
                }
            }
            refs.sort_by_key(|r| {
                format!(
                    "{}\u{0}{}\u{0}{}\u{0}{}",
                    r["Type"].as_str().unwrap_or(""),
                    r["ConditionAttribute"].as_str().unwrap_or(""),
                    r["ConditionValue"].as_str().unwrap_or(""),
                    r["Name"].as_str().unwrap_or("")
                )
            });
        }
    }
    if kind == Kind::OAuth2ClientCredential {
        if let Some(Value::Array(params)) = out.get_mut("CustomParameters") {
            params.sort_by_key(|p| p.to_string());
        }
    }
    Value::Object(out)
}

fn is_navigation(v: &Value) -> bool {
    v.get("__deferred").is_some()
}

fn strip_metadata(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != "__metadata")
                .map(|(k, v)| (k.clone(), strip_metadata(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_metadata).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_volatile_secret_and_navigation_fields() {
        let v = json!({
            "__metadata": {"uri": "x"}, "Name": "ERP", "Password": null, "User": "u",
            "SecurityArtifactDescriptor": {"DeployedOn": "/Date(1)/"},
            "Nav": {"__deferred": {"uri": "y"}}
        });
        assert_eq!(
            normalize(Kind::UserCredential, &v),
            json!({"Name": "ERP", "User": "u"})
        );
    }

    #[test]
    fn access_policy_references_lose_ids_and_sort() {
        let v = json!({"Id": "101", "RoleName": "R", "ArtifactReferences": [
            {"Id": "2", "Type": "VALUE_MAPPING", "ConditionAttribute": "Name", "ConditionValue": "b", "Name": "b"},
            {"Id": "1", "Type": "INTEGRATION_FLOW", "ConditionAttribute": "Name", "ConditionValue": "a", "Name": "a", "__metadata": {}}
        ]});
        let n = normalize(Kind::AccessPolicy, &v);
        assert_eq!(n["ArtifactReferences"][0]["Type"], "INTEGRATION_FLOW");
        assert!(n["ArtifactReferences"][0].get("Id").is_none() && n.get("Id").is_none());
        assert!(n["ArtifactReferences"][0].get("__metadata").is_none());
    }
}
