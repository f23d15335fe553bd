//! One module per kind of object: its [`super::Spec`] (names, files, identity, phase, entity set), how
//! it is read from the API's entity into its state file ("state file in"), and the requests that
//! write it back from the state file ("state file out": create, update, delete), with the API's
//! wire types rather than lists of field names.
//!
//! | module | kinds |
//! |---|---|
//! | [`package`] | `package` |
//! | [`artifact`] | the eight design-time artifact kinds (`integration-flow`, `value-mapping`, ...) |
//! | [`user_credential`], [`oauth2_client_credential`], [`secure_parameter`] | security material with secrets |
//! | [`certificate`], [`key_pair`], [`certificate_user_mapping`], [`access_policy`] | keystore and access |
//! | [`number_range`] | `number-range` |
//! | [`string_parameter`], [`binary_parameter`], [`user_credential_parameter`], [`alternative_partner`], [`authorized_user`] | the Partner Directory |
//!
//! [`super::Kind::spec`], [`write()`] and [`delete()`] are the matches over every kind; the compiler
//! checks that each names a module. Artifacts are written by the sync engine's artifact steps
//! (upload, configure, deploy) with the requests of [`artifact`].

pub mod access_policy;
pub mod alternative_partner;
pub mod artifact;
pub mod authorized_user;
pub mod binary_parameter;
pub mod certificate;
pub mod certificate_user_mapping;
pub mod key_pair;
pub mod number_range;
pub mod oauth2_client_credential;
pub mod package;
pub mod secure_parameter;
pub mod string_parameter;
pub mod user_credential;
pub mod user_credential_parameter;

use super::effect::{Detail, Effect};
use super::normalize::normalize;
use super::spec::Identity;
use super::write::{Material, WriteError};
use super::{Kind, ObjectId, SecretSlot};
use crate::client::Client;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};

/// The password of a credential.
pub(crate) const PASSWORD: SecretSlot = SecretSlot {
    name: "password",
    binary: false,
};

/// An object as read from a tenant, ready to be stored as its state files.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The object.
    pub id: ObjectId,
    /// Its package or Pid, where its place has one.
    pub parent: Option<String>,
    /// Its JSON, normalized (`super::normalize`).
    pub json: Value,
    /// The file beside its JSON ([`super::Spec::attachment`]), when it has one.
    pub attachment: Option<Vec<u8>>,
    /// The tenant's change marker of its secrets (kinds with secrets).
    pub marker: Option<String>,
}

impl Entry {
    /// An entry of `id` with `json` and nothing else.
    pub fn new(id: ObjectId, json: Value) -> Entry {
        Entry {
            id,
            parent: None,
            json,
            attachment: None,
            marker: None,
        }
    }
}

/// A tenant's answer that cannot be stored (the object and what is wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The object concerned.
    pub object: String,
    /// What is wrong.
    pub reason: String,
}

/// An API entity as a normalized JSON object of `kind`.
pub(crate) fn state_json<T: Serialize>(kind: Kind, entity: &T) -> Value {
    normalize(kind, &serde_json::to_value(entity).unwrap_or(Value::Null))
}

/// Sets `key` of a JSON object.
pub(crate) fn insert(v: &mut Value, key: &str, value: Value) {
    if let Value::Object(m) = v {
        m.insert(key.to_string(), value);
    }
}

/// Base64 from a tenant, decoded.
pub(crate) fn base64_of(object: &ObjectId, what: &str, text: &str) -> Result<Vec<u8>, Malformed> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| Malformed {
            object: object.to_string(),
            reason: format!("the tenant's {what} is not base64"),
        })
}

/// Bytes as base64.
pub(crate) fn to_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `created` or `updated` with `detail`.
pub(crate) fn written(m: &Material, detail: Detail) -> Vec<Effect> {
    vec![if m.exists() {
        Effect::Updated(detail)
    } else {
        Effect::Created(detail)
    }]
}

/// Creates or updates the object of `m` on the target. Artifacts are not written here (the sync
/// engine uploads, configures and deploys them with [`artifact`]'s requests).
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    match m.id.kind {
        Kind::Package => package::write(client, m).await,
        Kind::IntegrationFlow
        | Kind::ValueMapping
        | Kind::MessageMapping
        | Kind::ScriptCollection
        | Kind::DataType
        | Kind::MessageType
        | Kind::FaultMessageType
        | Kind::ServiceInterface => Err(WriteError::Unexpected(format!(
            "{} objects are not written here",
            m.id.kind
        ))),
        Kind::UserCredential => user_credential::write(client, m).await,
        Kind::OAuth2ClientCredential => oauth2_client_credential::write(client, m).await,
        Kind::SecureParameter => secure_parameter::write(client, m).await,
        Kind::Certificate => certificate::write(client, m).await,
        Kind::KeyPair => key_pair::write(client, m).await,
        Kind::CertificateUserMapping => certificate_user_mapping::write(client, m).await,
        Kind::AccessPolicy => access_policy::write(client, m).await,
        Kind::NumberRange => number_range::write(client, m).await,
        Kind::StringParameter => string_parameter::write(client, m).await,
        Kind::BinaryParameter => binary_parameter::write(client, m).await,
        Kind::UserCredentialParameter => user_credential_parameter::write(client, m).await,
        Kind::AlternativePartner => alternative_partner::write(client, m).await,
        Kind::AuthorizedUser => authorized_user::write(client, m).await,
    }
}

/// Deletes the object `id` from the target; `live` is its live JSON.
pub async fn delete(
    client: &Client,
    id: &ObjectId,
    live: &Map<String, Value>,
) -> Result<(), WriteError> {
    match id.kind {
        Kind::Package => package::delete(client, id).await,
        Kind::IntegrationFlow
        | Kind::ValueMapping
        | Kind::MessageMapping
        | Kind::ScriptCollection
        | Kind::DataType
        | Kind::MessageType
        | Kind::FaultMessageType
        | Kind::ServiceInterface => artifact::delete(client, id).await,
        Kind::UserCredential => user_credential::delete(client, id).await,
        Kind::OAuth2ClientCredential => oauth2_client_credential::delete(client, id).await,
        Kind::SecureParameter => secure_parameter::delete(client, id).await,
        Kind::Certificate | Kind::KeyPair => certificate::delete(client, id).await,
        Kind::CertificateUserMapping => certificate_user_mapping::delete(client, id).await,
        Kind::AccessPolicy => access_policy::delete(client, id).await,
        Kind::NumberRange => number_range::delete(client, id).await,
        Kind::StringParameter => string_parameter::delete(client, live).await,
        Kind::BinaryParameter => binary_parameter::delete(client, live).await,
        Kind::UserCredentialParameter => user_credential_parameter::delete(client, live).await,
        Kind::AlternativePartner => alternative_partner::delete(client, live).await,
        Kind::AuthorizedUser => authorized_user::delete(client, live).await,
    }
    .map(drop)
}

/// The key an object's JSON names (by its kind's identifying fields), when they are strings.
pub fn key_from_json(kind: Kind, value: &Value) -> Option<String> {
    let field = |name: &str| value.get(name).and_then(Value::as_str);
    match kind.spec().identity {
        Identity::Field(name) => field(name).map(str::to_string),
        Identity::PidId => Some(format!("{}/{}", field("Pid")?, field("Id")?)),
        Identity::AgencySchemeId => {
            Some(alternative_partner::id(field("Agency")?, field("Scheme")?, field("Id")?).key)
        }
    }
}

/// Checks that an object's JSON is an object whose identifying fields agree with its key.
pub fn check_identity(id: &ObjectId, value: &Value) -> Result<(), String> {
    let Value::Object(map) = value else {
        return Err("must be a JSON object".into());
    };
    let field = |name: &str| {
        map.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match id.kind.spec().identity {
        Identity::Field(name) => {
            let actual = field(name);
            if actual == id.key {
                Ok(())
            } else {
                Err(format!(
                    "its {name} `{actual}` does not match its path (`{}`)",
                    id.key
                ))
            }
        }
        Identity::PidId => {
            let key = format!("{}/{}", field("Pid"), field("Id"));
            if key == id.key {
                Ok(())
            } else {
                Err(format!(
                    "its Pid and Id ({key}) do not match its path ({})",
                    id.key
                ))
            }
        }
        Identity::AgencySchemeId => {
            let key = alternative_partner::id(&field("Agency"), &field("Scheme"), &field("Id")).key;
            if key == id.key {
                Ok(())
            } else {
                Err(format!(
                    "its Agency, Scheme and Id ({key}) do not match its path ({})",
                    id.key
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_is_checked_against_the_key() {
        let uc = ObjectId::new(Kind::UserCredential, "ERP");
        assert!(check_identity(&uc, &json!({"Name": "ERP"})).is_ok());
        let err = check_identity(&uc, &json!({"Name": "Other"})).unwrap_err();
        assert_eq!(err, "its Name `Other` does not match its path (`ERP`)");
        let p = ObjectId::new(Kind::StringParameter, "ACME/URL");
        assert!(check_identity(&p, &json!({"Pid": "ACME", "Id": "URL"})).is_ok());
        assert!(check_identity(&p, &json!({"Pid": "ACME", "Id": "X"})).is_err());
        let a = ObjectId::new(Kind::AlternativePartner, "a%2Fb/s/i");
        assert!(check_identity(&a, &json!({"Agency": "a/b", "Scheme": "s", "Id": "i"})).is_ok());
        assert!(check_identity(&uc, &json!([])).is_err());
    }
}
