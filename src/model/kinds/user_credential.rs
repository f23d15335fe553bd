//! `user-credential`: a user name and password in the secure store (API reference section 7.1).
//! The password is write-only; git keeps it as `<Name>.password.age`.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{
    Ty::{OptStr, Str},
    optional, required,
};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, PASSWORD, state_json, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::security::{USER_CREDENTIALS, UserCredential};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "user-credential",
    folder: "user-credentials",
    phase: Phase::SecurityMaterial,
    placement: Placement::Security,
    identity: Identity::Field("Name"),
    secrets: &[PASSWORD],
    attachment: None,
    artifact: None,
    entity_set: USER_CREDENTIALS,
    schema: &[
        required("Name", Str),
        required("Kind", Str),
        optional("Description", OptStr),
        optional("User", OptStr),
        optional("CompanyId", OptStr),
    ],
};

/// A user credential as stored; its secret's change marker is `DeployedOn`.
pub fn read(u: &UserCredential) -> Entry {
    Entry {
        marker: u
            .security_artifact_descriptor
            .as_ref()
            .and_then(|d| d.deployed_on.clone()),
        ..Entry::new(
            ObjectId::new(Kind::UserCredential, &u.name),
            state_json(Kind::UserCredential, u),
        )
    }
}

/// Creates or replaces a user credential with its password.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let mut body: UserCredential = m.desired_as()?;
    body.password = Some(m.secret_text(0)?);
    body.security_artifact_descriptor = None;
    if m.exists() {
        client
            .update_entity(USER_CREDENTIALS, &m.id.key, &body)
            .await?
    } else {
        client.create_entity(USER_CREDENTIALS, &body).await?
    }
    Ok(written(m, Detail::Secret("password")))
}

/// Deletes a user credential.
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client.delete_entity(USER_CREDENTIALS, &id.key).await?)
}
