//! One logical request: the credentials and CSRF token it needs, and their repeats.
//!
//! - A bearer request answered `401` drops the token, gets a new one and is repeated once; a
//!   second `401` is [`ClientError::TokenRefused`].
//! - A modifying request (`POST`, `PUT`, `PATCH`, `MERGE`, `DELETE`) carries `X-CSRF-Token`.
//!   Basic (session) clients fetch a token before their first write; bearer clients send one only
//!   after the tenant asked for it. A session can end at any moment (a timeout, or a request
//!   landing on another instance of the tenant): a `403` with `X-CSRF-Token: Required` makes the
//!   client fetch a new token in a fresh session and repeat the request, up to
//!   [`CSRF_REPEATS`] times, then [`ClientError::CsrfRefused`]. Requests refused at the same time
//!   share one fetch. A `403` without the header is final.
//! - An answer that is an HTML page (a sign-in page or a proxy's error page in front of the
//!   tenant) is never taken for the API's answer.
//!
//! Transient failures are repeated below this layer (`transport.rs`); statuses are turned into
//! [`ClientError`]s here.

use super::Inner;
use super::csrf;
use super::error::{ClientError, RequestLabel, looks_like_html, message_of};
use super::limiter::Area;
use super::retry;
use super::transport::{ACCEPT_JSON, CSRF_HEADER, CsrfHeader, Payload, Raw, Request, sensitive};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};

/// How often one write is repeated with a fresh CSRF token after `403` + `X-CSRF-Token:
/// Required` (the refusal after the last repeat is an error).
pub(crate) const CSRF_REPEATS: u32 = 3;

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
            area: Area::of(path),
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
            return self.authorized(request, CsrfHeader::None, false).await;
        }
        if self.auth.is_session() && self.csrf.current().is_none() {
            self.csrf_token(None).await?;
        }
        let mut refusals = 0;
        loop {
            let raw = self
                .authorized(request, CsrfHeader::Current(&self.csrf), refusals > 0)
                .await?;
            if !csrf::is_required(raw.status, &raw.headers) {
                return Ok(raw);
            }
            refusals += 1;
            if refusals > CSRF_REPEATS {
                return Err(ClientError::CsrfRefused {
                    tenant: self.name.clone(),
                    request: request.label.clone(),
                    refusals,
                });
            }
            tracing::debug!(
                tenant = %self.name,
                method = %request.label.method,
                path = %request.label.path,
                refusals,
                "CSRF token refused; fetching a new one"
            );
            self.csrf_token(raw.csrf_sent.as_ref()).await?;
        }
    }

    /// Sends `request` with the `Authorization` header, renewing a refused bearer token once.
    /// `urgent`: a repeat after a CSRF refusal, sent before requests not yet sent.
    pub(crate) async fn authorized(
        &self,
        request: &Request,
        csrf: CsrfHeader<'_>,
        urgent: bool,
    ) -> Result<Raw, ClientError> {
        let authorization = self.auth.header(&self.transport).await?;
        let raw = self
            .transport
            .run(request, Some(&authorization), csrf, urgent)
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
        let raw = self
            .transport
            .run(request, Some(&authorization), csrf, urgent)
            .await?;
        if raw.status == reqwest::StatusCode::UNAUTHORIZED {
            self.auth.invalidate(&authorization).await;
            return Err(ClientError::TokenRefused {
                tenant: self.name.clone(),
                request: request.label.clone(),
            });
        }
        Ok(raw)
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
            area: Area::Other,
        };
        let fetch = HeaderValue::from_static("Fetch");
        // Urgent: writes refused for their session wait for this token.
        let raw = self
            .authorized(&request, CsrfHeader::Value(&fetch), true)
            .await?;
        if !raw.status.is_success() {
            return Err(self.http_error(&request.label, raw));
        }
        self.refuse_html(&request.label, &raw)?;
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
            gave_up: raw.gave_up.map(String::into_boxed_str),
        }
    }

    /// Refuses a successful answer that is an HTML page: the API answers JSON, zips and PEM,
    /// never HTML; such a page comes from a sign-in service or a proxy in front of the tenant.
    pub(crate) fn refuse_html(&self, label: &RequestLabel, raw: &Raw) -> Result<(), ClientError> {
        let html_type = raw
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/html"));
        if !html_type && !looks_like_html(&raw.body) {
            return Ok(());
        }
        let page = match message_of(&raw.body) {
            Some(m) if m.starts_with("an HTML page") => m,
            Some(m) => format!("an HTML page (`{m}`)"),
            None => "an empty HTML page".into(),
        };
        Err(ClientError::Unexpected {
            tenant: self.name.clone(),
            request: label.clone(),
            cause: format!(
                "it answered {} with {page} instead of the API's answer (a sign-in page or a proxy's error page in front of the tenant?); check the tenant's url and credentials",
                raw.status
            ),
        })
    }

    /// Sends `request` and insists on a success status that is not an HTML page.
    pub(crate) async fn execute_ok(&self, request: &Request) -> Result<Raw, ClientError> {
        let raw = self.execute(request).await?;
        if raw.status.is_success() {
            self.refuse_html(&request.label, &raw)?;
            Ok(raw)
        } else {
            Err(self.http_error(&request.label, raw))
        }
    }
}
