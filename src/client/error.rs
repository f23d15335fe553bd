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
        "tenant `{tenant}`: {request} failed with {status}{}{}{}",
        status_note(*.status),
        message_suffix(.message.as_deref()),
        retry_suffix(*.attempts, .gave_up.as_deref())
    )]
    Http {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
        /// The status.
        status: StatusCode,
        /// The tenant's message: `error.message.value` of an OData error body, the
        /// `error_description` of an OAuth error, or a short excerpt of another body; secrets
        /// known to the run are masked and the text is cut short.
        message: Option<String>,
        /// Attempts made (more than one when the status was retried).
        attempts: u32,
        /// Why the retries ended early, when not for the attempt count (a `Retry-After` beyond
        /// the retry budget).
        gave_up: Option<Box<str>>,
    },
    /// No answer: connection refused, reset or closed, timeout, or a body cut short.
    #[error(
        "tenant `{tenant}`: {request} failed: {cause}{}",
        retry_suffix(*.attempts, None)
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
    /// A write was refused for its CSRF token again and again, each time with a fresh token
    /// (API reference 2.3): the tenant's sessions end faster than a write can use them.
    #[error(
        "tenant `{tenant}`: {request} was refused {refusals} times for its CSRF token (403 with X-CSRF-Token: Required), each time with a token fetched in a fresh session"
    )]
    CsrfRefused {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
        /// How often it was refused.
        refusals: u32,
    },
    /// A bearer token issued just now was refused with `401` (API reference 2.4).
    #[error(
        "tenant `{tenant}`: {request} failed with 401 Unauthorized although its OAuth token was fetched again just before: the tenant does not accept tokens of this client"
    )]
    TokenRefused {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
    },
    /// The answer is larger than `max_response_bytes`.
    #[error(
        "tenant `{tenant}`: {request} answered more than {} (max_response_bytes); the answer was refused",
        human_size(*.limit)
    )]
    TooLarge {
        /// The tenant.
        tenant: String,
        /// The request.
        request: RequestLabel,
        /// The limit in bytes.
        limit: u64,
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

/// What a status means on this API when the tenant says nothing more.
fn status_note(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => " (the tenant refused the credentials)",
        403 => {
            " (not a CSRF refusal: the user lacks a role for this request, or an access policy protects the object)"
        }
        _ => "",
    }
}

fn message_suffix(message: Option<&str>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

fn retry_suffix(attempts: u32, gave_up: Option<&str>) -> String {
    match gave_up {
        Some(why) => format!(" (gave up after {attempts} attempts: {why})"),
        None if attempts > 1 => format!(" (gave up after {attempts} attempts)"),
        None => String::new(),
    }
}

/// `512 MiB`, `64 KiB`, `100 bytes`.
pub(crate) fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    match bytes {
        b if b >= KIB * KIB * KIB && b % (KIB * KIB * KIB) == 0 => {
            format!("{} GiB", b / KIB.pow(3))
        }
        b if b >= KIB * KIB && b % (KIB * KIB) == 0 => format!("{} MiB", b / (KIB * KIB)),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

impl ClientError {
    /// The HTTP status of an [`ClientError::Http`] error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Http { status, .. } => Some(status.as_u16()),
            ClientError::TokenRefused { .. } => Some(401),
            ClientError::CsrfRefused { .. } => Some(403),
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
            | ClientError::CsrfRefused { tenant, .. }
            | ClientError::TokenRefused { tenant, .. }
            | ClientError::TooLarge { tenant, .. }
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
            | ClientError::CsrfRefused { request, .. }
            | ClientError::TokenRefused { request, .. }
            | ClientError::TooLarge { request, .. }
            | ClientError::Unexpected { request, .. }
            | ClientError::InvalidRequest { request, .. } => Some(request),
            ClientError::Config(_) => None,
        }
    }

    /// Whether this is a `404 Not Found`.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// What the user can do about it, when the error itself does not say.
    pub fn hint(&self) -> Option<String> {
        match self {
            ClientError::TooLarge { .. } => Some(
                "raise max_response_bytes in cpi-gitops.toml if the tenant really holds an object that large".into(),
            ),
            ClientError::CsrfRefused { .. } => Some(
                "the tenant's sessions end too quickly (a load balancer without sticky sessions?); lower the concurrency, or use OAuth client credentials, whose writes need no session".into(),
            ),
            ClientError::TokenRefused { .. } => Some(
                "check that the service key belongs to this tenant and that its client has the API roles".into(),
            ),
            ClientError::Http { status, .. } if status.as_u16() == 401 => {
                Some("check the tenant's credentials in the environment".into())
            }
            _ => None,
        }
    }
}

/// Longest tenant message kept (a tenant may repeat a whole request body in its error).
const EXCERPT_CHARS: usize = 300;

/// The message of an error body: OData `error.message.value`, OAuth `error_description` (or
/// `error`), the title of an HTML page, else the first lines of a text body. Secrets known to
/// the run are masked first ([`crate::redact`]), then the text is cut to a few hundred
/// characters. `None` for an empty or binary body.
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
            return Some(shorten(m));
        }
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(title) = html_title(text) {
        return Some(format!("an HTML page titled `{}`", shorten(&title)));
    }
    Some(shorten(text))
}

/// `text` on one line, secrets masked, without control characters, cut to [`EXCERPT_CHARS`].
pub(crate) fn shorten(text: &str) -> String {
    let redacted = crate::redact::redact(text);
    let line: String = redacted
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(EXCERPT_CHARS + 1)
        .collect();
    if line.chars().count() > EXCERPT_CHARS {
        let mut cut: String = line.chars().take(EXCERPT_CHARS).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

/// Whether a body looks like an HTML page (a sign-in page, a proxy's error page).
pub(crate) fn looks_like_html(body: &[u8]) -> bool {
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// The `<title>` of an HTML page.
fn html_title(text: &str) -> Option<String> {
    if !looks_like_html(text.as_bytes()) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let end = open_end + lower[open_end..].find("</title")?;
    let title = text.get(open_end..end)?.trim();
    Some(if title.is_empty() {
        "(no title)".to_string()
    } else {
        title.to_string()
    })
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
            gave_up: None,
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
        let echoed = format!(
            r#"{{"error":{{"code":"Bad Request","message":{{"lang":"en","value":"{}"}}}}}}"#,
            "y".repeat(5000)
        );
        assert_eq!(
            message_of(echoed.as_bytes()).map(|m| m.chars().count()),
            Some(EXCERPT_CHARS + 1),
            "an OData message is cut short too"
        );
        assert_eq!(
            message_of(b"\n<!DOCTYPE html><html><head><TITLE> Sign in </TITLE></head><body>...")
                .as_deref(),
            Some("an HTML page titled `Sign in`")
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(512 * 1024 * 1024), "512 MiB");
        assert_eq!(human_size(64 * 1024), "64 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
