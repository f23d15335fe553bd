//! The OData v2 protocol as the emulator speaks it: resource paths with key predicates, query
//! options, entity and collection envelopes with `__metadata`, paging with `__next`, and the
//! error body (reference sections 3 and 12.1, 12.4-12.8).

use super::filter::{self, Filter};
use axum::http::StatusCode;
use cpi_gitops_wire::odata::ErrorBody;
use serde_json::{Map, Value, json};

/// One path segment: `IntegrationPackages('Orders')` is name `IntegrationPackages` with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub name: String,
    pub key: Option<Key>,
}

impl Segment {
    /// Whether this segment is exactly `name` without a key.
    pub fn is(&self, name: &str) -> bool {
        self.name == name && self.key.is_none()
    }
}

/// A key predicate: one unnamed value, or `name=value` pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(pub Vec<(Option<String>, String)>);

impl Key {
    /// The value of a single-value key, or of a one-pair named key.
    pub fn single(&self) -> Option<&str> {
        match self.0.as_slice() {
            [(_, v)] => Some(v),
            _ => None,
        }
    }

    /// The value of the named pair `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An error answer: status plus the message for the OData error body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, message)
    }
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, message)
    }
    /// The standard "entity not found" answer.
    pub fn no_entity() -> Self {
        Self::not_found("Requested entity could not be found.")
    }

    /// The JSON error body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody::new(
            self.status.canonical_reason().unwrap_or("Error"),
            self.message.clone(),
        )
    }
}

/// Work that finishes a reply after the tenant lock is released (building a zip).
pub struct Deferred(pub Box<dyn FnOnce() -> Reply + Send>);

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deferred")
    }
}

/// A successful answer.
#[derive(Debug)]
pub enum Reply {
    /// A JSON document.
    Json(StatusCode, Value),
    /// Raw bytes with a content type and extra headers.
    Raw {
        status: StatusCode,
        content_type: String,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    },
    /// No body.
    Empty(StatusCode),
    /// An answer computed once the tenant is unlocked.
    Later(Deferred),
}

impl Reply {
    /// `{"d": value}` with status 200.
    pub fn ok(value: Value) -> Reply {
        Reply::Json(StatusCode::OK, json!({ "d": value }))
    }
    /// `{"d": value}` with status 201.
    pub fn created(value: Value) -> Reply {
        Reply::Json(StatusCode::CREATED, json!({ "d": value }))
    }
    /// Plain text.
    pub fn text(status: StatusCode, text: impl Into<String>) -> Reply {
        Reply::Raw {
            status,
            content_type: "text/plain".into(),
            body: text.into().into_bytes(),
            headers: vec![],
        }
    }
    /// Bytes of a given type.
    pub fn bytes(content_type: &str, body: Vec<u8>) -> Reply {
        Reply::Raw {
            status: StatusCode::OK,
            content_type: content_type.into(),
            body,
            headers: vec![],
        }
    }
    /// An answer that `work` computes after the tenant lock is released.
    pub fn later(work: impl FnOnce() -> Reply + Send + 'static) -> Reply {
        Reply::Later(Deferred(Box::new(work)))
    }

    /// Computes a deferred answer; other answers are returned as they are.
    pub fn resolve(self) -> Reply {
        match self {
            Reply::Later(Deferred(work)) => work().resolve(),
            other => other,
        }
    }

    /// The status of this reply (deferred answers count as 200 until computed).
    pub fn status(&self) -> StatusCode {
        match self {
            Reply::Json(s, _) | Reply::Empty(s) => *s,
            Reply::Raw { status, .. } => *status,
            Reply::Later(_) => StatusCode::OK,
        }
    }
}

/// Result of a handler.
pub type ApiResult = Result<Reply, ApiError>;

/// Splits the path below `/api/v1/` into segments, percent-decoding each one and parsing its key.
pub fn parse_path(raw: &str) -> Result<Vec<Segment>, ApiError> {
    let mut segments = Vec::new();
    for part in raw.split('/').filter(|p| !p.is_empty()) {
        let decoded = percent_encoding::percent_decode_str(part)
            .decode_utf8()
            .map_err(|_| ApiError::bad_request(format!("path segment {part} is not UTF-8")))?;
        segments.push(parse_segment(&decoded)?);
    }
    Ok(segments)
}

fn parse_segment(s: &str) -> Result<Segment, ApiError> {
    let Some(open) = s.find('(') else {
        return Ok(Segment {
            name: s.to_string(),
            key: None,
        });
    };
    if !s.ends_with(')') {
        return Err(ApiError::bad_request(format!(
            "Invalid key predicate in '{s}'"
        )));
    }
    let name = s[..open].to_string();
    let inner = &s[open + 1..s.len() - 1];
    let key = parse_key(inner)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid key predicate in '{s}'")))?;
    Ok(Segment {
        name,
        key: Some(key),
    })
}

fn parse_key(inner: &str) -> Option<Key> {
    let chars: Vec<char> = inner.chars().collect();
    let mut pairs = Vec::new();
    let mut i = 0;
    loop {
        // optional `name=`
        let mut name = None;
        let start = i;
        while i < chars.len() && chars[i] != '=' && chars[i] != '\'' && chars[i] != ',' {
            i += 1;
        }
        if i < chars.len() && chars[i] == '=' {
            name = Some(
                chars[start..i]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string(),
            );
            i += 1;
        } else {
            i = start;
        }
        // value: quoted string or bare literal
        let value = if i < chars.len() && chars[i] == '\'' {
            i += 1;
            let mut v = String::new();
            loop {
                if i >= chars.len() {
                    return None;
                }
                if chars[i] == '\'' {
                    if i + 1 < chars.len() && chars[i + 1] == '\'' {
                        v.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                v.push(chars[i]);
                i += 1;
            }
            v
        } else {
            let s = i;
            while i < chars.len() && chars[i] != ',' {
                i += 1;
            }
            let v: String = chars[s..i].iter().collect::<String>().trim().to_string();
            let v = v.strip_suffix('L').unwrap_or(&v).to_string();
            if v.is_empty() {
                return None;
            }
            v
        };
        pairs.push((name, value));
        if i >= chars.len() {
            break;
        }
        if chars[i] != ',' {
            return None;
        }
        i += 1;
    }
    Some(Key(pairs))
}

/// Query options in request order, percent-decoded (`+` as space).
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Query {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode(k), decode(v)));
        }
        Query(pairs)
    }

    /// The value of option `name` (case-sensitive, as OData is).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A function-import parameter given as a quoted literal (`Id='Flow1'`), unquoted.
    pub fn literal(&self, name: &str) -> Option<String> {
        let v = self.get(name)?;
        Some(
            match v.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
                Some(inner) => inner.replace("''", "'"),
                None => v.to_string(),
            },
        )
    }

    /// A custom boolean option such as `update=true`.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.get(name).map(|v| v.eq_ignore_ascii_case("true"))
    }
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Percent-encodes a key value for use inside a URL (for `__metadata` and `__next`).
pub fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b'=')
        .remove(b',');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// `'value'` with inner quotes doubled, percent-encoded for a URL.
pub fn key_literal(value: &str) -> String {
    encode(&cpi_gitops_wire::odata::quote(value))
}

/// Builds `{"__metadata": ..., fields...}` for an entity at `path` (relative to the service root)
/// of `type_name`, with deferred navigations `navs`; `media` adds the media-link properties.
pub fn entity(
    base: &str,
    type_name: &str,
    path: &str,
    fields: Value,
    navs: &[&str],
    media: bool,
) -> Value {
    let uri = format!("{base}/{path}");
    let mut meta = Map::new();
    meta.insert("id".into(), json!(uri));
    meta.insert("uri".into(), json!(uri));
    meta.insert("type".into(), json!(format!("com.sap.hci.api.{type_name}")));
    if media {
        meta.insert("content_type".into(), json!("application/octet-stream"));
        meta.insert("media_src".into(), json!(format!("{uri}/$value")));
        meta.insert("edit_media".into(), json!(format!("{uri}/$value")));
    }
    let mut out = Map::new();
    out.insert("__metadata".into(), Value::Object(meta));
    if let Value::Object(fields) = fields {
        out.extend(fields);
    }
    for nav in navs {
        out.insert(
            (*nav).into(),
            json!({ "__deferred": { "uri": format!("{uri}/{nav}") } }),
        );
    }
    Value::Object(out)
}

/// A complex-typed property value with its own `__metadata` carrying only the type.
pub fn complex(type_name: &str, fields: Value) -> Value {
    let mut out = Map::new();
    out.insert(
        "__metadata".into(),
        json!({ "type": format!("com.sap.hci.api.{type_name}") }),
    );
    if let Value::Object(fields) = fields {
        out.extend(fields);
    }
    Value::Object(out)
}

/// Which query options and filter operators an entity set accepts (reference 3.6).
#[derive(Debug, Clone, Copy)]
pub struct QueryRules {
    /// Options answered with `501`.
    pub unsupported: &'static [&'static str],
    /// Filter operators allowed (`None`: all that the emulator knows).
    pub filter_ops: Option<&'static [&'static str]>,
    /// Properties that may not appear in `$filter`.
    pub unfilterable: &'static [&'static str],
}

impl QueryRules {
    /// No restrictions.
    pub const ALL: QueryRules = QueryRules {
        unsupported: &[],
        filter_ops: None,
        unfilterable: &[],
    };
}

/// The request facts a collection needs for paging.
pub struct Listing<'a> {
    /// Service root URL without trailing slash.
    pub base: &'a str,
    /// Path of the collection relative to the service root (for `__next`).
    pub path: &'a str,
    pub query: &'a Query,
    pub page_cap: usize,
    pub absolute_next: bool,
}

/// Answers a collection: `$filter`, `$orderby`, `$inlinecount`, `$skip`, `$top`, `$skiptoken`
/// with the page cap and `__next`, and `$select`; or `/$count` when `count` is set.
pub fn collection(
    listing: &Listing,
    items: Vec<Value>,
    rules: QueryRules,
    count: bool,
) -> ApiResult {
    let q = listing.query;
    for option in [
        "$filter",
        "$select",
        "$orderby",
        "$top",
        "$skip",
        "$inlinecount",
        "$expand",
    ] {
        if q.get(option).is_some() && rules.unsupported.contains(&option) {
            return Err(ApiError::not_implemented(format!(
                "The query option {option} is not supported for this entity set."
            )));
        }
    }
    let mut items = items;
    if let Some(expr) = q.get("$filter") {
        let parsed = Filter::parse(expr)
            .map_err(|e| ApiError::bad_request(format!("Invalid $filter: {e}")))?;
        filter::check(&parsed, rules.filter_ops, rules.unfilterable)
            .map_err(ApiError::bad_request)?;
        items.retain(|item| parsed.matches(item));
    }
    if count {
        return Ok(Reply::text(StatusCode::OK, items.len().to_string()));
    }
    if let Some(order) = q.get("$orderby") {
        let keys: Vec<(String, bool)> = order
            .split(',')
            .map(|part| {
                let mut words = part.split_whitespace();
                let prop = words.next().unwrap_or("").to_string();
                let desc = words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc"));
                (prop, desc)
            })
            .collect();
        items.sort_by(|a, b| {
            for (prop, desc) in &keys {
                let ord = compare(a.get(prop), b.get(prop));
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let total = items.len();
    let skip = number(q, "$skip")?.unwrap_or(0);
    let top = number(q, "$top")?;
    let window_end = top.map_or(total, |t| skip.saturating_add(t).min(total));
    let window_start = skip.min(total);
    let token = number(q, "$skiptoken")?.unwrap_or(0);
    let page_start = (window_start + token).min(window_end);
    let page_end = (page_start + listing.page_cap).min(window_end);
    let mut page: Vec<Value> = items.drain(page_start..page_end).collect();
    if let Some(select) = q.get("$select") {
        let props: Vec<&str> = select.split(',').map(str::trim).collect();
        if !props.contains(&"*") {
            for item in &mut page {
                if let Value::Object(map) = item {
                    map.retain(|k, _| k == "__metadata" || props.contains(&k.as_str()));
                }
            }
        }
    }
    let mut d = Map::new();
    d.insert("results".into(), Value::Array(page));
    if q.get("$inlinecount") == Some("allpages") {
        d.insert("__count".into(), json!(total.to_string()));
    }
    if page_end < window_end {
        let mut options: Vec<String> =
            q.0.iter()
                .filter(|(k, _)| k != "$skiptoken")
                .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
                .collect();
        options.push(format!("$skiptoken={}", token + listing.page_cap));
        let link = format!("{}?{}", listing.path, options.join("&"));
        let link = if listing.absolute_next {
            format!("{}/{}", listing.base, link)
        } else {
            link
        };
        d.insert("__next".into(), json!(link));
    }
    Ok(Reply::Json(StatusCode::OK, json!({ "d": d })))
}

fn encode_query(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'$')
        .remove(b'\'');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

fn number(q: &Query, name: &str) -> Result<Option<usize>, ApiError> {
    match q.get(name) {
        None => Ok(None),
        Some(v) => v
            .parse::<usize>()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("Invalid value '{v}' for {name}"))),
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => {
            match (x.parse::<i64>(), y.parse::<i64>()) {
                (Ok(i), Ok(j)) => i.cmp(&j),
                _ => x.cmp(y),
            }
        }
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Reads a JSON request body as an object.
pub fn json_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "Malformed request body: {e}"
        ))),
    }
}

/// A string property of a request body; `null` and absent give `None`.
pub fn string_field(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ApiError::bad_request(format!(
            "Property {name} must be a string, not {other}"
        ))),
    }
}

/// A required, non-empty string property.
pub fn required(body: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    match string_field(body, name)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::bad_request(format!(
            "Property {name} is required and must not be empty."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys() {
        let segs = parse_path("IntegrationDesigntimeArtifacts(Id='A%20B',Version='active')/$value")
            .unwrap();
        assert_eq!(segs[0].key.as_ref().unwrap().get("Id"), Some("A B"));
        assert_eq!(segs[1].name, "$value");
        let segs = parse_path("UserCredentials('O''Brien')").unwrap();
        assert_eq!(segs[0].key.as_ref().unwrap().single(), Some("O'Brien"));
        let segs = parse_path("AccessPolicies(101L)").unwrap();
        assert_eq!(segs[0].key.as_ref().unwrap().single(), Some("101"));
        let segs = parse_path("X('a,b)c')").unwrap();
        assert_eq!(segs[0].key.as_ref().unwrap().single(), Some("a,b)c"));
        assert!(parse_path("X('unterminated)").is_err());
    }

    #[test]
    fn query_literals() {
        let q = Query::parse(Some("Id=%27Flow1%27&Version='active'&x=a+b"));
        assert_eq!(q.literal("Id").as_deref(), Some("Flow1"));
        assert_eq!(q.literal("Version").as_deref(), Some("active"));
        assert_eq!(q.get("x"), Some("a b"));
    }
}
