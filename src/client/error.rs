//! [`ClientError`]: every way a request to a tenant can fail, naming the tenant and the request,
//! with the tenant's own explanation when it gave one.
//!
//! This module owns the error type and the reading of error bodies (OData `error.message.value`,
//! an OAuth `error_description`, or a short excerpt). It never holds a secret: requests carry
//! credentials only in headers, and no header value is ever copied into an error.

use reqwest::{Method, StatusCode};
use std::fmt;

/// What a request was: its method and its path relative to the API root as sent (already
/// percent-encoded), e.g. `GET IntegrationDesigntimeArtifacts(Id='X',Version='active')/$value`.
/// Requests outside the API (token endpoint, runtime endpoints) show their full URL or path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLabel {
    /// The HTTP method.
    pub method: Method,
    /// The path relative to the API root, or the URL for requests outside the API.
    pub path: String,
}

impl RequestLabel {
    /// A label for `method` on `path`.
    pub fn new(method: Method, path: impl Into<String>) -> RequestLabel {
        RequestLabel {
            method,
            path: path.into(),
        }
    }
}

impl fmt::Display for RequestLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// A failed request to a tenant.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The tenant (or its token endpoint) answered with a status that is not a success.
    #[error(
        "tenant `{tenant}`: {request} failed with {status}{}{}",
        message_suffix(.message.as_deref()),
        attempts_suffix(*.attempts)
    )]
    Http {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
        /// The status.
        status: StatusCode,
        /// The tenant's message: `error.message.value` of an OData error body, the
        /// `error_description` of an OAuth error, or a short excerpt of another body.
        message: Option<String>,
        /// Attempts made (more than one when the status was retried).
        attempts: u32,
    },
    /// No answer: connection refused, reset or closed, timeout, or a body cut short.
    #[error(
        "tenant `{tenant}`: {request} failed: {cause}{}",
        attempts_suffix(*.attempts)
    )]
    Transport {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
        /// The transport error and its causes, e.g. `error sending request: connection closed
        /// before message completed`.
        cause: String,
        /// Whether the last attempt timed out.
        timeout: bool,
        /// Attempts made.
        attempts: u32,
    },
    /// The tenant answered with success, but not with what the API reference says.
    #[error("tenant `{tenant}`: {request} answered something unexpected: {cause}")]
    Unexpected {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
        /// What was wrong.
        cause: String,
    },
    /// The request could not be built (a path that is not a valid URL, a link that leaves the
    /// API root).
    #[error("tenant `{tenant}`: {request} cannot be sent: {cause}")]
    InvalidRequest {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
        /// Why.
        cause: String,
    },
    /// The client configuration is not usable; the text names the tenant and the field.
    #[error("{0}")]
    Config(String),
}

fn message_suffix(message: Option<&str>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

fn attempts_suffix(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (gave up after {attempts} attempts)")
    } else {
        String::new()
    }
}

impl ClientError {
    /// The HTTP status of an [`ClientError::Http`] error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Http { status, .. } => Some(status.as_u16()),
            _ => None,
        }
    }

    /// The tenant's own message, when it gave one.
    pub fn tenant_message(&self) -> Option<&str> {
        match self {
            ClientError::Http { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The tenant's name (`None` for [`ClientError::Config`], whose text names it).
    pub fn tenant(&self) -> Option<&str> {
        match self {
            ClientError::Http { tenant, .. }
            | ClientError::Transport { tenant, .. }
            | ClientError::Unexpected { tenant, .. }
            | ClientError::InvalidRequest { tenant, .. } => Some(tenant),
            ClientError::Config(_) => None,
        }
    }

    /// The failed request (`None` for [`ClientError::Config`]).
    pub fn request(&self) -> Option<&RequestLabel> {
        match self {
            ClientError::Http { request, .. }
            | ClientError::Transport { request, .. }
            | ClientError::Unexpected { request, .. }
            | ClientError::InvalidRequest { request, .. } => Some(request),
            ClientError::Config(_) => None,
        }
    }

    /// Whether this is a `404 Not Found`.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

/// Longest body excerpt kept as a message when the body is not a known error format.
const EXCERPT_CHARS: usize = 200;

/// The message of an error body: OData `error.message.value`, OAuth `error_description` (or
/// `error`), else the first line of a text body, shortened. `None` for an empty or binary body.
pub(crate) fn message_of(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let odata = value
            .pointer("/error/message/value")
            .and_then(|v| v.as_str());
        let oauth = value
            .get("error_description")
            .or_else(|| value.get("error"))
            .and_then(|v| v.as_str());
        if let Some(m) = odata.or(oauth) {
            return Some(m.to_string());
        }
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    let mut excerpt: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(EXCERPT_CHARS + 1)
        .collect();
    if excerpt.chars().count() > EXCERPT_CHARS {
        excerpt = excerpt.chars().take(EXCERPT_CHARS).collect();
        excerpt.push('…');
    }
    Some(excerpt)
}

/// A transport error as one line: the error and each of its causes, without repeats.
pub(crate) fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_tenant_request_status_and_message() {
        let e = ClientError::Http {
            tenant: "primary".into(),
            request: RequestLabel::new(Method::GET, "IntegrationPackages('X')"),
            status: StatusCode::NOT_FOUND,
            message: Some("Requested entity could not be found.".into()),
            attempts: 1,
        };
        assert_eq!(
            e.to_string(),
            "tenant `primary`: GET IntegrationPackages('X') failed with 404 Not Found: \
             Requested entity could not be found."
        );
        assert_eq!(e.status(), Some(404));
        assert_eq!(
            e.tenant_message(),
            Some("Requested entity could not be found.")
        );
    }

    #[test]
    fn messages_come_from_odata_oauth_or_text() {
        let odata = br#"{"error":{"code":"Not Found","message":{"lang":"en","value":"gone"}}}"#;
        assert_eq!(message_of(odata).as_deref(), Some("gone"));
        let oauth = br#"{"error":"invalid_client","error_description":"bad client"}"#;
        assert_eq!(message_of(oauth).as_deref(), Some("bad client"));
        assert_eq!(
            message_of(b"CSRF token validation failed\n").as_deref(),
            Some("CSRF token validation failed")
        );
        assert_eq!(message_of(b""), None);
        assert_eq!(message_of(&[0xff, 0xfe, 0x00]), None);
        let long = "x".repeat(1000);
        assert_eq!(
            message_of(long.as_bytes()).map(|m| m.chars().count()),
            Some(EXCERPT_CHARS + 1)
        );
    }
}
