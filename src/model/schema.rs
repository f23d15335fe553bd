//! The schema of a state file: which fields it must have and of which JSON type, checked before
//! anything is written to a tenant. Each kind declares its fields beside its code
//! ([`super::Spec::schema`], in [`super::kinds`]); fields a schema does not name are kept and
//! passed through (tenants add properties over time), never refused.
//!
//! [`parse`] reads a state file strictly: JSON whose objects have no key twice (a hand edit that
//! repeats a key would otherwise keep the last value silently).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// A JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Str,
    /// A string or `null`.
    OptStr,
    /// `true` or `false`.
    Bool,
    /// `true`, `false` or `null`.
    OptBool,
    /// An integer, or `null`.
    OptInt,
    /// A list of objects, each with these fields.
    List(&'static [Field]),
}

impl Ty {
    fn describe(self) -> &'static str {
        match self {
            Ty::Str => "a string",
            Ty::OptStr => "a string or null",
            Ty::Bool => "true or false",
            Ty::OptBool => "true, false or null",
            Ty::OptInt => "a whole number or null",
            Ty::List(_) => "a list of objects",
        }
    }

    fn fits(self, v: &Value) -> bool {
        match self {
            Ty::Str => v.is_string(),
            Ty::OptStr => v.is_string() || v.is_null(),
            Ty::Bool => v.is_boolean(),
            Ty::OptBool => v.is_boolean() || v.is_null(),
            Ty::OptInt => v.is_i64() || v.is_u64() || v.is_null(),
            Ty::List(_) => v.is_array(),
        }
    }
}

/// One field of a state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// Whether it must be there.
    pub required: bool,
}

/// A required field.
pub const fn required(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}

/// A field that may be left out.
pub const fn optional(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

/// What is wrong with a state file: the field (`CustomParameters[1].Key` for nested ones) and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field.
    pub field: String,
    /// What is wrong with it, and what it must be.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.message)
    }
}

/// A short rendering of a value for messages (strings quoted, long values cut).
fn shown(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// Checks `value` (an object) against `fields`.
pub fn check(fields: &[Field], value: &Value) -> Result<(), Problem> {
    check_at("", fields, value)
}

fn check_at(prefix: &str, fields: &[Field], value: &Value) -> Result<(), Problem> {
    let Value::Object(map) = value else {
        return Err(Problem {
            field: prefix.trim_end_matches('.').to_string(),
            message: format!("must be a JSON object, found {}", shown(value)),
        });
    };
    for f in fields {
        let name = format!("{prefix}{}", f.name);
        match map.get(f.name) {
            None if f.required => {
                return Err(Problem {
                    field: name,
                    message: format!("is missing; it must be {}", f.ty.describe()),
                });
            }
            None => {}
            Some(v) if !f.ty.fits(v) => {
                return Err(Problem {
                    field: name,
                    message: format!("must be {}, found {}", f.ty.describe(), shown(v)),
                });
            }
            Some(Value::Array(items)) => {
                if let Ty::List(inner) = f.ty {
                    for (i, item) in items.iter().enumerate() {
                        check_at(&format!("{name}[{i}]."), inner, item)?;
                    }
                }
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Parses a state file's JSON, refusing an object that has a key twice.
pub fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<Strict>(bytes).map(|s| s.0)
}

/// A JSON value whose objects have no key twice.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "the key `{key}` appears twice in one object"
                )));
            }
            let Strict(v) = access.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PARAM: &[Field] = &[required("Key", Ty::Str), optional("Value", Ty::OptStr)];
    const FIELDS: &[Field] = &[
        required("Name", Ty::Str),
        required("Deployed", Ty::Bool),
        optional("Size", Ty::OptInt),
        optional("Params", Ty::List(PARAM)),
    ];

    #[test]
    fn fields_are_required_and_typed_and_others_pass() {
        let ok = json!({"Name": "x", "Deployed": true, "Later": {"added": 1}});
        assert_eq!(check(FIELDS, &ok), Ok(()));
        let missing = check(FIELDS, &json!({"Name": "x"})).unwrap_err();
        assert_eq!(missing.field, "Deployed");
        assert!(missing.message.contains("missing"), "{missing}");
        let wrong = check(FIELDS, &json!({"Name": "x", "Deployed": "yes"})).unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "field `Deployed`: must be true or false, found \"yes\""
        );
        let nested = check(
            FIELDS,
            &json!({"Name": "x", "Deployed": false, "Params": [{"Key": "a"}, {"Key": 5}]}),
        )
        .unwrap_err();
        assert_eq!(nested.field, "Params[1].Key");
        assert!(check(FIELDS, &json!([])).is_err());
    }

    #[test]
    fn duplicate_keys_are_refused() {
        assert_eq!(
            parse(br#"{"a": {"b": [1, null, "x"]}}"#).unwrap(),
            json!({"a": {"b": [1, null, "x"]}})
        );
        let err = parse(b"{\n  \"Name\": \"a\",\n  \"Name\": \"b\"\n}")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`Name` appears twice") && err.contains("line 3"),
            "{err}"
        );
        assert!(parse(br#"{"a": [{"k": 1, "k": 2}]}"#).is_err());
    }
}
