//! `alternative-partner`: another partner id (agency, scheme, id) that resolves to a Pid (API
//! reference section 8.3), kept as `partner-directory/<Pid>/alternative-partners/
//! <Agency>+<Scheme>+<Id>.json`, each part escaped.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{Ty::Str, required};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, state_json, written};
use crate::client::Client;
use crate::model::key::escape;
use crate::model::{Kind, ObjectId};
use crate::wire::partner_directory::{ALTERNATIVE_PARTNERS, AlternativePartner, PartnerLink};
use serde_json::{Map, Value};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "alternative-partner",
    folder: "alternative-partners",
    phase: Phase::PartnerDirectory,
    placement: Placement::AlternativePartner,
    identity: Identity::AgencySchemeId,
    secrets: &[],
    attachment: None,
    artifact: None,
    entity_set: ALTERNATIVE_PARTNERS,
    schema: &[
        required("Agency", Str),
        required("Scheme", Str),
        required("Id", Str),
        required("Pid", Str),
    ],
};

/// The id of an alternative partner: its agency, scheme and id, each escaped (they may hold `/`).
pub fn id(agency: &str, scheme: &str, id: &str) -> ObjectId {
    ObjectId::new(
        Kind::AlternativePartner,
        format!("{}/{}/{}", escape(agency), escape(scheme), escape(id)),
    )
}

/// An alternative partner as stored, below its Pid.
pub fn read(a: &AlternativePartner) -> Entry {
    Entry {
        parent: Some(a.pid.clone()),
        ..Entry::new(
            id(&a.agency, &a.scheme, &a.id),
            state_json(Kind::AlternativePartner, a),
        )
    }
}

/// Creates an alternative partner, or points it at its Pid.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let a: AlternativePartner = m.desired_as()?;
    if m.exists() {
        let body = PartnerLink { pid: a.pid.clone() };
        client
            .update_alternative_partner(&a.agency, &a.scheme, &a.id, &body)
            .await?;
    } else {
        client.create_entity(ALTERNATIVE_PARTNERS, &a).await?;
    }
    Ok(written(m, Detail::Plain))
}

/// Deletes the alternative partner of `live`.
pub async fn delete(client: &Client, live: &Map<String, Value>) -> Result<(), WriteError> {
    let field = |name: &str| live.get(name).and_then(Value::as_str).unwrap_or_default();
    Ok(client
        .delete_alternative_partner(field("Agency"), field("Scheme"), field("Id"))
        .await?)
}
