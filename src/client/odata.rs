//! Generic reads and writes over the OData conventions of the API (reference 3): single
//! entities in their `{"d": ...}` envelope, `404` as `None`, `$value` media, and writes with any
//! body.
//!
//! Paths are relative to the API root and already percent-encoded (see [`super::paths`]).
//! Collections and `__next` are in `paging.rs`.

use super::error::{ClientError, RequestLabel, shorten};
use super::recovery;
use super::reply::{Body, Reply};
use super::transport::{ACCEPT_JSON, ACCEPT_MEDIA, Payload, Raw};
use super::{Client, Inner};
use crate::wire::odata::Envelope;
use reqwest::Method;
use serde::de::DeserializeOwned;

impl Client {
    /// `GET <api root>/<path>`, one entity: the `d` of `{"d": ...}`.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let inner = &self.inner;
        let request = inner.api_request(Method::GET, path, ACCEPT_JSON, None)?;
        let raw = inner.execute_ok(&request).await?;
        inner
            .decode::<Envelope<T>>(&request.label, &raw)
            .map(|e| e.d)
    }

    /// Like [`Client::get_json`], but `404` is `None`.
    pub async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, ClientError> {
        match self.get_json(path).await {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET <api root>/<path>` of a media resource (`$value`): the bytes exactly as served.
    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let inner = &self.inner;
        let request = inner.api_request(Method::GET, path, ACCEPT_MEDIA, None)?;
        Ok(inner.execute_ok(&request).await?.body)
    }

    /// A write (or any request) to `<api root>/<path>` with `body`. A status other than 2xx is an
    /// error; `PUT` and `DELETE` are repeated on transport errors, `POST`, `PATCH` and `MERGE`
    /// on `429`/`503`; a write cut by a connection reset is finished as `recovery.rs` says for
    /// its kind.
    pub async fn send(&self, method: Method, path: &str, body: Body) -> Result<Reply, ClientError> {
        let inner = &self.inner;
        let mut json = None;
        let payload = match body {
            Body::None => None,
            Body::Json(value) => {
                let bytes =
                    serde_json::to_vec(&value).map_err(|e| ClientError::InvalidRequest {
                        tenant: inner.name.clone(),
                        request: RequestLabel::new(method.clone(), path),
                        cause: format!("the body cannot be serialized: {e}"),
                    })?;
                json = Some(value);
                Some(Payload {
                    content_type: "application/json".into(),
                    bytes,
                })
            }
            Body::Bytes {
                content_type,
                bytes,
            } => Some(Payload {
                content_type,
                bytes,
            }),
        };
        let request = inner.api_request(method, path, ACCEPT_JSON, payload)?;
        let raw = match inner.execute(&request).await {
            Ok(raw) => raw,
            Err(cut @ ClientError::Transport { .. }) if !request.safe => {
                self.recover(&request, json.as_ref(), cut).await?
            }
            Err(e) => return Err(e),
        };
        let done = raw.status.is_success()
            || (raw.repeated_after_cut
                && recovery::done_by_first_attempt(&request.method, path, raw.status));
        if !done {
            return Err(inner.http_error(&request.label, raw));
        }
        inner.refuse_html(&request.label, &raw)?;
        Ok(Reply {
            status: raw.status,
            body: raw.body,
            headers: raw.headers,
        })
    }
}

impl Inner {
    /// Reads a JSON body as `T`.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        label: &RequestLabel,
        raw: &Raw,
    ) -> Result<T, ClientError> {
        serde_json::from_slice(&raw.body).map_err(|e| ClientError::Unexpected {
            tenant: self.name.clone(),
            request: label.clone(),
            cause: format!(
                "it answered {} with a body that is not the expected OData JSON ({e}){}",
                raw.status,
                excerpt(&raw.body)
            ),
        })
    }
}

/// `; it begins: `...`` with the first characters of a body that could not be read, secrets
/// masked; nothing for an empty or binary body.
fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(120)];
    match std::str::from_utf8(head) {
        Ok(text) if !text.trim().is_empty() => {
            let line = shorten(text);
            let line: String = line.chars().take(80).collect();
            format!("; it begins: `{line}`")
        }
        Ok(_) if body.is_empty() => "; the body is empty".into(),
        _ => String::new(),
    }
}
