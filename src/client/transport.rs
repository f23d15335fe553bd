//! One request on the wire, repeated while the retry policy allows: the concurrency permit, the
//! headers, the body read, the counters and the debug log line of every attempt.
//!
//! A permit of the tenant's semaphore is held only while an attempt is on the wire (sending and
//! reading the body), never during a back-off sleep and never while waiting for a token. This
//! module knows nothing about credentials beyond the header values it is handed; refreshing
//! tokens and CSRF tokens is the job of `request.rs`. Logs carry method, path, status and attempt
//! number, never a header value or a body.

use super::config::RetryPolicy;
use super::error::{ClientError, RequestLabel, cause_chain};
use super::retry::{self, Attempts};
use super::stats::Counters;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use std::time::Duration;
use tokio::sync::Semaphore;

/// `Accept` of every API request: the API answers Atom/XML otherwise (reference 3.1).
pub(crate) const ACCEPT_JSON: &str = "application/json";
/// `Accept` of media downloads (`$value`): JSON first, so that errors come as OData JSON, and
/// anything else for the media itself (zip, PEM, text).
pub(crate) const ACCEPT_MEDIA: &str = "application/json, */*;q=0.1";
/// The CSRF header (reference 2.3).
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// A request body with its content type.
#[derive(Clone)]
pub(crate) struct Payload {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What to send, independent of credentials.
pub(crate) struct Request {
    pub method: Method,
    pub url: Url,
    pub label: RequestLabel,
    pub accept: &'static str,
    pub body: Option<Payload>,
    /// Whether the request may be repeated after a transport error or a 502/504, i.e. the
    /// server acting twice does no harm.
    pub safe: bool,
}

/// An answer, read completely.
pub(crate) struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Attempts it took.
    pub attempts: u32,
}

/// The wire side of one tenant: HTTP client, concurrency limit, retry policy, counters.
pub(crate) struct Transport {
    pub tenant: String,
    pub http: reqwest::Client,
    pub limit: Semaphore,
    pub policy: RetryPolicy,
    pub timeout: Duration,
    pub counters: Counters,
}

impl Transport {
    /// Sends `request` with the given `Authorization` and `X-CSRF-Token` values, repeating it on
    /// transient failures. Any HTTP answer is returned (the caller judges the status); only a
    /// transport failure that outlived the retries is an error.
    pub async fn run(
        &self,
        request: &Request,
        authorization: Option<&HeaderValue>,
        csrf: Option<&HeaderValue>,
    ) -> Result<Raw, ClientError> {
        let mut attempts = Attempts::start(self.policy);
        loop {
            let attempt = attempts.begin();
            let outcome = {
                let _permit =
                    self.limit
                        .acquire()
                        .await
                        .map_err(|_| ClientError::InvalidRequest {
                            tenant: self.tenant.clone(),
                            request: request.label.clone(),
                            cause: "the client is shutting down".into(),
                        })?;
                self.counters.request();
                self.once(request, authorization, csrf).await
            };
            match outcome {
                Ok((status, headers, body)) => {
                    tracing::debug!(
                        tenant = %self.tenant,
                        method = %request.label.method,
                        path = %request.label.path,
                        status = status.as_u16(),
                        attempt,
                        "tenant answered"
                    );
                    if retry::retryable_status(status, request.safe) {
                        if let Some(delay) = attempts.next_delay(retry::retry_after(&headers)) {
                            self.back_off(request, attempt, delay).await;
                            continue;
                        }
                    }
                    return Ok(Raw {
                        status,
                        headers,
                        body,
                        attempts: attempts.made(),
                    });
                }
                Err(error) => {
                    let error = error.without_url();
                    let cause = cause_chain(&error);
                    tracing::debug!(
                        tenant = %self.tenant,
                        method = %request.label.method,
                        path = %request.label.path,
                        attempt,
                        error = %cause,
                        "no answer"
                    );
                    if retry::retryable_transport(&error, request.safe) {
                        if let Some(delay) = attempts.next_delay(None) {
                            self.back_off(request, attempt, delay).await;
                            continue;
                        }
                    }
                    return Err(ClientError::Transport {
                        tenant: self.tenant.clone(),
                        request: request.label.clone(),
                        cause,
                        timeout: error.is_timeout(),
                        attempts: attempts.made(),
                    });
                }
            }
        }
    }

    /// Waits before a retry, holding no permit.
    async fn back_off(&self, request: &Request, attempt: u32, delay: Duration) {
        tracing::debug!(
            tenant = %self.tenant,
            method = %request.label.method,
            path = %request.label.path,
            attempt,
            delay_ms = delay.as_millis() as u64,
            "retrying after a transient failure"
        );
        self.counters.retry();
        tokio::time::sleep(delay).await;
    }

    /// One attempt: send, read the whole body.
    async fn once(
        &self,
        request: &Request,
        authorization: Option<&HeaderValue>,
        csrf: Option<&HeaderValue>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error> {
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone())
            .timeout(self.timeout)
            .header(ACCEPT, request.accept);
        if let Some(value) = authorization {
            builder = builder.header(AUTHORIZATION, value.clone());
        }
        if let Some(value) = csrf {
            builder = builder.header(CSRF_HEADER, value.clone());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, body.content_type.as_str())
                .body(body.bytes.clone());
        }
        let response = builder.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        self.counters.received(body.len());
        Ok((status, headers, body))
    }
}

/// A header value that never prints (credentials, tokens).
pub(crate) fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}
