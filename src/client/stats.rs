//! [`ClientStats`]: what a client has cost so far (requests sent, retries, bytes received), for
//! progress reports and the performance budget of design.md section 7.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a client's counters (shared by all its clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, every retry, token request and CSRF fetch included.
    pub requests: u64,
    /// Requests repeated after a transient failure (429, 502, 503, 504, transport errors).
    pub retries: u64,
    /// Body bytes received.
    pub bytes_received: u64,
}

/// The live counters behind [`ClientStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    bytes_received: AtomicU64,
}

impl Counters {
    /// Counts one request sent.
    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one retry.
    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts received body bytes.
    pub fn received(&self, bytes: usize) {
        self.bytes_received
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A snapshot.
    pub fn snapshot(&self) -> ClientStats {
        ClientStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
        }
    }
}
