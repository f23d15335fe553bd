//! The shared state of one running emulator: the tenant, auth, switches, clock, statistics.

use super::auth::{AuthState, Credentials};
use super::clock::Clock;
use super::state::{IdGenerator, Tenant};
use super::switches::Switches;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Everything the handlers share. Locks are held only for synchronous work, never across an
/// `.await`.
pub struct App {
    pub addr: SocketAddr,
    pub credentials: Credentials,
    pub tenant: Mutex<Tenant>,
    pub auth: Mutex<AuthState>,
    pub switches: Mutex<Switches>,
    pub clock: Clock,
    pub stats: Stats,
    pub dice: Mutex<Dice>,
    pub rate: Mutex<RateWindow>,
    pub data_file: Option<PathBuf>,
    pub token_ttl_ms: i64,
    /// The token lifetime as `expires_in` reports it.
    pub token_ttl_secs: u64,
    pub csrf_ttl_ms: i64,
}

/// Locks a mutex, recovering the data if a handler panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl App {
    /// A copy of the current switches.
    pub fn switches(&self) -> Switches {
        lock(&self.switches).clone()
    }

    /// Writes the tenant to `--data FILE` (write to a temporary file, then rename).
    pub fn persist(&self) -> std::io::Result<()> {
        let Some(path) = &self.data_file else {
            return Ok(());
        };
        let bytes = {
            let tenant = lock(&self.tenant);
            serde_json::to_vec(&*tenant).map_err(std::io::Error::other)?
        };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    }
}

/// Request counters for `GET /admin/stats`.
#[derive(Default)]
pub struct Stats {
    requests: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    detail: Mutex<StatsDetail>,
    timeline: Mutex<Span>,
}

/// When requests came and went, since the counters were last zeroed.
struct Span {
    since: std::time::Instant,
    first: Option<std::time::Duration>,
    last: std::time::Duration,
    busy: std::time::Duration,
}

impl Default for Span {
    fn default() -> Span {
        Span {
            since: std::time::Instant::now(),
            first: None,
            last: std::time::Duration::ZERO,
            busy: std::time::Duration::ZERO,
        }
    }
}

/// When requests came and went (`GET /admin/stats`), in milliseconds since the counters were
/// last zeroed: what a benchmark needs to tell the client's own time from the tenant's.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timeline {
    /// When the first request arrived (`null`: none yet).
    pub first_request_ms: Option<f64>,
    /// When the last answer was handed over.
    pub last_answer_ms: f64,
    /// The requests' durations added up (busy time divided by the span between the first
    /// request and the last answer is the average number of requests in flight).
    pub busy_ms: f64,
}

#[derive(Default)]
struct StatsDetail {
    by_route: BTreeMap<String, u64>,
    by_status: BTreeMap<u16, u64>,
    faults: BTreeMap<String, u64>,
    without_json_accept: u64,
    runs: Runs,
}

/// The most ticks `/admin/stats` keeps in its log (the counters count them all).
const TICK_LOG: usize = 1000;

/// Runs of self-starting flows on `POST /admin/tick`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Runs {
    /// Ticks so far.
    pub ticks: u64,
    /// Runs per integration flow.
    pub per_flow: BTreeMap<String, u64>,
    /// The last ticks, oldest first: which flows ran on each.
    pub log: std::collections::VecDeque<Tick>,
}

/// One tick: its number (from 1) and the flows that ran on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tick {
    /// The tick's number.
    pub tick: u64,
    /// The integration flows that ran, by id.
    pub ran: Vec<String>,
}

/// What `GET /admin/stats` answers.
#[derive(Debug, Serialize)]
pub struct StatsReport {
    /// API requests received (`/api/v1`, the token endpoint, `/http/...`).
    pub requests: u64,
    /// Requests being answered right now.
    pub in_flight: u64,
    /// The highest number of requests answered at once.
    pub max_in_flight: u64,
    /// Requests per route, e.g. `GET IntegrationDesigntimeArtifacts(..)/$value`.
    pub by_route: BTreeMap<String, u64>,
    /// Answers per HTTP status.
    pub by_status: BTreeMap<u16, u64>,
    /// Injected faults and rate-limit refusals by kind.
    pub faults: BTreeMap<String, u64>,
    /// API reads that asked for JSON neither by `Accept` nor by `$format=json`.
    pub without_json_accept: u64,
    /// Runs of self-starting flows on `POST /admin/tick`.
    pub runs: Runs,
    /// When requests came and went.
    pub timeline: Timeline,
}

/// Marks one request in flight; dropping it ends the request.
pub struct InFlight<'a>(&'a Stats, std::time::Instant);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut c = lock(&self.0.timeline);
        let now = std::time::Instant::now();
        let since = c.since;
        c.busy += now.saturating_duration_since(self.1.max(since));
        c.last = c.last.max(now.saturating_duration_since(since));
    }
}

impl Stats {
    /// Counts a request to `route` and marks it in flight.
    pub fn begin(&self, route: String, json_accepted: bool) -> InFlight<'_> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let mut d = lock(&self.detail);
        *d.by_route.entry(route).or_default() += 1;
        if !json_accepted {
            d.without_json_accept += 1;
        }
        drop(d);
        let start = std::time::Instant::now();
        let mut c = lock(&self.timeline);
        let at = start.saturating_duration_since(c.since);
        c.first.get_or_insert(at);
        drop(c);
        InFlight(self, start)
    }

    /// Counts an answer's status.
    pub fn status(&self, status: u16) {
        *lock(&self.detail).by_status.entry(status).or_default() += 1;
    }

    /// Counts an injected fault.
    pub fn fault(&self, kind: &str) {
        *lock(&self.detail)
            .faults
            .entry(kind.to_string())
            .or_default() += 1;
    }

    /// A snapshot.
    pub fn report(&self) -> StatsReport {
        let d = lock(&self.detail);
        StatsReport {
            requests: self.requests.load(Ordering::SeqCst),
            in_flight: self.in_flight.load(Ordering::SeqCst),
            max_in_flight: self.max_in_flight.load(Ordering::SeqCst),
            by_route: d.by_route.clone(),
            by_status: d.by_status.clone(),
            faults: d.faults.clone(),
            without_json_accept: d.without_json_accept,
            runs: d.runs.clone(),
            timeline: {
                let c = lock(&self.timeline);
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
                Timeline {
                    first_request_ms: c.first.map(ms),
                    last_answer_ms: ms(c.last),
                    busy_ms: ms(c.busy),
                }
            },
        }
    }

    /// Records a tick on which the flows `ran` ran; returns it.
    pub fn tick(&self, ran: Vec<String>) -> Tick {
        let mut d = lock(&self.detail);
        d.runs.ticks += 1;
        for id in &ran {
            *d.runs.per_flow.entry(id.clone()).or_default() += 1;
        }
        let tick = Tick {
            tick: d.runs.ticks,
            ran,
        };
        if d.runs.log.len() == TICK_LOG {
            d.runs.log.pop_front();
        }
        d.runs.log.push_back(tick.clone());
        tick
    }

    /// Zeroes every counter (requests in flight stay counted).
    pub fn reset(&self) {
        self.requests.store(0, Ordering::SeqCst);
        self.max_in_flight
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
        *lock(&self.detail) = StatsDetail::default();
        *lock(&self.timeline) = Span::default();
    }
}

/// The seeded dice of fault injection.
pub struct Dice {
    seed: u64,
    rng: IdGenerator,
}

impl Dice {
    /// Dice for `seed`.
    pub fn new(seed: u64) -> Dice {
        Dice {
            seed,
            rng: IdGenerator::new(seed),
        }
    }

    /// A number in `[0, 1)`; reseeds first when the switches carry a new seed.
    pub fn roll(&mut self, seed: u64) -> f64 {
        if seed != self.seed {
            *self = Dice::new(seed);
        }
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A one-second window for the optional rate limit.
pub struct RateWindow {
    start: Instant,
    count: u32,
}

impl Default for RateWindow {
    fn default() -> Self {
        RateWindow {
            start: Instant::now(),
            count: 0,
        }
    }
}

impl RateWindow {
    /// Whether one more request fits under `limit` per second.
    pub fn admit(&mut self, limit: u32) -> bool {
        if self.start.elapsed().as_secs_f64() >= 1.0 {
            self.start = Instant::now();
            self.count = 0;
        }
        self.count += 1;
        self.count <= limit
    }
}
