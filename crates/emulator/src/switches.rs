//! Switches for tests and benchmarks, settable at start (command-line flags) and at any time
//! through `PUT /admin/switches`: latency, seeded faults, paging, rate limit, strictness.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The tunable behaviour of an emulated tenant. Every field has a default; `PUT /admin/switches`
/// takes any subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Switches {
    /// The least time every API request takes to answer, the emulator's own work included
    /// (simulated network and server time).
    pub latency_ms: u64,
    /// Share of API requests answered `503 Service Unavailable` (0.0 to 1.0).
    pub fault_503: f64,
    /// Share of API requests answered `429 Too Many Requests` with `Retry-After`.
    pub fault_429: f64,
    /// Share of API requests whose connection is closed without an answer, before the tenant
    /// acts on them.
    pub fault_reset: f64,
    /// Share of API requests that the tenant carries out, then closes the connection without
    /// an answer (a write that happened, whose answer was cut).
    pub fault_reset_after: f64,
    /// Seed of the fault dice, so a run with faults can be repeated.
    pub fault_seed: u64,
    /// `Retry-After` seconds on 429 answers (fault or rate limit).
    pub retry_after_secs: u64,
    /// Most entries per collection page before `__next` (the real service: 1000).
    pub page_cap: usize,
    /// Requests per second above which the API answers 429 (none: unlimited).
    pub rate_limit: Option<u32>,
    /// Require a CSRF token from bearer-token clients too (the default exempts them).
    pub csrf_for_bearer: bool,
    /// Neo mode: `CertificateUserMappings` exists.
    pub neo: bool,
    /// Observations (status reads or ticks) per deploy phase; 0 settles deploys at once.
    pub deploy_steps: u32,
    /// Answer the companion package's flows while they are deployed and started; `false` makes
    /// their addresses answer `404` as if they were not running (the content stays as it is).
    pub companion: bool,
    /// Users of the runtime's `/http/...` endpoints besides the API's own credentials (which hold
    /// every role), by name: Basic credentials, or OAuth client credentials at the token
    /// endpoint, holding only `roles`. They cannot use the API.
    pub runtime_users: BTreeMap<String, RuntimeUser>,
    /// Kinds of the companion protocol (`oauth2-client-credential`, `key-pair`, ...) whose
    /// secrets the companion's script API stand-ins do not reveal (answered `unreadable`), as on
    /// a tenant that does not expose them; by default every kind is revealed.
    pub companion_unreadable: Vec<String>,
    /// `__next` links as absolute URLs instead of relative to the service root.
    pub absolute_next_links: bool,
    /// Artifacts whose next deployments fail, with the error text to report.
    pub fail_deploys: BTreeMap<String, String>,
    /// Routes, named as `/admin/stats` names them (`GET IntegrationDesigntimeArtifacts(..)/$value`),
    /// answered with this HTTP status and an OData error body instead of being served (a `429`
    /// with `Retry-After: retry_after_secs`).
    pub fail_routes: BTreeMap<String, u16>,
    /// Routes answered `200` with something that is not the API's answer: `html` (a sign-in
    /// page, `text/html`) or `garbage` (`application/json` that is not JSON).
    pub garbage_routes: BTreeMap<String, Garbage>,
    /// Routes whose next requests are carried out and then cut (the connection closed without
    /// an answer): the number of requests left to cut, counted down.
    pub cut_routes: BTreeMap<String, u32>,
    /// Routes whose next requests are closed without an answer before the tenant acts on them:
    /// the number left, counted down.
    pub reset_routes: BTreeMap<String, u32>,
    /// A CSRF session ends after this many writes (the last one succeeds, the next is refused
    /// with `403` + `X-CSRF-Token: Required`).
    pub session_max_writes: Option<u32>,
    /// Every this many API requests, every CSRF session ends.
    pub expire_sessions_every: Option<u32>,
    /// Every this many API requests, every OAuth token ends (requests get `401`).
    pub expire_tokens_every: Option<u32>,
    /// Error answers of the API repeat the request's body in their message, as some services
    /// do: `raw`, or encoded as `base64` or `url` (percent-encoding).
    pub echo_request_bodies: Option<Echo>,
    /// The tenant is unreachable, as a region that is down: every connection outside `/admin` is
    /// closed without an answer (a client sees a connection failure, a traffic manager's probe
    /// fails). Its state is kept, and `/admin/tick` still runs its started flows: a region cut
    /// off from the network may well still be polling.
    pub down: bool,
}

/// What a garbage answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Garbage {
    /// A sign-in page: `200`, `text/html`.
    Html,
    /// `200`, `application/json`, not JSON.
    Garbage,
}

/// How an error answer repeats the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Echo {
    /// As it was sent.
    Raw,
    /// Base64.
    Base64,
    /// Percent-encoded.
    Url,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            latency_ms: 0,
            fault_503: 0.0,
            fault_429: 0.0,
            fault_reset: 0.0,
            fault_reset_after: 0.0,
            fault_seed: 1,
            retry_after_secs: 1,
            page_cap: 1000,
            rate_limit: None,
            csrf_for_bearer: false,
            neo: false,
            deploy_steps: 2,
            companion: true,
            runtime_users: BTreeMap::new(),
            companion_unreadable: Vec::new(),
            absolute_next_links: false,
            fail_deploys: BTreeMap::new(),
            fail_routes: BTreeMap::new(),
            garbage_routes: BTreeMap::new(),
            cut_routes: BTreeMap::new(),
            reset_routes: BTreeMap::new(),
            session_max_writes: None,
            expire_sessions_every: None,
            expire_tokens_every: None,
            echo_request_bodies: None,
            down: false,
        }
    }
}

/// A user of the runtime's `/http/...` endpoints (the `runtime_users` switch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeUser {
    /// The password (Basic) or client secret (OAuth).
    pub password: String,
    /// The roles the user holds.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl Switches {
    /// Applies a partial JSON object on top of these switches.
    pub fn merged(&self, patch: &serde_json::Value) -> Result<Switches, String> {
        let mut current = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let (Some(base), Some(patch)) = (current.as_object_mut(), patch.as_object()) else {
            return Err("switches must be a JSON object".into());
        };
        for (k, v) in patch {
            base.insert(k.clone(), v.clone());
        }
        let merged: Switches = serde_json::from_value(current).map_err(|e| e.to_string())?;
        merged.validate()?;
        Ok(merged)
    }

    /// Checks ranges.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("fault_503", self.fault_503),
            ("fault_429", self.fault_429),
            ("fault_reset", self.fault_reset),
            ("fault_reset_after", self.fault_reset_after),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, not {rate}"));
            }
        }
        if self.fault_503 + self.fault_429 + self.fault_reset + self.fault_reset_after > 1.0 {
            return Err("fault rates add up to more than 1".into());
        }
        if self.page_cap == 0 {
            return Err("page_cap must be at least 1".into());
        }
        for (name, count) in [
            ("rate_limit", self.rate_limit),
            ("session_max_writes", self.session_max_writes),
            ("expire_sessions_every", self.expire_sessions_every),
            ("expire_tokens_every", self.expire_tokens_every),
        ] {
            if count == Some(0) {
                return Err(format!("{name} must be at least 1 (or absent)"));
            }
        }
        Ok(())
    }
}
