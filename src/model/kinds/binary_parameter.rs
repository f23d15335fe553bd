//! `binary-parameter`: a Partner Directory file (API reference section 8.2), kept as
//! `partner-directory/<Pid>/binary-parameters/<Id>.json` and its bytes as `<Id>.value`.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{Ty::Str, required};
use super::super::spec::{Attachment, Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::string_parameter::pid_and_id;
use super::{Entry, Malformed, base64_of, state_json, to_base64, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::partner_directory::{BINARY_PARAMETERS, BinaryParameter, BinaryParameterValue};
use serde_json::{Map, Value};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "binary-parameter",
    folder: "binary-parameters",
    phase: Phase::PartnerDirectory,
    placement: Placement::PartnerParameter,
    identity: Identity::PidId,
    secrets: &[],
    attachment: Some(Attachment::Value),
    artifact: None,
    entity_set: BINARY_PARAMETERS,
    schema: &[
        required("Pid", Str),
        required("Id", Str),
        required("ContentType", Str),
    ],
};

/// A binary parameter as stored: its value decoded into the `.value` file, the rest as JSON.
pub fn read(p: &BinaryParameter) -> Result<Entry, Malformed> {
    let id = ObjectId::new(Kind::BinaryParameter, format!("{}/{}", p.pid, p.id));
    let value = base64_of(&id, "Value", &p.value)?;
    let mut json = state_json(Kind::BinaryParameter, p);
    if let Value::Object(m) = &mut json {
        m.remove("Value");
    }
    Ok(Entry {
        attachment: Some(value),
        ..Entry::new(id, json)
    })
}

/// Creates a binary parameter from its `.value` file, or replaces its value.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let mut p: BinaryParameter = m.desired_as()?;
    let value = m
        .attachment
        .as_deref()
        .ok_or(WriteError::MissingFile("binary parameter's .value"))?;
    p.value = to_base64(value);
    if m.exists() {
        let body = BinaryParameterValue {
            value: p.value,
            content_type: p.content_type,
        };
        client
            .update_partner_entry(BINARY_PARAMETERS, &p.pid, &p.id, &body)
            .await?;
    } else {
        client.create_entity(BINARY_PARAMETERS, &p).await?;
    }
    Ok(written(m, Detail::Plain))
}

/// Deletes the binary parameter of `live`.
pub async fn delete(client: &Client, live: &Map<String, Value>) -> Result<(), WriteError> {
    let (pid, id) = pid_and_id(live);
    Ok(client
        .delete_partner_entry(BINARY_PARAMETERS, pid, id)
        .await?)
}
