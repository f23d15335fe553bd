//! Writing one object to the target, kind by kind (API reference sections 4 to 9). Each function
//! gets the object's desired and live files and returns what it did, in words for the report;
//! errors carry the tenant's own message.

use super::state::ObjectFiles;
use crate::client::paths::{composite, entity, filter_eq};
use crate::client::{Client, ClientError};
use crate::git::Repo;
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::secrets::SecretBytes;
use crate::store::layout::{Role, locate};
use crate::wire::access::AccessPolicy;
use crate::wire::keystore::hexalias;
use crate::wire::packages::{MODE_READ_ONLY, WRITABLE_PACKAGE_FIELDS};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Why writing an object failed (the message is shown as the object's outcome).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Tenant(#[from] ClientError),
    #[error("{0}")]
    Other(String),
}

/// Everything a write needs besides the client, loaded from git before the first request (a
/// repository handle cannot be held across requests).
pub struct Material {
    /// The desired object's JSON.
    pub desired: Map<String, Value>,
    /// The live object's JSON, when the target has it.
    pub live: Option<Map<String, Value>>,
    /// The `.pem` of a certificate, key pair or mapping.
    pub pem: Option<Vec<u8>>,
    /// The `.value` of a binary parameter.
    pub value: Option<Vec<u8>>,
    /// Decrypted secrets of this object by slot.
    pub secrets: BTreeMap<SecretSlot, SecretBytes>,
    /// `CurrentValue` of number ranges: reset to `MinValue` instead of keeping the live one.
    pub reset_number_ranges: bool,
}

impl Material {
    /// Loads an object's files from git.
    pub fn load(
        repo: &Repo,
        desired: &ObjectFiles,
        live: Option<&ObjectFiles>,
    ) -> Result<Material, WriteError> {
        Ok(Material {
            desired: json_of(repo, desired)?,
            live: live.map(|l| json_of(repo, l)).transpose()?,
            pem: file_of(repo, desired, &Role::Pem)?,
            value: file_of(repo, desired, &Role::Value)?,
            secrets: BTreeMap::new(),
            reset_number_ranges: false,
        })
    }
}

/// Reads the object's JSON (and other files) from git.
pub fn json_of(repo: &Repo, files: &ObjectFiles) -> Result<Map<String, Value>, WriteError> {
    let (path, id) = files
        .json()
        .ok_or_else(|| WriteError::Other("the object has no JSON file".into()))?;
    let bytes = repo
        .blob(*id)
        .map_err(|e| WriteError::Other(e.to_string()))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(WriteError::Other(format!("{path} is not a JSON object"))),
    }
}

/// A file of the object by role.
pub fn file_of(
    repo: &Repo,
    files: &ObjectFiles,
    role: &Role,
) -> Result<Option<Vec<u8>>, WriteError> {
    match files
        .files
        .iter()
        .find(|(p, _)| locate(p).map(|l| l.role).as_ref() == Some(role))
    {
        Some((_, id)) => repo
            .blob(*id)
            .map(Some)
            .map_err(|e| WriteError::Other(e.to_string())),
        None => Ok(None),
    }
}

fn secret_text(m: &Material, kind: Kind, index: usize) -> Result<String, WriteError> {
    let slot = kind.secret_slots()[index];
    let bytes = m
        .secrets
        .get(&slot)
        .ok_or_else(|| WriteError::Other(format!("the {} secret is not available", slot.name)))?;
    String::from_utf8(bytes.expose().to_vec())
        .map_err(|_| WriteError::Other(format!("the {} secret is not UTF-8 text", slot.name)))
}

fn pick(json: &Map<String, Value>, fields: &[&str]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|f| json.get(*f).map(|v| (f.to_string(), v.clone())))
            .collect(),
    )
}

fn field<'a>(json: &'a Map<String, Value>, name: &str) -> &'a str {
    json.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Creates or updates a security-material, number-range, Partner Directory or access-policy
/// object. Returns what was done.
pub async fn put(client: &Client, m: &Material, id: &ObjectId) -> Result<Vec<String>, WriteError> {
    let d = &m.desired;
    let exists = m.live.is_some();
    let verb = if exists { "updated" } else { "created" };
    match id.kind {
        Kind::UserCredential => {
            let mut body = pick(d, &["Name", "Kind", "Description", "User", "CompanyId"]);
            body["Password"] = Value::String(secret_text(m, id.kind, 0)?);
            if exists {
                client
                    .update_security("UserCredentials", &id.key, body)
                    .await?
            } else {
                client.create_security("UserCredentials", body).await?
            }
            Ok(vec![format!("{verb} with its password")])
        }
        Kind::OAuth2ClientCredential => {
            let mut body = pick(
                d,
                &[
                    "Name",
                    "Description",
                    "TokenServiceUrl",
                    "ClientId",
                    "ClientAuthentication",
                    "Scope",
                    "ScopeContentType",
                    "Resource",
                    "Audience",
                ],
            );
            body["ClientSecret"] = Value::String(secret_text(m, id.kind, 0)?);
            let params = d
                .get("CustomParameters")
                .cloned()
                .unwrap_or(Value::Array(vec![]));
            let live_params = m
                .live
                .as_ref()
                .and_then(|l| l.get("CustomParameters").cloned())
                .unwrap_or(Value::Array(vec![]));
            if exists && params == live_params {
                client
                    .update_security("OAuth2ClientCredentials", &id.key, body)
                    .await?;
                Ok(vec!["updated with its client secret".into()])
            } else {
                if exists {
                    client
                        .delete_entity("OAuth2ClientCredentials", &id.key)
                        .await?;
                }
                body["CustomParameters"] = params;
                client
                    .create_security("OAuth2ClientCredentials", body)
                    .await?;
                Ok(vec![if exists {
                    "re-created (custom parameters change only on create)".into()
                } else {
                    "created with its client secret".into()
                }])
            }
        }
        Kind::SecureParameter => {
            let mut body = pick(d, &["Name", "Description"]);
            body["SecureParam"] = Value::String(secret_text(m, id.kind, 0)?);
            if exists {
                client
                    .update_security("SecureParameters", &id.key, body)
                    .await?
            } else {
                client.create_security("SecureParameters", body).await?
            }
            Ok(vec![format!("{verb} with its value")])
        }
        Kind::Certificate => {
            let pem = m.pem.clone().ok_or_else(|| {
                WriteError::Other("the certificate's .pem file is missing".into())
            })?;
            client.import_certificate(&id.key, pem, exists).await?;
            Ok(vec![if exists {
                "replaced".into()
            } else {
                "imported".into()
            }])
        }
        Kind::KeyPair => {
            let p12 = m.secrets.get(&id.kind.secret_slots()[0]).ok_or_else(|| {
                WriteError::Other("the key pair's PKCS#12 is not available".into())
            })?;
            let password = secret_text(m, id.kind, 1)?;
            if exists {
                client.delete_keystore_entry(&id.key).await?;
            }
            let body = json!({
                "Hexalias": hexalias(&id.key), "Alias": id.key, "Password": password,
                "Resource": base64::engine::general_purpose::STANDARD.encode(p12.expose()),
            });
            client.upload_key_pair(body).await?;
            Ok(vec![if exists {
                "replaced from its PKCS#12".into()
            } else {
                "uploaded from its PKCS#12".into()
            }])
        }
        Kind::CertificateUserMapping => {
            let pem = m
                .pem
                .clone()
                .ok_or_else(|| WriteError::Other("the mapping's .pem file is missing".into()))?;
            let body = json!({ "User": field(d, "User"), "Certificate": base64::engine::general_purpose::STANDARD.encode(pem) });
            client.map_certificate(body).await?;
            Ok(vec![format!("{verb} for user {}", field(d, "User"))])
        }
        Kind::AccessPolicy => access_policy(client, id, d, exists).await,
        Kind::NumberRange => {
            let mut body = pick(
                d,
                &[
                    "Name",
                    "Description",
                    "MinValue",
                    "MaxValue",
                    "FieldLength",
                    "Rotate",
                ],
            );
            if exists {
                let live_range: Option<crate::wire::number_ranges::NumberRange> = client
                    .get_optional(&entity("NumberRanges", &id.key))
                    .await?;
                let current = match (
                    m.reset_number_ranges,
                    live_range.and_then(|r| r.current_value),
                ) {
                    (false, Some(current)) => current,
                    _ => field(d, "MinValue").to_string(),
                };
                body["CurrentValue"] = Value::String(current);
                client
                    .replace(&entity("NumberRanges", &id.key), body)
                    .await?;
                Ok(vec![if m.reset_number_ranges {
                    "updated, CurrentValue reset".into()
                } else {
                    "updated, CurrentValue kept".into()
                }])
            } else {
                client.create("NumberRanges", body).await?;
                Ok(vec!["created".into()])
            }
        }
        Kind::StringParameter | Kind::BinaryParameter => {
            let set = if id.kind == Kind::StringParameter {
                "StringParameters"
            } else {
                "BinaryParameters"
            };
            let mut body = pick(d, &["Pid", "Id", "Value", "ContentType"]);
            if id.kind == Kind::BinaryParameter {
                let value = m.value.clone().ok_or_else(|| {
                    WriteError::Other("the binary parameter's .value file is missing".into())
                })?;
                body["Value"] =
                    Value::String(base64::engine::general_purpose::STANDARD.encode(value));
            }
            if exists {
                let path = composite(set, &[("Pid", field(d, "Pid")), ("Id", field(d, "Id"))]);
                if let Value::Object(map) = &mut body {
                    map.remove("Pid");
                    map.remove("Id");
                }
                client.replace(&path, body).await?;
            } else {
                client.create(set, body).await?;
            }
            Ok(vec![verb.to_string()])
        }
        Kind::UserCredentialParameter => {
            let mut body = pick(d, &["Pid", "Id", "User"]);
            body["Password"] = Value::String(secret_text(m, id.kind, 0)?);
            client.create("UserCredentialParameters", body).await?;
            Ok(vec![format!("{verb} with its password")])
        }
        Kind::AlternativePartner => {
            if exists {
                let path = alternative_path(d);
                client
                    .replace(&path, json!({ "Pid": field(d, "Pid") }))
                    .await?;
            } else {
                client
                    .create(
                        "AlternativePartners",
                        pick(d, &["Agency", "Scheme", "Id", "Pid"]),
                    )
                    .await?;
            }
            Ok(vec![verb.to_string()])
        }
        Kind::AuthorizedUser => {
            if exists {
                client
                    .replace(
                        &entity("AuthorizedUsers", field(d, "User")),
                        json!({ "Pid": field(d, "Pid") }),
                    )
                    .await?;
            } else {
                client
                    .create("AuthorizedUsers", pick(d, &["User", "Pid"]))
                    .await?;
            }
            Ok(vec![verb.to_string()])
        }
        other => Err(WriteError::Other(format!(
            "{other} objects are not written here"
        ))),
    }
}

fn alternative_path(d: &Map<String, Value>) -> String {
    format!(
        "AlternativePartners(Hexagency='{}',Hexscheme='{}',Hexid='{}')",
        hex::encode_upper(field(d, "Agency")),
        hex::encode_upper(field(d, "Scheme")),
        hex::encode_upper(field(d, "Id"))
    )
}

/// The target's access policy named `role`, with its references and their ids.
async fn live_policy(client: &Client, role: &str) -> Result<Option<AccessPolicy>, ClientError> {
    let path = format!(
        "AccessPolicies?$filter={}&$expand=ArtifactReferences",
        filter_eq("RoleName", role)
    );
    Ok(client
        .get_collection::<AccessPolicy>(&path)
        .await?
        .into_iter()
        .next())
}

fn reference_key(r: &Value) -> String {
    [
        "Type",
        "ConditionAttribute",
        "ConditionValue",
        "ConditionType",
        "Name",
    ]
    .iter()
    .map(|f| r.get(*f).and_then(Value::as_str).unwrap_or_default())
    .collect::<Vec<_>>()
    .join("\u{0}")
}

async fn access_policy(
    client: &Client,
    id: &ObjectId,
    d: &Map<String, Value>,
    exists: bool,
) -> Result<Vec<String>, WriteError> {
    let refs: Vec<Value> = d
        .get("ArtifactReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !exists {
        let body = json!({ "RoleName": id.key, "Description": field(d, "Description"), "ArtifactReferences": refs });
        client.create_access_policy(body).await?;
        return Ok(vec![format!(
            "created with {} artifact references",
            refs.len()
        )]);
    }
    let live = live_policy(client, &id.key).await?.ok_or_else(|| {
        WriteError::Other(format!(
            "the target has no access policy for role {}",
            id.key
        ))
    })?;
    let policy_id = live.id.clone().unwrap_or_default();
    let mut done = Vec::new();
    if live.description.as_deref().unwrap_or_default() != field(d, "Description") {
        client
            .update_access_policy(&policy_id, field(d, "Description"))
            .await?;
        done.push("description updated".to_string());
    }
    let live_refs: Vec<(String, Option<String>)> = live
        .artifact_references
        .0
        .iter()
        .flatten()
        .map(|r| {
            (
                reference_key(&serde_json::to_value(r).unwrap_or_default()),
                r.id.clone(),
            )
        })
        .collect();
    let wanted: Vec<String> = refs.iter().map(reference_key).collect();
    for r in &refs {
        if !live_refs.iter().any(|(k, _)| *k == reference_key(r)) {
            client.add_artifact_reference(&policy_id, r.clone()).await?;
            done.push(format!(
                "reference {} added",
                r.get("ConditionValue")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ));
        }
    }
    for (key, rid) in &live_refs {
        if !wanted.contains(key) {
            if let Some(rid) = rid {
                client.delete_artifact_reference(rid).await?;
                done.push("a reference removed".into());
            }
        }
    }
    Ok(done)
}

/// Deletes an object from the target; `l` is its live JSON.
pub async fn delete(
    client: &Client,
    id: &ObjectId,
    l: &Map<String, Value>,
) -> Result<Vec<String>, WriteError> {
    match id.kind {
        Kind::Package => client.delete_package(&id.key).await?,
        Kind::UserCredential => client.delete_entity("UserCredentials", &id.key).await?,
        Kind::OAuth2ClientCredential => {
            client
                .delete_entity("OAuth2ClientCredentials", &id.key)
                .await?
        }
        Kind::SecureParameter => client.delete_entity("SecureParameters", &id.key).await?,
        Kind::Certificate | Kind::KeyPair => client.delete_keystore_entry(&id.key).await?,
        Kind::CertificateUserMapping => {
            client
                .delete(&entity("CertificateUserMappings", &id.key))
                .await?
        }
        Kind::AccessPolicy => {
            if let Some(p) = live_policy(client, &id.key).await? {
                client
                    .delete_access_policy(&p.id.unwrap_or_default())
                    .await?;
            }
        }
        Kind::NumberRange => client.delete(&entity("NumberRanges", &id.key)).await?,
        Kind::StringParameter => {
            client
                .delete(&composite(
                    "StringParameters",
                    &[("Pid", field(l, "Pid")), ("Id", field(l, "Id"))],
                ))
                .await?
        }
        Kind::BinaryParameter => {
            client
                .delete(&composite(
                    "BinaryParameters",
                    &[("Pid", field(l, "Pid")), ("Id", field(l, "Id"))],
                ))
                .await?
        }
        Kind::UserCredentialParameter => {
            client
                .delete(&composite(
                    "UserCredentialParameters",
                    &[("Pid", field(l, "Pid")), ("Id", field(l, "Id"))],
                ))
                .await?
        }
        Kind::AlternativePartner => client.delete(&alternative_path(l)).await?,
        Kind::AuthorizedUser => {
            client
                .delete(&entity("AuthorizedUsers", field(l, "User")))
                .await?
        }
        k if k.is_artifact() => {
            if let Some(kind) = k.artifact_kind() {
                client.delete_artifact(kind, &id.key).await?;
            }
        }
        _ => {
            return Err(WriteError::Other(format!(
                "{} objects cannot be deleted",
                id.kind
            )));
        }
    }
    Ok(vec!["deleted".into()])
}

/// Creates or updates a package. Configure-only packages are copied from SAP's content
/// catalogue (their content cannot be uploaded).
pub async fn package(
    client: &Client,
    id: &ObjectId,
    d: &Map<String, Value>,
    exists: bool,
) -> Result<Vec<String>, WriteError> {
    let read_only = field(d, "Mode") == MODE_READ_ONLY;
    let fields = pick(d, WRITABLE_PACKAGE_FIELDS);
    match (exists, read_only) {
        (false, true) => {
            client.copy_catalogue_package(&id.key).await?;
            Ok(vec![
                "copied from the SAP content catalogue (configure-only)".into(),
            ])
        }
        (true, true) => Ok(vec![
            "configure-only: its descriptive fields come from SAP".into(),
        ]),
        (false, false) => {
            let mut body = fields;
            body["Id"] = Value::String(id.key.clone());
            client.create_package(body).await?;
            Ok(vec!["created".into()])
        }
        (true, false) => {
            client.update_package(&id.key, fields).await?;
            Ok(vec!["updated".into()])
        }
    }
}
