//! `secure-parameter`: a secret value in the secure store (API reference section 7.3), kept in git
//! as `<Name>.value.age`.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{
    Ty::{OptStr, Str},
    optional, required,
};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, state_json, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::wire::security::{SECURE_PARAMETERS, SecureParameter};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "secure-parameter",
    folder: "secure-parameters",
    phase: Phase::SecurityMaterial,
    placement: Placement::Security,
    identity: Identity::Field("Name"),
    secrets: &[SecretSlot {
        name: "value",
        binary: false,
    }],
    attachment: None,
    artifact: None,
    entity_set: SECURE_PARAMETERS,
    schema: &[required("Name", Str), optional("Description", OptStr)],
};

/// A secure parameter as stored; its secret's change marker is `DeployedOn`.
pub fn read(p: &SecureParameter) -> Entry {
    Entry {
        marker: p.deployed_on.clone(),
        ..Entry::new(
            ObjectId::new(Kind::SecureParameter, &p.name),
            state_json(Kind::SecureParameter, p),
        )
    }
}

/// Creates or replaces a secure parameter with its value.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let desired: SecureParameter = m.desired_as()?;
    let body = SecureParameter {
        name: desired.name,
        description: desired.description,
        secure_param: Some(m.secret_text(0)?),
        ..Default::default()
    };
    if m.exists() {
        client
            .update_entity(SECURE_PARAMETERS, &m.id.key, &body)
            .await?
    } else {
        client.create_entity(SECURE_PARAMETERS, &body).await?
    }
    Ok(written(m, Detail::Secret("value")))
}

/// Deletes a secure parameter.
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client.delete_entity(SECURE_PARAMETERS, &id.key).await?)
}
