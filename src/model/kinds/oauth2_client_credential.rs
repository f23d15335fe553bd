//! `oauth2-client-credential`: a client id and secret for a token service (API reference section
//! 7.2). The client secret is write-only (`<Name>.client-secret.age`). Custom parameters are
//! accepted only on create, and every `PUT` drops them: so a credential that has custom
//! parameters in git is updated by deleting and creating it ([`recreates`]; it is missing on the
//! target for a moment, and the plan says so), one without them by a `PUT`.

use super::super::effect::{Detail, Effect, Recreate};
use super::super::phase::Phase;
use super::super::schema::{
    Field,
    Ty::{List, OptStr, Str},
    optional, required,
};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, insert, state_json};
use crate::client::Client;
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::wire::security::{OAUTH2_CLIENT_CREDENTIALS, OAuth2ClientCredential};
use serde_json::Value;

/// The fields of one custom parameter.
const CUSTOM_PARAMETER: &[Field] = &[
    required("Key", Str),
    required("Value", Str),
    required("SendAsPartOf", Str),
];

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "oauth2-client-credential",
    folder: "oauth2-client-credentials",
    phase: Phase::SecurityMaterial,
    placement: Placement::Security,
    identity: Identity::Field("Name"),
    secrets: &[SecretSlot {
        name: "client-secret",
        binary: false,
    }],
    attachment: None,
    artifact: None,
    entity_set: OAUTH2_CLIENT_CREDENTIALS,
    schema: &[
        required("Name", Str),
        required("TokenServiceUrl", Str),
        required("ClientId", Str),
        optional("Description", OptStr),
        optional("ClientAuthentication", OptStr),
        optional("Scope", OptStr),
        optional("ScopeContentType", OptStr),
        optional("Resource", OptStr),
        optional("Audience", OptStr),
        optional("CustomParameters", List(CUSTOM_PARAMETER)),
    ],
};

/// An OAuth2 client credential as stored, with its custom parameters inline; its secret's change
/// marker is `DeployedOn`.
pub fn read(o: &OAuth2ClientCredential) -> Entry {
    let mut json = state_json(Kind::OAuth2ClientCredential, o);
    let params: Vec<Value> = o
        .custom_parameters
        .0
        .iter()
        .flatten()
        .map(|p| serde_json::to_value(p).unwrap_or(Value::Null))
        .collect();
    insert(&mut json, "CustomParameters", Value::Array(params));
    Entry {
        marker: o
            .security_artifact_descriptor
            .as_ref()
            .and_then(|d| d.deployed_on.clone()),
        ..Entry::new(
            ObjectId::new(Kind::OAuth2ClientCredential, &o.name),
            super::super::normalize::normalize(Kind::OAuth2ClientCredential, &json),
        )
    }
}

/// Whether updating a credential whose JSON in git is `desired` deletes and creates it: when it
/// has custom parameters (a `PUT` would drop them).
pub fn recreates(desired: &Value) -> bool {
    desired
        .get("CustomParameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty())
}

/// Creates an OAuth2 client credential with its secret and custom parameters, or updates it:
/// by a `PUT` when git has no custom parameters for it, else by deleting and creating it.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let mut body: OAuth2ClientCredential = m.desired_as()?;
    body.client_secret = Some(m.secret_text(0)?);
    body.security_artifact_descriptor = None;
    let params = body.custom_parameters.0.take().unwrap_or_default();
    if m.exists() && params.is_empty() {
        client
            .update_entity(OAUTH2_CLIENT_CREDENTIALS, &m.id.key, &body)
            .await?;
        return Ok(vec![Effect::Updated(Detail::Secret("client secret"))]);
    }
    if m.exists() {
        client
            .delete_entity(OAUTH2_CLIENT_CREDENTIALS, &m.id.key)
            .await?;
    }
    client
        .create_oauth2_client_credential(&body, &params)
        .await?;
    Ok(vec![if m.exists() {
        Effect::Recreated(Recreate::CustomParameters)
    } else {
        Effect::Created(Detail::Secret("client secret"))
    }])
}

/// Deletes an OAuth2 client credential.
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client
        .delete_entity(OAUTH2_CLIENT_CREDENTIALS, &id.key)
        .await?)
}
