//! When to repeat a request and how long to wait first (design.md section 7, API reference 3.10).
//!
//! Retried: `429`, `503` (the server did not act, so even `POST` may repeat), `502`, `504` and
//! transport errors (for idempotent methods, since the server may have acted; a connection that
//! could not be made at all is repeated for every method). Never other statuses. The wait is
//! exponential with jitter, or the `Retry-After` seconds when the tenant sends them. A request is
//! retried while its time budget lasts ([`RetryPolicy::max_total`], `retry_budget_secs`);
//! failures other than `429` also count against [`RetryPolicy::max_attempts`]. A `Retry-After`
//! that would end beyond the budget ends the retries at once, with the reason in the error.
//! This module decides; the caller sleeps (without holding a concurrency permit).

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

/// Whether a transport error may be repeated: never for a request that could not be built;
/// always when the connection could not be made (nothing was sent); otherwise for `safe`
/// requests only.
pub(crate) fn retryable_transport(error: &reqwest::Error, safe: bool) -> bool {
    if error.is_builder() || error.is_redirect() {
        return false;
    }
    safe || error.is_connect()
}

/// `Retry-After` in seconds, when present and readable (HTTP dates are not used by the API). Any
/// number of seconds is read; the budget decides what is honoured.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// Why the next attempt is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trouble {
    /// `429`: the tenant's rate limit. Bounded by time only.
    Throttled,
    /// `502`, `503`, `504` or a transport error. Bounded by time and attempts.
    Failed,
}

/// The next step after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Wait this long, then try again.
    Wait(Duration),
    /// Stop: the attempts are spent (no reason beyond the attempt count).
    Stop,
    /// Stop, for this reason (a `Retry-After` beyond the budget).
    StopBecause(String),
}

/// The retry bookkeeping of one request.
pub(crate) struct Attempts {
    policy: RetryPolicy,
    started: Instant,
    made: u32,
    failed: u32,
    throttled: u32,
}

impl Attempts {
    /// Starts counting for one request.
    pub fn start(policy: RetryPolicy) -> Attempts {
        Attempts {
            policy,
            started: Instant::now(),
            made: 0,
            failed: 0,
            throttled: 0,
        }
    }

    /// Records an attempt and returns its number (1 for the first).
    pub fn begin(&mut self) -> u32 {
        self.made += 1;
        self.made
    }

    /// Takes back an attempt that was not sent.
    pub fn unbegin(&mut self) {
        self.made = self.made.saturating_sub(1);
    }

    /// Attempts made so far.
    pub fn made(&self) -> u32 {
        self.made
    }

    /// What to do after an attempt that met `trouble`. `retry_after` is the tenant's
    /// `Retry-After`, which replaces the back-off.
    pub fn next(&mut self, trouble: Trouble, retry_after: Option<Duration>) -> Next {
        let count = match trouble {
            Trouble::Throttled => {
                self.throttled += 1;
                self.throttled
            }
            Trouble::Failed => {
                self.failed += 1;
                if self.failed >= self.policy.max_attempts {
                    return Next::Stop;
                }
                self.failed
            }
        };
        let delay = retry_after.unwrap_or_else(|| backoff(&self.policy, count, fastrand::f64()));
        let ends = self.started.elapsed().checked_add(delay);
        match ends {
            Some(end) if end <= self.policy.max_total => Next::Wait(delay),
            _ if retry_after.is_some() => Next::StopBecause(format!(
                "the tenant asked to wait {} s, beyond the retry budget of {} s (retry_budget_secs)",
                delay.as_secs(),
                self.policy.max_total.as_secs()
            )),
            _ => Next::StopBecause(format!(
                "the retry budget of {} s (retry_budget_secs) is spent",
                self.policy.max_total.as_secs()
            )),
        }
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
    fn failures_are_bounded_by_count_and_time_429s_by_time_only() {
        let mut a = Attempts::start(policy());
        for _ in 0..3 {
            a.begin();
            assert!(
                matches!(a.next(Trouble::Failed, None), Next::Wait(_)),
                "retries remain"
            );
        }
        a.begin();
        assert_eq!(
            a.next(Trouble::Failed, None),
            Next::Stop,
            "max_attempts reached"
        );

        let mut a = Attempts::start(policy());
        for _ in 0..50 {
            a.begin();
            assert!(
                matches!(
                    a.next(Trouble::Throttled, Some(Duration::ZERO)),
                    Next::Wait(_)
                ),
                "429s do not count against max_attempts"
            );
        }
        let Next::StopBecause(why) = a.next(Trouble::Throttled, Some(Duration::from_secs(61)))
        else {
            panic!("a Retry-After beyond the budget ends the retries");
        };
        assert!(
            why.contains("asked to wait 61 s") && why.contains("60 s"),
            "{why}"
        );
        assert_eq!(
            a.next(Trouble::Throttled, Some(Duration::from_secs(7))),
            Next::Wait(Duration::from_secs(7)),
            "Retry-After is honoured"
        );
        assert!(
            matches!(
                a.next(Trouble::Throttled, Some(Duration::from_secs(u64::MAX))),
                Next::StopBecause(_)
            ),
            "a huge Retry-After neither overflows nor waits"
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
        h.insert(RETRY_AFTER, "18446744073709551615".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(u64::MAX)));
    }
}
