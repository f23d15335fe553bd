//! Builders of request paths relative to the API root, percent-encoded (API reference 3.5).
//!
//! Every key and query value that comes from a tenant or a user goes through [`key`] or
//! [`query_value`], so that any name (spaces, quotes, `/`, `#`, `?`, `&`, `%`, non-ASCII) reaches
//! the tenant intact. This module only builds strings; it sends nothing.

use crate::wire::designtime::ArtifactKind;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Bytes encoded inside a key literal or a query value: everything except the unreserved
/// characters of RFC 3986 and the quote that delimits OData literals.
const LITERAL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'\'');

/// Percent-encodes `value` for use inside a path segment or a query value (no quoting).
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, LITERAL).to_string()
}

/// A string key as a quoted OData literal, quotes doubled, percent-encoded:
/// `key("A B") == "'A%20B'"`, `key("O'Brien") == "'O''Brien'"`.
pub fn key(value: &str) -> String {
    encode(&crate::wire::odata::quote(value))
}

/// An entity by its single string key: `entity("UserCredentials", "a b")` is
/// `UserCredentials('a%20b')`.
pub fn entity(set: &str, id: &str) -> String {
    format!("{set}({})", key(id))
}

/// An entity by a composite key, pairs in metadata order:
/// `IntegrationDesigntimeArtifacts(Id='X',Version='active')`.
pub fn composite(set: &str, pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", key(value)))
        .collect();
    format!("{set}({})", inner.join(","))
}

/// The current version of a design-time artifact:
/// `IntegrationDesigntimeArtifacts(Id='..',Version='active')`.
pub fn artifact(kind: ArtifactKind, id: &str) -> String {
    composite(kind.entity_set(), &[("Id", id), ("Version", "active")])
}

/// The artifact zip of the current version: `<artifact(kind, id)>/$value`.
pub fn artifact_content(kind: ArtifactKind, id: &str) -> String {
    format!("{}/$value", artifact(kind, id))
}

/// A query value, percent-encoded (custom options such as `?keystoreName=system`).
pub fn query_value(value: &str) -> String {
    encode(value)
}

/// A `$filter` option testing one property for equality with a string:
/// `filter_eq("Pid", "A B") == "$filter=Pid%20eq%20'A%20B'"`.
pub fn filter_eq(property: &str, value: &str) -> String {
    format!("$filter={}%20eq%20{}", encode(property), key(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_quoted_doubled_and_encoded() {
        assert_eq!(key("A B"), "'A%20B'");
        assert_eq!(key("O'Brien"), "'O''Brien'");
        assert_eq!(key("a/b#c?d&e%f"), "'a%2Fb%23c%3Fd%26e%25f'");
        assert_eq!(key("Grüße"), "'Gr%C3%BC%C3%9Fe'");
        assert_eq!(key("x.y_z-1~"), "'x.y_z-1~'");
    }

    #[test]
    fn artifact_paths_use_metadata_key_order() {
        assert_eq!(
            artifact(ArtifactKind::IntegrationFlow, "Flow 1"),
            "IntegrationDesigntimeArtifacts(Id='Flow%201',Version='active')"
        );
        assert_eq!(
            artifact_content(ArtifactKind::ValueMapping, "VM"),
            "ValueMappingDesigntimeArtifacts(Id='VM',Version='active')/$value"
        );
        assert_eq!(
            composite("StringParameters", &[("Pid", "P"), ("Id", "a'b")]),
            "StringParameters(Pid='P',Id='a''b')"
        );
        assert_eq!(entity("UserCredentials", "x"), "UserCredentials('x')");
    }

    #[test]
    fn filters_are_encoded() {
        assert_eq!(filter_eq("Pid", "A B"), "$filter=Pid%20eq%20'A%20B'");
        assert_eq!(query_value("a&b=c"), "a%26b%3Dc");
    }
}
