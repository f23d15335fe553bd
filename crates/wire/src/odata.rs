//! OData v2 conventions of the service: envelopes, the error body, key literals, dates.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

/// `{"d": ...}`, the outer object of every JSON reply.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    pub d: T,
}

/// The payload of a collection reply: `{"results": [...], "__next": ..., "__count": ...}`.
#[derive(Debug, Deserialize)]
pub struct Collection<T> {
    /// One page of entries.
    pub results: Vec<T>,
    /// Link to the next page when the server truncated the result (absolute or relative).
    #[serde(rename = "__next", default)]
    pub next: Option<String>,
    /// Total count, a string, only with `$inlinecount=allpages`.
    #[serde(rename = "__count", default)]
    pub count: Option<String>,
}

/// `{"error": {"code": ..., "message": {"lang": ..., "value": ...}}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// The inner object of [`ErrorBody`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Usually the HTTP reason phrase; not guaranteed to match the status.
    pub code: String,
    /// The human-readable message.
    pub message: ErrorMessage,
}

/// The message of an [`ErrorDetail`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorMessage {
    /// Language tag, `en`.
    #[serde(default)]
    pub lang: String,
    /// The text to show.
    pub value: String,
}

impl ErrorBody {
    /// An error body with `code` and message `value` in English.
    pub fn new(code: impl Into<String>, value: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: ErrorMessage {
                    lang: "en".into(),
                    value: value.into(),
                },
            },
        }
    }
}

/// A to-many navigation property as read: `{"results": [...]}` when expanded, or
/// `{"__deferred": {...}}` (read as empty) when not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded<T>(pub Option<Vec<T>>);

impl<T> Default for Expanded<T> {
    fn default() -> Self {
        Expanded(None)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Expanded<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Results<T> {
            results: Vec<T>,
        }
        let value = serde_json::Value::deserialize(deserializer)?;
        match value {
            serde_json::Value::Array(_) => serde_json::from_value(value)
                .map(|v| Expanded(Some(v)))
                .map_err(serde::de::Error::custom),
            serde_json::Value::Object(ref map) if map.contains_key("results") => {
                serde_json::from_value::<Results<T>>(value)
                    .map(|r| Expanded(Some(r.results)))
                    .map_err(serde::de::Error::custom)
            }
            _ => Ok(Expanded(None)),
        }
    }
}

/// A string key as an OData literal: `'O''Brien'` for `O'Brien` (not yet percent-encoded).
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// An Edm.DateTime in JSON form, `/Date(<ms>)/`.
pub fn date(ms: i64) -> String {
    format!("/Date({ms})/")
}

/// Reads an Edm.DateTime: `/Date(ms)/`, `/Date(ms+0000)/`, or ISO-8601 without zone (UTC).
pub fn parse_date(s: &str) -> Option<i64> {
    if let Some(inner) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        let digits_end = inner
            .char_indices()
            .find(|&(i, c)| i > 0 && (c == '+' || c == '-'))
            .map_or(inner.len(), |(i, _)| i);
        return inner[..digits_end].parse().ok();
    }
    let format = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    let t = time::PrimitiveDateTime::parse(s.trim_end_matches('Z'), &format).ok()?;
    Some((t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_double_inner_quotes() {
        assert_eq!(quote("O'Brien"), "'O''Brien'");
    }

    #[test]
    fn parses_all_date_forms() {
        assert_eq!(parse_date("/Date(1700000000000)/"), Some(1_700_000_000_000));
        assert_eq!(
            parse_date("/Date(1700000000000+0000)/"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_date("2023-11-14T22:13:20.00"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_date("2023-11-14T22:13:20"), Some(1_700_000_000_000));
        assert_eq!(parse_date("nonsense"), None);
    }

    #[test]
    fn expanded_reads_all_forms() {
        let e: Expanded<u32> = serde_json::from_str(r#"{"results":[1,2]}"#).unwrap();
        assert_eq!(e.0, Some(vec![1, 2]));
        let e: Expanded<u32> = serde_json::from_str(r#"{"__deferred":{"uri":"x"}}"#).unwrap();
        assert_eq!(e.0, None);
        let e: Expanded<u32> = serde_json::from_str("[3]").unwrap();
        assert_eq!(e.0, Some(vec![3]));
    }
}
