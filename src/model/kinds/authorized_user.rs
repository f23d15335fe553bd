//! `authorized-user`: a user allowed to act for a partner (API reference section 8.4), kept as
//! `partner-directory/<Pid>/authorized-users/<User>.json`.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{Ty::Str, required};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, state_json, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::partner_directory::{AUTHORIZED_USERS, AuthorizedUser, PartnerLink};
use serde_json::{Map, Value};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "authorized-user",
    folder: "authorized-users",
    phase: Phase::PartnerDirectory,
    placement: Placement::PartnerOwned,
    identity: Identity::Field("User"),
    secrets: &[],
    attachment: None,
    artifact: None,
    entity_set: AUTHORIZED_USERS,
    schema: &[required("User", Str), required("Pid", Str)],
};

/// An authorized user as stored, below its Pid.
pub fn read(u: &AuthorizedUser) -> Entry {
    Entry {
        parent: Some(u.pid.clone()),
        ..Entry::new(
            ObjectId::new(Kind::AuthorizedUser, &u.user),
            state_json(Kind::AuthorizedUser, u),
        )
    }
}

/// Creates an authorized user, or points it at its Pid.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let u: AuthorizedUser = m.desired_as()?;
    if m.exists() {
        let body = PartnerLink { pid: u.pid.clone() };
        client
            .update_entity(AUTHORIZED_USERS, &u.user, &body)
            .await?;
    } else {
        client.create_entity(AUTHORIZED_USERS, &u).await?;
    }
    Ok(written(m, Detail::Plain))
}

/// Deletes the authorized user of `live`.
pub async fn delete(client: &Client, live: &Map<String, Value>) -> Result<(), WriteError> {
    let user = live.get("User").and_then(Value::as_str).unwrap_or_default();
    Ok(client.delete_entity(AUTHORIZED_USERS, user).await?)
}
