//! `string-parameter`: a Partner Directory string value (API reference section 8.2), kept as
//! `partner-directory/<Pid>/string-parameters/<Id>.json`.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{Ty::Str, required};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, state_json, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::partner_directory::{STRING_PARAMETERS, StringParameter, StringParameterValue};
use serde_json::{Map, Value};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "string-parameter",
    folder: "string-parameters",
    phase: Phase::PartnerDirectory,
    placement: Placement::PartnerParameter,
    identity: Identity::PidId,
    secrets: &[],
    attachment: None,
    artifact: None,
    entity_set: STRING_PARAMETERS,
    schema: &[
        required("Pid", Str),
        required("Id", Str),
        required("Value", Str),
    ],
};

/// A string parameter as stored.
pub fn read(p: &StringParameter) -> Entry {
    Entry::new(
        ObjectId::new(Kind::StringParameter, format!("{}/{}", p.pid, p.id)),
        state_json(Kind::StringParameter, p),
    )
}

/// Creates a string parameter, or replaces its value.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let p: StringParameter = m.desired_as()?;
    if m.exists() {
        let body = StringParameterValue { value: p.value };
        client
            .update_partner_entry(STRING_PARAMETERS, &p.pid, &p.id, &body)
            .await?;
    } else {
        client.create_entity(STRING_PARAMETERS, &p).await?;
    }
    Ok(written(m, Detail::Plain))
}

/// Deletes the string parameter of `live`.
pub async fn delete(client: &Client, live: &Map<String, Value>) -> Result<(), WriteError> {
    let (pid, id) = pid_and_id(live);
    Ok(client
        .delete_partner_entry(STRING_PARAMETERS, pid, id)
        .await?)
}

/// `Pid` and `Id` of a Partner Directory entry's JSON.
pub(crate) fn pid_and_id(json: &Map<String, Value>) -> (&str, &str) {
    let field = |name: &str| json.get(name).and_then(Value::as_str).unwrap_or_default();
    (field("Pid"), field("Id"))
}
