//! One logical request: the credentials and CSRF token it needs, and their one-time repeats.
//!
//! - A bearer request answered `401` drops the token, gets a new one and is repeated once.
//! - A modifying request (`POST`, `PUT`, `PATCH`, `MERGE`, `DELETE`) carries `X-CSRF-Token`.
//!   Basic (session) clients fetch a token before their first write; bearer clients send one only
//!   after the tenant asked for it. A `403` with `X-CSRF-Token: Required` makes the client fetch a
//!   new token in a fresh session and repeat the request once; a `403` without it is final.
//!
//! Transient failures are repeated below this layer (`transport.rs`); statuses are turned into
//! [`ClientError`]s here.

use super::Inner;
use super::csrf;
use super::error::{ClientError, RequestLabel, message_of};
use super::retry;
use super::transport::{ACCEPT_JSON, CSRF_HEADER, Payload, Raw, Request, sensitive};
use reqwest::header::HeaderValue;
use reqwest::{Method, Url};

/// Whether `method` changes state and needs a CSRF token.
pub(crate) fn is_modifying(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl Inner {
    /// A request to `path` relative to the API root (already percent-encoded).
    pub(crate) fn api_request(
        &self,
        method: Method,
        path: &str,
        accept: &'static str,
        body: Option<Payload>,
    ) -> Result<Request, ClientError> {
        let path = path.trim_start_matches('/');
        let label = RequestLabel::new(method.clone(), path);
        let url = Url::parse(&format!("{}{path}", self.api_base)).map_err(|e| {
            ClientError::InvalidRequest {
                tenant: self.name.clone(),
                request: label.clone(),
                cause: format!("not a valid URL: {e}"),
            }
        })?;
        Ok(Request {
            safe: retry::is_idempotent(&method),
            method,
            url,
            label,
            accept,
            body,
        })
    }

    /// Sends `request` with credentials and, for writes, a CSRF token; any HTTP answer is
    /// returned.
    pub(crate) async fn execute(&self, request: &Request) -> Result<Raw, ClientError> {
        if !is_modifying(&request.method) {
            return self.authorized(request, None).await;
        }
        let mut token = if self.auth.is_session() {
            Some(self.csrf_token(None).await?)
        } else {
            self.csrf.current().await
        };
        let raw = self.authorized(request, token.as_ref()).await?;
        if !csrf::is_required(raw.status, &raw.headers) {
            return Ok(raw);
        }
        tracing::debug!(
            tenant = %self.name,
            method = %request.label.method,
            path = %request.label.path,
            "CSRF token required; fetching a new one"
        );
        token = Some(self.csrf_token(token.as_ref()).await?);
        self.authorized(request, token.as_ref()).await
    }

    /// Sends `request` with the `Authorization` header, renewing a refused bearer token once.
    pub(crate) async fn authorized(
        &self,
        request: &Request,
        csrf: Option<&HeaderValue>,
    ) -> Result<Raw, ClientError> {
        let authorization = self.auth.header(&self.transport).await?;
        let raw = self
            .transport
            .run(request, Some(&authorization), csrf)
            .await?;
        if raw.status != reqwest::StatusCode::UNAUTHORIZED || !self.auth.is_bearer() {
            return Ok(raw);
        }
        tracing::debug!(
            tenant = %self.name,
            method = %request.label.method,
            path = %request.label.path,
            "bearer token refused; fetching a new one"
        );
        self.auth.invalidate(&authorization).await;
        let authorization = self.auth.header(&self.transport).await?;
        self.transport
            .run(request, Some(&authorization), csrf)
            .await
    }

    /// The CSRF token to send, fetched when none is held or `refused` is the held one.
    async fn csrf_token(&self, refused: Option<&HeaderValue>) -> Result<HeaderValue, ClientError> {
        self.csrf.token(refused, || self.fetch_csrf()).await
    }

    /// `GET <api root>/` with `X-CSRF-Token: Fetch`; the session cookies land in the jar.
    async fn fetch_csrf(&self) -> Result<HeaderValue, ClientError> {
        let request = Request {
            method: Method::GET,
            url: self.api_base.clone(),
            label: RequestLabel::new(Method::GET, "/ (CSRF token fetch)"),
            accept: ACCEPT_JSON,
            body: None,
            safe: true,
        };
        let fetch = HeaderValue::from_static("Fetch");
        let raw = self.authorized(&request, Some(&fetch)).await?;
        if !raw.status.is_success() {
            return Err(self.http_error(&request.label, raw));
        }
        raw.headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("required"))
            .and_then(sensitive)
            .ok_or_else(|| ClientError::Unexpected {
                tenant: self.name.clone(),
                request: request.label.clone(),
                cause: "the answer carries no X-CSRF-Token header".into(),
            })
    }

    /// The error for an answer whose status is not a success.
    pub(crate) fn http_error(&self, label: &RequestLabel, raw: Raw) -> ClientError {
        ClientError::Http {
            tenant: self.name.clone(),
            request: label.clone(),
            status: raw.status,
            message: message_of(&raw.body),
            attempts: raw.attempts,
        }
    }

    /// Sends `request` and insists on a success status.
    pub(crate) async fn execute_ok(&self, request: &Request) -> Result<Raw, ClientError> {
        let raw = self.execute(request).await?;
        if raw.status.is_success() {
            Ok(raw)
        } else {
            Err(self.http_error(&request.label, raw))
        }
    }
}
