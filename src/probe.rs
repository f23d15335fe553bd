//! `cpi-gitops probe` (design.md section 8): checks a tenant as a DNS traffic manager does,
//! `GET <runtime_url><probe_path>` with the runtime credentials, one attempt, a timeout, and a
//! set of expected statuses. An answer outside them, a timeout, or no answer at all is a failed
//! probe: an unreachable tenant is not healthy.
//!
//! [`watch`] probes at an interval and reports when the endpoint would be marked degraded (more
//! consecutive failures than tolerated, as Azure Traffic Manager counts them) and when it
//! recovers (the first success after that).

use crate::client::Client;
use serde::Serialize;
use std::time::{Duration, Instant};

/// The statuses taken as healthy, e.g. `200-299` or `200,204,301-302`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect(Vec<(u16, u16)>);

impl Expect {
    /// Parses a comma-separated list of statuses and ranges.
    pub fn parse(text: &str) -> Result<Expect, String> {
        let bad = || {
            format!("`{text}` is not a list of HTTP statuses and ranges such as 200-299 or 200,204")
        };
        let status = |s: &str| {
            s.trim()
                .parse::<u16>()
                .ok()
                .filter(|n| (100..=599).contains(n))
                .ok_or_else(bad)
        };
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let range = match part.split_once('-') {
                Some((low, high)) => (status(low)?, status(high)?),
                None => {
                    let n = status(part)?;
                    (n, n)
                }
            };
            if range.0 > range.1 {
                return Err(bad());
            }
            ranges.push(range);
        }
        Ok(Expect(ranges))
    }

    /// Whether `status` is expected.
    pub fn contains(&self, status: u16) -> bool {
        self.0
            .iter()
            .any(|(low, high)| (*low..=*high).contains(&status))
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(l, h)| {
                if l == h {
                    l.to_string()
                } else {
                    format!("{l}-{h}")
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// A duration as the flags write it: `30s`, `500ms`, `2m`, or plain seconds (`10`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("`{text}` is not a duration such as 30s, 500ms or 2m");
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(bad()),
    };
    if !seconds.is_finite() || !(0.0..=86_400.0).contains(&seconds) {
        return Err(format!("`{text}` is out of range (0 to 24h)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// What to probe.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    /// The tenant's name.
    pub tenant: String,
    /// The path below the runtime URL.
    pub path: String,
    /// The statuses taken as healthy.
    pub expect: Expect,
}

/// One probe's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// Its number in a watch, from 1.
    pub n: u64,
    /// The HTTP status, when the tenant answered.
    pub status: Option<u16>,
    /// Time to the whole answer, in milliseconds.
    pub latency_ms: u64,
    /// Whether the status is expected.
    pub healthy: bool,
    /// Why not, when there was no answer or an unexpected status.
    pub error: Option<String>,
}

/// Probes once.
pub async fn probe_once(client: &Client, target: &ProbeTarget, n: u64) -> Probe {
    let started = Instant::now();
    let answer = client.runtime_get(&target.path).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    match answer {
        Ok(reply) => {
            let status = reply.status.as_u16();
            let healthy = target.expect.contains(status);
            Probe {
                n,
                status: Some(status),
                latency_ms,
                healthy,
                error: (!healthy).then(|| format!("status {status}, expected {}", target.expect)),
            }
        }
        Err(e) => Probe {
            n,
            status: None,
            latency_ms,
            healthy: false,
            error: Some(e.to_string()),
        },
    }
}

/// How to watch.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// Between the starts of two probes.
    pub interval: Duration,
    /// Consecutive failures tolerated before the endpoint is degraded.
    pub tolerated_failures: u32,
    /// Probes to make; `None`: until interrupted.
    pub count: Option<u64>,
}

/// A change of the endpoint's state in a watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// More consecutive failures than tolerated: a traffic manager stops routing here.
    Degraded {
        /// The probe that made it so.
        probe: u64,
        /// Consecutive failures by then.
        failures: u32,
    },
    /// The first success after being degraded: traffic comes back.
    Recovered {
        /// The probe that made it so.
        probe: u64,
    },
}

/// The result of a watch.
#[derive(Debug, Clone, Serialize)]
pub struct WatchReport {
    /// Every probe.
    pub probes: Vec<Probe>,
    /// Every change of state.
    pub events: Vec<Event>,
    /// Whether the endpoint is degraded at the end.
    pub degraded: bool,
}

/// The state machine of a watch: feed it probes, it says when the state changes.
#[derive(Debug, Clone, Default)]
pub struct Health {
    failures: u32,
    degraded: bool,
}

impl Health {
    /// Takes one probe; the event it causes, if any.
    pub fn observe(&mut self, probe: &Probe, tolerated: u32) -> Option<Event> {
        if probe.healthy {
            self.failures = 0;
            if self.degraded {
                self.degraded = false;
                return Some(Event::Recovered { probe: probe.n });
            }
            return None;
        }
        self.failures = self.failures.saturating_add(1);
        if !self.degraded && self.failures > tolerated {
            self.degraded = true;
            return Some(Event::Degraded {
                probe: probe.n,
                failures: self.failures,
            });
        }
        None
    }

    /// Whether the endpoint is degraded now.
    pub fn degraded(&self) -> bool {
        self.degraded
    }
}

/// Probes `count` times (or forever), `interval` apart; `seen` gets every probe and the event it
/// caused as they happen.
pub async fn watch(
    client: &Client,
    target: &ProbeTarget,
    options: WatchOptions,
    mut seen: impl FnMut(&Probe, Option<&Event>),
) -> WatchReport {
    let mut report = WatchReport {
        probes: Vec::new(),
        events: Vec::new(),
        degraded: false,
    };
    let mut health = Health::default();
    let mut n = 0u64;
    let mut next = tokio::time::Instant::now();
    loop {
        n += 1;
        let probe = probe_once(client, target, n).await;
        let event = health.observe(&probe, options.tolerated_failures);
        seen(&probe, event.as_ref());
        report.probes.push(probe);
        report.events.extend(event);
        if options.count.is_some_and(|c| n >= c) {
            break;
        }
        next += options.interval;
        tokio::time::sleep_until(next).await;
    }
    report.degraded = health.degraded();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_statuses_parse_and_match() {
        let e = Expect::parse("200-299").unwrap();
        assert!(e.contains(200) && e.contains(299) && !e.contains(300) && !e.contains(199));
        let e = Expect::parse("200, 204,301-302").unwrap();
        assert!(e.contains(204) && e.contains(302) && !e.contains(201));
        assert_eq!(e.to_string(), "200,204,301-302");
        for bad in ["", "abc", "299-200", "200-", "99", "600", "200;201"] {
            assert!(Expect::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in ["", "s", "-1s", "1x", "NaN", "inf", "1e9s", "2d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn degraded_after_more_failures_than_tolerated_and_recovered_on_success() {
        let probe = |n, healthy| Probe {
            n,
            status: Some(if healthy { 200 } else { 503 }),
            latency_ms: 1,
            healthy,
            error: None,
        };
        let mut h = Health::default();
        let seq = [true, false, false, true, false, false, false, false, true];
        let events: Vec<_> = seq
            .iter()
            .enumerate()
            .filter_map(|(i, ok)| h.observe(&probe(i as u64 + 1, *ok), 2))
            .collect();
        assert_eq!(
            events,
            vec![
                Event::Degraded {
                    probe: 7,
                    failures: 3
                },
                Event::Recovered { probe: 9 }
            ]
        );
        assert!(!h.degraded());
        // Zero tolerated: the first failure degrades.
        let mut h = Health::default();
        assert!(h.observe(&probe(1, false), 0).is_some());
        assert!(h.degraded());
    }
}
