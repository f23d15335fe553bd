//! `user-credential-parameter`: a Partner Directory user and password (API reference section
//! 8.2), kept as `partner-directory/<Pid>/user-credential-parameters/<Id>.json` with
//! `<Id>.password.age`. The tenant stores its password as the user credential
//! `pd:<Pid>:<Id>:UserCredential`, whose `DeployedOn` is its change marker.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{Ty::Str, required};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::string_parameter::pid_and_id;
use super::{Entry, PASSWORD, state_json, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::partner_directory::{USER_CREDENTIAL_PARAMETERS, UserCredentialParameter};
use serde_json::{Map, Value};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "user-credential-parameter",
    folder: "user-credential-parameters",
    phase: Phase::PartnerDirectory,
    placement: Placement::PartnerParameter,
    identity: Identity::PidId,
    secrets: &[PASSWORD],
    attachment: None,
    artifact: None,
    entity_set: USER_CREDENTIAL_PARAMETERS,
    schema: &[
        required("Pid", Str),
        required("Id", Str),
        required("User", Str),
    ],
};

/// A user-credential parameter as stored; `marker` is its credential's `DeployedOn`.
pub fn read(p: &UserCredentialParameter, marker: Option<String>) -> Entry {
    Entry {
        marker,
        ..Entry::new(
            ObjectId::new(Kind::UserCredentialParameter, format!("{}/{}", p.pid, p.id)),
            state_json(Kind::UserCredentialParameter, p),
        )
    }
}

/// Writes a user-credential parameter with its password (the API creates or replaces).
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let mut p: UserCredentialParameter = m.desired_as()?;
    p.password = Some(m.secret_text(0)?);
    client.create_entity(USER_CREDENTIAL_PARAMETERS, &p).await?;
    Ok(written(m, Detail::Secret("password")))
}

/// Deletes the user-credential parameter of `live`.
pub async fn delete(client: &Client, live: &Map<String, Value>) -> Result<(), WriteError> {
    let (pid, id) = pid_and_id(live);
    Ok(client
        .delete_partner_entry(USER_CREDENTIAL_PARAMETERS, pid, id)
        .await?)
}
