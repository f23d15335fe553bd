//! When to repeat a request and how long to wait first (design.md section 7, API reference 3.10).
//!
//! Retried: `429`, `503` (the server did not act, so even `POST` may repeat), `502`, `504` and
//! transport errors (only for idempotent methods, since the server may have acted). Never other
//! statuses. The wait is exponential with jitter, or the `Retry-After` seconds when the tenant
//! sends them, bounded by [`RetryPolicy::max_attempts`] and [`RetryPolicy::max_total`]. This
//! module decides; the caller sleeps (without holding a concurrency permit).

use super::config::RetryPolicy;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

/// Whether repeating `method` cannot change the outcome on the server (RFC 9110 9.2.2).
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
    )
}

/// Whether an answer with `status` may be repeated. `safe`: the request may be repeated even
/// when the server might have acted on it (idempotent methods, token requests).
pub(crate) fn retryable_status(status: StatusCode, safe: bool) -> bool {
    match status.as_u16() {
        429 | 503 => true,
        502 | 504 => safe,
        _ => false,
    }
}

/// Whether a transport error may be repeated: never for a request that could not be built.
pub(crate) fn retryable_transport(error: &reqwest::Error, safe: bool) -> bool {
    safe && !error.is_builder() && !error.is_redirect()
}

/// `Retry-After` in seconds, when present and readable (HTTP dates are not used by the API).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// The retry bookkeeping of one request.
pub(crate) struct Attempts {
    policy: RetryPolicy,
    started: Instant,
    made: u32,
}

impl Attempts {
    /// Starts counting for one request.
    pub fn start(policy: RetryPolicy) -> Attempts {
        Attempts {
            policy,
            started: Instant::now(),
            made: 0,
        }
    }

    /// Records an attempt and returns its number (1 for the first).
    pub fn begin(&mut self) -> u32 {
        self.made += 1;
        self.made
    }

    /// Attempts made so far.
    pub fn made(&self) -> u32 {
        self.made
    }

    /// The wait before the next attempt, or `None` when the budget (attempts or total time) is
    /// spent. `retry_after` is the tenant's `Retry-After`, which replaces the back-off.
    pub fn next_delay(&self, retry_after: Option<Duration>) -> Option<Duration> {
        if self.made >= self.policy.max_attempts {
            return None;
        }
        let delay =
            retry_after.unwrap_or_else(|| backoff(&self.policy, self.made, fastrand::f64()));
        (self.started.elapsed() + delay <= self.policy.max_total).then_some(delay)
    }
}

/// The back-off after failed attempt number `failed` (1 for the first): `base * 2^(failed-1)`,
/// capped at `max_delay`, with "equal jitter" (half fixed, half random by `unit` in `[0, 1)`).
pub(crate) fn backoff(policy: &RetryPolicy, failed: u32, unit: f64) -> Duration {
    let exponent = failed.saturating_sub(1).min(30);
    let full = policy
        .base_delay
        .saturating_mul(1u32 << exponent)
        .min(policy.max_delay);
    let half = full / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_total: Duration::from_secs(60),
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let p = policy();
        assert_eq!(backoff(&p, 1, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(&p, 1, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(&p, 2, 1.0), Duration::from_millis(200));
        assert_eq!(backoff(&p, 3, 1.0), Duration::from_millis(350));
        assert_eq!(backoff(&p, 40, 1.0), Duration::from_millis(350));
    }

    #[test]
    fn attempts_are_bounded_by_count_and_total_time() {
        let mut a = Attempts::start(policy());
        for _ in 0..3 {
            a.begin();
            assert!(a.next_delay(None).is_some(), "retries remain");
        }
        a.begin();
        assert_eq!(a.next_delay(None), None, "max_attempts reached");

        let mut a = Attempts::start(policy());
        a.begin();
        assert_eq!(
            a.next_delay(Some(Duration::from_secs(61))),
            None,
            "a Retry-After beyond max_total ends the retries"
        );
        assert_eq!(
            a.next_delay(Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7)),
            "Retry-After is honoured"
        );
    }

    #[test]
    fn classification() {
        assert!(retryable_status(StatusCode::TOO_MANY_REQUESTS, false));
        assert!(retryable_status(StatusCode::SERVICE_UNAVAILABLE, false));
        assert!(!retryable_status(StatusCode::BAD_GATEWAY, false));
        assert!(retryable_status(StatusCode::GATEWAY_TIMEOUT, true));
        assert!(!retryable_status(StatusCode::NOT_FOUND, true));
        assert!(!retryable_status(StatusCode::INTERNAL_SERVER_ERROR, true));
        assert!(is_idempotent(&Method::PUT) && !is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
    }
}
