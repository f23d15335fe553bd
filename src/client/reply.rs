//! [`Body`] and [`Reply`]: what a write sends and what it gets back.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::fmt;

/// The body of a write. Its `Debug` shows only the kind and size: write bodies carry secrets
/// (passwords, client secrets, secure parameter values).
#[derive(Clone, Default)]
pub enum Body {
    /// No body.
    #[default]
    None,
    /// A JSON document, sent as `application/json`.
    Json(serde_json::Value),
    /// Raw bytes with their content type (certificates, `$batch`).
    Bytes {
        /// Its `Content-Type`.
        content_type: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::None => f.write_str("Body::None"),
            Body::Json(_) => f.write_str("Body::Json(<redacted>)"),
            Body::Bytes {
                content_type,
                bytes,
            } => write!(f, "Body::Bytes({content_type}, {} bytes)", bytes.len()),
        }
    }
}

/// A successful answer, read completely.
#[derive(Clone)]
pub struct Reply {
    /// The status (2xx).
    pub status: StatusCode,
    /// The body (empty for `202`/`204` answers).
    pub body: Vec<u8>,
    /// The headers.
    pub headers: HeaderMap,
}

impl Reply {
    /// The body as text, when it is UTF-8 (e.g. the task id of a deploy call).
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

impl fmt::Debug for Reply {
    /// Status, header names and body size only: headers may carry session cookies.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}
