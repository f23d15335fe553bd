//! `number-range`: a named counter that flows draw from (API reference section 9.1), kept as
//! `<Name>.json` without its `CurrentValue` (which flows advance). An update keeps the target's
//! current value unless told to reset it to `MinValue`.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{
    Ty::{OptStr, Str},
    optional, required,
};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, state_json};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::number_ranges::{NUMBER_RANGES, NumberRange};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "number-range",
    folder: "number-ranges",
    phase: Phase::NumberRanges,
    placement: Placement::NumberRange,
    identity: Identity::Field("Name"),
    secrets: &[],
    attachment: None,
    artifact: None,
    entity_set: NUMBER_RANGES,
    schema: &[
        required("Name", Str),
        required("MinValue", Str),
        required("MaxValue", Str),
        required("FieldLength", Str),
        required("Rotate", Str),
        optional("Description", OptStr),
    ],
};

/// A number range as stored.
pub fn read(r: &NumberRange) -> Entry {
    Entry::new(
        ObjectId::new(Kind::NumberRange, &r.name),
        state_json(Kind::NumberRange, r),
    )
}

/// Creates a number range, or replaces it keeping (or resetting) its current value.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let desired: NumberRange = m.desired_as()?;
    let mut body = NumberRange {
        current_value: None,
        deployed_by: None,
        deployed_on: None,
        ..desired
    };
    if !m.exists() {
        client.create_entity(NUMBER_RANGES, &body).await?;
        return Ok(vec![Effect::Created(Detail::Plain)]);
    }
    let live: Option<NumberRange> = client.number_range(&m.id.key).await?;
    body.current_value = Some(
        match (m.reset_number_ranges, live.and_then(|r| r.current_value)) {
            (false, Some(current)) => current,
            _ => body.min_value.clone(),
        },
    );
    client
        .update_entity(NUMBER_RANGES, &m.id.key, &body)
        .await?;
    Ok(vec![Effect::Updated(Detail::CurrentValue {
        reset: m.reset_number_ranges,
    })])
}

/// Deletes a number range.
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client.delete_entity(NUMBER_RANGES, &id.key).await?)
}
