//! How many requests may be in flight, and when: the tenant's request limit, lowered when the
//! tenant answers `429` and raised again slowly (additive increase, multiplicative decrease),
//! and a pause per API area while the tenant asked to wait (API reference 3.10).
//!
//! - **Areas** are the API's rate-limit groups ([`Area`]): a `429` for design-time reads pauses
//!   the design-time requests only, so a deploy's status polling (runtime area) goes on.
//! - **The pause** of an area starts at a `429` and lasts its `Retry-After` (or the back-off when
//!   the tenant sends none); every request of the area waits for its end before it is sent, so
//!   the tenant sees one request after the pause, not every waiting request at once.
//! - **Repeats first**: a write the tenant refused for its CSRF token is repeated before
//!   requests not yet sent, so that it meets the fresh session while that lives.
//! - **The in-flight limit** halves at a `429` (once per round: `429`s of requests sent before
//!   the last decrease do not lower it again), down to 1, and grows by one after as many
//!   answers without `429` as the limit is, up to the configured concurrency. Without `429`s it
//!   stays at the configured concurrency, so requests are sent exactly as before.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A rate-limit group of the API (reference 3.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Area {
    /// Packages and design-time artifacts, their deploy and copy functions.
    DesignTime,
    /// Security material, keystore, access policies.
    Security,
    /// Runtime artifacts and build status (a deploy's polling).
    Runtime,
    /// The Partner Directory.
    PartnerDirectory,
    /// Number ranges.
    NumberRanges,
    /// Everything else: the service root (CSRF fetches), the token endpoint, runtime endpoints.
    Other,
}

impl Area {
    const ALL: [Area; 6] = [
        Area::DesignTime,
        Area::Security,
        Area::Runtime,
        Area::PartnerDirectory,
        Area::NumberRanges,
        Area::Other,
    ];

    /// The area of a request to `path` relative to the API root.
    pub fn of(path: &str) -> Area {
        let first = path
            .trim_start_matches('/')
            .split(['(', '/', '?'])
            .next()
            .unwrap_or_default();
        match first {
            "IntegrationRuntimeArtifacts" | "BuildAndDeployStatus" | "ServiceEndpoints" => {
                Area::Runtime
            }
            "UserCredentials"
            | "OAuth2ClientCredentials"
            | "SecureParameters"
            | "KeystoreEntries"
            | "Keystores"
            | "CertificateResources"
            | "KeyPairResources"
            | "SSHKeyResources"
            | "RSAKeyGenerations"
            | "CertificateUserMappings"
            | "AccessPolicies"
            | "ArtifactReferences" => Area::Security,
            "Partners"
            | "StringParameters"
            | "BinaryParameters"
            | "UserCredentialParameters"
            | "AlternativePartners"
            | "AuthorizedUsers" => Area::PartnerDirectory,
            "NumberRanges" => Area::NumberRanges,
            "IntegrationPackages" | "CopyIntegrationPackage" | "$batch" => Area::DesignTime,
            other if other.ends_with("DesigntimeArtifacts") || other.starts_with("Deploy") => {
                Area::DesignTime
            }
            _ => Area::Other,
        }
    }

    fn index(self) -> usize {
        Area::ALL.iter().position(|a| *a == self).unwrap_or(0)
    }

    /// For logs.
    pub fn name(self) -> &'static str {
        match self {
            Area::DesignTime => "design-time",
            Area::Security => "security",
            Area::Runtime => "runtime",
            Area::PartnerDirectory => "partner-directory",
            Area::NumberRanges => "number-ranges",
            Area::Other => "other",
        }
    }
}

/// The limit's bookkeeping and its queue.
#[derive(Debug)]
struct State {
    /// Requests allowed in flight now.
    limit: usize,
    /// Requests in flight now.
    in_flight: usize,
    /// Answers without `429` since the limit last changed.
    credit: usize,
    /// Increased by every decrease: a `429` of a request sent before it does not decrease again.
    round: u64,
    /// Requests waiting for a slot, first come first served: repeats of refused writes first.
    urgent: VecDeque<oneshot::Sender<Permit>>,
    waiting: VecDeque<oneshot::Sender<Permit>>,
}

/// The shared part of a [`Limiter`] (its permits point to it).
#[derive(Debug)]
struct Shared {
    max: usize,
    state: Mutex<State>,
    pauses: Mutex<[Option<Instant>; Area::ALL.len()]>,
}

/// The in-flight limit and the pauses of one tenant.
#[derive(Debug)]
pub(crate) struct Limiter {
    shared: Arc<Shared>,
}

/// Leave to send one attempt; the slot is given back when it is dropped.
#[derive(Debug)]
pub(crate) struct Permit {
    /// `None` once the slot was taken back without a drop (a waiter that gave up).
    shared: Option<Arc<Shared>>,
    /// The round the attempt was sent in.
    pub round: u64,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            let mut state = shared.lock();
            state.in_flight -= 1;
            Shared::hand_out(&shared, &mut state);
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives free slots to waiting requests, urgent ones first.
    fn hand_out(shared: &Arc<Shared>, state: &mut State) {
        while state.in_flight < state.limit {
            let Some(waiter) = state
                .urgent
                .pop_front()
                .or_else(|| state.waiting.pop_front())
            else {
                return;
            };
            state.in_flight += 1;
            let permit = Permit {
                shared: Some(shared.clone()),
                round: state.round,
            };
            if let Err(mut permit) = waiter.send(permit) {
                // The waiter gave up: its slot goes to the next one.
                permit.shared = None;
                state.in_flight -= 1;
            }
        }
    }

    /// The end of `area`'s pause, if it is paused now.
    fn paused_until(&self, area: Area) -> Option<Instant> {
        let pauses = self.pauses.lock().unwrap_or_else(|p| p.into_inner());
        pauses[area.index()].filter(|until| *until > Instant::now())
    }
}

impl Limiter {
    /// A limit of `max` requests in flight.
    pub fn new(max: usize) -> Limiter {
        Limiter {
            shared: Arc::new(Shared {
                max,
                state: Mutex::new(State {
                    limit: max,
                    in_flight: 0,
                    credit: 0,
                    round: 0,
                    urgent: VecDeque::new(),
                    waiting: VecDeque::new(),
                }),
                pauses: Mutex::new([None; Area::ALL.len()]),
            }),
        }
    }

    /// A free slot now, or a place in the queue.
    fn take_or_queue(&self, urgent: bool) -> Result<Permit, oneshot::Receiver<Permit>> {
        let mut state = self.shared.lock();
        let free = state.in_flight < state.limit;
        let first = state.urgent.is_empty() && (urgent || state.waiting.is_empty());
        if free && first {
            state.in_flight += 1;
            return Ok(Permit {
                shared: Some(self.shared.clone()),
                round: state.round,
            });
        }
        let (sender, receiver) = oneshot::channel();
        if urgent {
            state.urgent.push_back(sender);
        } else {
            state.waiting.push_back(sender);
        }
        Err(receiver)
    }

    /// Waits for the end of `area`'s pause and for a free slot. `urgent`: the repeat of a write
    /// the tenant refused (for its CSRF token), served before requests that have not been sent
    /// yet, so that it meets the fresh session while it lives.
    pub async fn acquire(&self, area: Area, urgent: bool) -> Permit {
        loop {
            while let Some(until) = self.shared.paused_until(area) {
                tokio::time::sleep_until(until.into()).await;
            }
            let ready = self.take_or_queue(urgent);
            let permit = match ready {
                Ok(permit) => permit,
                Err(receiver) => match receiver.await {
                    Ok(permit) => permit,
                    // Cannot happen: senders live in the queue until they send.
                    Err(_) => continue,
                },
            };
            // A pause may have begun while this request waited for its slot.
            if self.shared.paused_until(area).is_some() {
                drop(permit);
                continue;
            }
            return permit;
        }
    }

    /// An answer other than `429`: after `limit` of them, the limit grows by one.
    pub fn answered(&self) {
        let mut state = self.shared.lock();
        if state.limit >= self.shared.max {
            return;
        }
        state.credit += 1;
        if state.credit >= state.limit {
            state.credit = 0;
            state.limit += 1;
            tracing::debug!(
                limit = state.limit,
                "no 429 for a while: in-flight limit raised"
            );
            Shared::hand_out(&self.shared, &mut state);
        }
    }

    /// A `429` for a request of `area` sent in `round`: pauses the area for `wait` and halves
    /// the limit (once per round).
    pub fn throttled(&self, area: Area, round: u64, wait: Duration) {
        if let Some(until) = Instant::now().checked_add(wait) {
            let mut pauses = self.shared.pauses.lock().unwrap_or_else(|p| p.into_inner());
            let slot = &mut pauses[area.index()];
            if slot.is_none_or(|current| current < until) {
                *slot = Some(until);
            }
        }
        let mut state = self.shared.lock();
        state.credit = 0;
        if round != state.round || state.limit <= 1 {
            return;
        }
        state.limit = state.limit.div_ceil(2);
        state.round += 1;
        tracing::debug!(
            limit = state.limit,
            area = area.name(),
            pause_ms = wait.as_millis() as u64,
            "429: in-flight limit lowered, area paused"
        );
    }

    /// Requests allowed in flight now.
    pub fn limit(&self) -> usize {
        self.shared.lock().limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_follow_the_rate_limit_table() {
        for (path, area) in [
            (
                "IntegrationPackages('X')/IntegrationDesigntimeArtifacts",
                Area::DesignTime,
            ),
            (
                "ValueMappingDesigntimeArtifacts(Id='a',Version='active')/$value",
                Area::DesignTime,
            ),
            (
                "DeployIntegrationDesigntimeArtifact?Id='a'",
                Area::DesignTime,
            ),
            ("IntegrationRuntimeArtifacts('a')", Area::Runtime),
            ("BuildAndDeployStatus(TaskId='x')", Area::Runtime),
            ("UserCredentials('x')", Area::Security),
            ("KeystoreEntries?keystoreName=system", Area::Security),
            ("StringParameters(Pid='p',Id='i')", Area::PartnerDirectory),
            ("NumberRanges", Area::NumberRanges),
            ("", Area::Other),
        ] {
            assert_eq!(Area::of(path), area, "{path}");
        }
    }

    #[tokio::test]
    async fn the_limit_halves_once_per_round_and_grows_back_slowly() {
        let limiter = Limiter::new(8);
        let mut permits = Vec::new();
        for _ in 0..8 {
            permits.push(limiter.acquire(Area::DesignTime, false).await);
        }
        let round = permits[0].round;
        limiter.throttled(Area::DesignTime, round, Duration::ZERO);
        limiter.throttled(Area::DesignTime, round, Duration::ZERO);
        assert_eq!(
            limiter.limit(),
            4,
            "two 429s of one round halve the limit once"
        );
        drop(permits);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(limiter.acquire(Area::Runtime, false).await);
        }
        let fifth = limiter.acquire(Area::Runtime, false);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), fifth)
                .await
                .is_err(),
            "no more than the lowered limit in flight"
        );
        limiter.throttled(Area::Runtime, held[0].round, Duration::ZERO);
        assert_eq!(
            limiter.limit(),
            2,
            "a 429 of the next round halves it again"
        );
        drop(held);
        for _ in 0..2 {
            limiter.answered();
        }
        assert_eq!(limiter.limit(), 3, "after `limit` answers it grows by one");
        for _ in 0..100 {
            limiter.answered();
        }
        assert_eq!(
            limiter.limit(),
            8,
            "up to the configured concurrency, never beyond"
        );
        assert_eq!(limiter.shared.lock().in_flight, 0, "every slot came back");
    }

    #[tokio::test]
    async fn repeats_of_refused_writes_go_first() {
        let limiter = Arc::new(Limiter::new(1));
        let first = limiter.acquire(Area::Security, false).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for (name, urgent) in [("new", false), ("repeat", true)] {
            let (limiter, tx) = (limiter.clone(), tx.clone());
            tokio::spawn(async move {
                let _permit = limiter.acquire(Area::Security, urgent).await;
                let _ = tx.send(name);
            });
            tokio::task::yield_now().await;
        }
        loop {
            let queued = {
                let state = limiter.shared.lock();
                state.waiting.len() + state.urgent.len()
            };
            if queued >= 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(first);
        assert_eq!(
            rx.recv().await,
            Some("repeat"),
            "the urgent one is served first"
        );
        assert_eq!(rx.recv().await, Some("new"));
    }

    #[test]
    fn a_huge_pause_does_not_overflow() {
        let limiter = Limiter::new(2);
        limiter.throttled(Area::Security, 0, Duration::from_secs(u64::MAX));
        assert!(limiter.shared.paused_until(Area::Security).is_none());
    }
}
