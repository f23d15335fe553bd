//! `NumberRanges` (reference section 9.1): writes answer `202`; `PUT` needs every attribute.

use super::{Call, no_method};
use crate::odata::{
    ApiError, ApiResult, QueryRules, Reply, collection, entity, json_body, key_literal, required,
    string_field,
};
use crate::state::Tenant;
use axum::http::{Method, StatusCode};
use cpi_gitops_wire::number_ranges::NumberRange;
use cpi_gitops_wire::odata::date;
use serde_json::{Map, Value};

fn render(base: &str, r: &NumberRange) -> Value {
    entity(
        base,
        "NumberRange",
        &format!("NumberRanges({})", key_literal(&r.name)),
        serde_json::to_value(r).unwrap_or_default(),
        &[],
        false,
    )
}

fn from_body(
    call: &Call,
    body: &Map<String, Value>,
    name: &str,
    current: Option<String>,
) -> Result<NumberRange, ApiError> {
    let min = required(body, "MinValue")?;
    let max = required(body, "MaxValue")?;
    let field_length = required(body, "FieldLength")?;
    let rotate = required(body, "Rotate")?;
    if !matches!(rotate.as_str(), "true" | "false") {
        return Err(ApiError::bad_request(
            "Rotate must be \"true\" or \"false\".",
        ));
    }
    let (Ok(lo), Ok(hi), Ok(len)) = (
        min.parse::<u64>(),
        max.parse::<u64>(),
        field_length.parse::<usize>(),
    ) else {
        return Err(ApiError::bad_request(
            "MinValue, MaxValue and FieldLength must be numbers.",
        ));
    };
    if lo > hi || max.len() > len {
        return Err(ApiError::bad_request(
            "MinValue must not exceed MaxValue, and MaxValue must fit FieldLength.",
        ));
    }
    let current_value = string_field(body, "CurrentValue")?
        .filter(|v| !v.is_empty())
        .or(current)
        .unwrap_or_else(|| min.clone());
    Ok(NumberRange {
        name: name.into(),
        description: Some(string_field(body, "Description")?.unwrap_or_default()),
        min_value: min,
        max_value: max,
        current_value: Some(current_value),
        field_length,
        rotate,
        deployed_by: Some(call.user.into()),
        deployed_on: Some(date(call.now())),
    })
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    match (
        call.method,
        call.segments[0].key.is_some(),
        call.segments.len(),
    ) {
        (&Method::GET, false, _) => {
            let count = call.segments.get(1).is_some_and(|s| s.is("$count"));
            let items = t
                .number_ranges
                .values()
                .map(|r| render(call.base, r))
                .collect();
            collection(&call.listing("NumberRanges"), items, QueryRules::ALL, count)
        }
        (&Method::GET, true, 1) => {
            let name = call.key(0)?;
            t.number_ranges
                .get(name)
                .map(|r| Reply::ok(render(call.base, r)))
                .ok_or_else(ApiError::no_entity)
        }
        (&Method::POST, false, 1) => {
            let body = json_body(call.body)?;
            let name = required(&body, "Name")?;
            if t.number_ranges.contains_key(&name) {
                return Err(ApiError::conflict(format!(
                    "Number range '{name}' already exists."
                )));
            }
            let range = from_body(call, &body, &name, None)?;
            t.number_ranges.insert(name, range);
            Ok(Reply::Empty(StatusCode::ACCEPTED))
        }
        (&Method::PUT, true, 1) => {
            let name = call.key(0)?.to_string();
            let body = json_body(call.body)?;
            if required(&body, "Name")? != name {
                return Err(ApiError::bad_request(
                    "The Name in the body must equal the key in the URL.",
                ));
            }
            let current = t
                .number_ranges
                .get(&name)
                .ok_or_else(ApiError::no_entity)?
                .current_value
                .clone();
            let range = from_body(call, &body, &name, current)?;
            t.number_ranges.insert(name, range);
            Ok(Reply::Empty(StatusCode::ACCEPTED))
        }
        (&Method::DELETE, true, 1) => {
            let name = call.key(0)?;
            t.number_ranges
                .remove(name)
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::Empty(StatusCode::ACCEPTED))
        }
        _ => Err(no_method(call)),
    }
}
