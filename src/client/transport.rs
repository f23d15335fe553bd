//! One request on the wire, repeated while the retry policy allows: the in-flight permit (and
//! the pause of the request's API area, `limiter.rs`), the headers, the body read (streamed, and
//! refused past `max_response_bytes`), the counters and the debug log line of every attempt.
//!
//! A permit is held only while an attempt is on the wire (sending and reading the body), never
//! during a back-off sleep and never while waiting for a token. This module knows nothing about
//! credentials beyond the header values it is handed; refreshing tokens and CSRF tokens is the
//! job of `request.rs`. Logs carry method, path, status and attempt number, never a header value
//! or a body.

use super::config::RetryPolicy;
use super::csrf::Csrf;
use super::error::{ClientError, RequestLabel, cause_chain};
use super::limiter::{Area, Limiter};
use super::retry::{self, Attempts, Next, Trouble};
use super::stats::Counters;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue,
};
use reqwest::{Method, StatusCode, Url};
use std::time::Duration;

/// `Accept` of every API request: the API answers Atom/XML otherwise (reference 3.1).
pub(crate) const ACCEPT_JSON: &str = "application/json";
/// `Accept` of media downloads (`$value`): JSON first, so that errors come as OData JSON, and
/// anything else for the media itself (zip, PEM, text).
pub(crate) const ACCEPT_MEDIA: &str = "application/json, */*;q=0.1";
/// The CSRF header (reference 2.3).
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// The `X-CSRF-Token` of a request.
#[derive(Clone, Copy)]
pub(crate) enum CsrfHeader<'a> {
    /// None.
    None,
    /// This value (`Fetch`).
    Value(&'a HeaderValue),
    /// The client's token at the moment the request goes on the wire, if it holds one.
    Current(&'a Csrf),
}

impl CsrfHeader<'_> {
    fn value(self) -> Option<HeaderValue> {
        match self {
            CsrfHeader::None => None,
            CsrfHeader::Value(v) => Some(v.clone()),
            CsrfHeader::Current(c) => c.current(),
        }
    }
}

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
    /// Its rate-limit group.
    pub area: Area,
}

/// An answer, read completely.
pub(crate) struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Attempts it took.
    pub attempts: u32,
    /// Whether an earlier attempt was cut by a transport error: the tenant may have acted on
    /// it already (a repeated `DELETE` then finds nothing to delete).
    pub repeated_after_cut: bool,
    /// Why the retries ended early, when they did.
    pub gave_up: Option<String>,
    /// The CSRF token the last attempt carried.
    pub csrf_sent: Option<HeaderValue>,
}

/// The wire side of one tenant: HTTP client, concurrency limit, retry policy, counters.
pub(crate) struct Transport {
    pub tenant: String,
    pub http: reqwest::Client,
    pub limiter: Limiter,
    pub policy: RetryPolicy,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    pub counters: Counters,
}

/// Why one attempt got no answer.
enum Failure {
    /// The transport failed.
    Transport(reqwest::Error),
    /// The answer was larger than the limit.
    TooLarge,
}

impl Transport {
    /// Sends `request` with the given `Authorization` and `X-CSRF-Token` values, repeating it on
    /// transient failures. Any HTTP answer is returned (the caller judges the status); only a
    /// transport failure that outlived the retries is an error. `urgent`: the repeat of a write
    /// the tenant refused for its session, sent before requests not yet sent.
    pub async fn run(
        &self,
        request: &Request,
        authorization: Option<&HeaderValue>,
        csrf: CsrfHeader<'_>,
        urgent: bool,
    ) -> Result<Raw, ClientError> {
        let mut attempts = Attempts::start(self.policy);
        let mut cut = false;
        loop {
            let attempt = attempts.begin();
            let (outcome, round, csrf_sent) = {
                let permit = self.limiter.acquire(request.area, urgent).await;
                if let CsrfHeader::Current(c) = csrf {
                    if c.fetching() {
                        // The session just ended and a new token is on its way: a write sent
                        // now would carry the old one and be refused. Wait for the new one,
                        // giving the slot back meanwhile (the fetch needs one).
                        drop(permit);
                        c.fetched().await;
                        attempts.unbegin();
                        continue;
                    }
                }
                self.counters.request();
                let csrf_sent = csrf.value();
                let outcome = self.once(request, authorization, csrf_sent.as_ref()).await;
                (outcome, permit.round, csrf_sent)
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
                    let mut gave_up = None;
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        let asked = retry::retry_after(&headers);
                        match attempts.next(Trouble::Throttled, asked) {
                            Next::Wait(delay) => {
                                self.limiter.throttled(request.area, round, delay);
                                self.back_off(request, attempt, delay).await;
                                continue;
                            }
                            Next::Stop => {}
                            Next::StopBecause(why) => gave_up = Some(why),
                        }
                    } else {
                        self.limiter.answered();
                        if retry::retryable_status(status, request.safe) {
                            match attempts.next(Trouble::Failed, retry::retry_after(&headers)) {
                                Next::Wait(delay) => {
                                    self.back_off(request, attempt, delay).await;
                                    continue;
                                }
                                Next::Stop => {}
                                Next::StopBecause(why) => gave_up = Some(why),
                            }
                        }
                    }
                    return Ok(Raw {
                        status,
                        headers,
                        body,
                        attempts: attempts.made(),
                        repeated_after_cut: cut,
                        gave_up,
                        csrf_sent,
                    });
                }
                Err(Failure::TooLarge) => {
                    return Err(ClientError::TooLarge {
                        tenant: self.tenant.clone(),
                        request: request.label.clone(),
                        limit: self.max_response_bytes,
                    });
                }
                Err(Failure::Transport(error)) => {
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
                        cut |= !error.is_connect();
                        if let Next::Wait(delay) = attempts.next(Trouble::Failed, None) {
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

    /// One attempt: send, then read the body as it streams in, up to the size limit.
    async fn once(
        &self,
        request: &Request,
        authorization: Option<&HeaderValue>,
        csrf: Option<&HeaderValue>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), Failure> {
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
        let mut response = builder.send().await.map_err(Failure::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let announced = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if announced.is_some_and(|n| n > self.max_response_bytes) {
            return Err(Failure::TooLarge);
        }
        let limit = usize::try_from(self.max_response_bytes).unwrap_or(usize::MAX);
        let mut body = Vec::with_capacity(
            announced
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0)
                .min(limit)
                .min(16 * 1024 * 1024),
        );
        while let Some(chunk) = response.chunk().await.map_err(Failure::Transport)? {
            self.counters.received(chunk.len());
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, headers, body))
    }
}

/// A header value that never prints (credentials, tokens).
pub(crate) fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}
