//! SIGINT and SIGTERM, caught once for the whole process ([`install`]), and asked about where a
//! command decides between going on, finishing and rolling back ([`received`], [`wait`]).
//!
//! A cancelled CI job gets SIGINT, then SIGTERM 7.5 s later, then SIGKILL: a command stops
//! starting new work at the first signal, finishes or rolls back what it was in the middle of,
//! and exits 130 (SIGINT) or 143 (SIGTERM). Windows has Ctrl-C only, which counts as SIGINT.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Condvar, Mutex};
use tokio::sync::Notify;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C, the first signal of a cancelled CI job).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    /// The exit code of a process stopped by this signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    fn code(self) -> u8 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    fn from_code(code: u8) -> Option<Signal> {
        match code {
            2 => Some(Signal::Interrupt),
            15 => Some(Signal::Terminate),
            _ => None,
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The first signal received (its number), 0 before any.
static RECEIVED: AtomicU8 = AtomicU8::new(0);
/// Wakes async waiters.
static NOTIFY: Notify = Notify::const_new();
/// Wakes blocking waiters (fail points on blocking threads).
static WAKE: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());

/// Catches SIGINT and SIGTERM from now on (call once, inside the async runtime). From then on
/// the signals no longer end the process by themselves: every command must look at
/// [`received`] or [`wait`].
pub fn install() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        for (kind, which) in [
            (SignalKind::interrupt(), Signal::Interrupt),
            (SignalKind::terminate(), Signal::Terminate),
        ] {
            if let Ok(mut stream) = signal(kind) {
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        record(which);
                    }
                });
            }
        }
    }
    #[cfg(not(unix))]
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            record(Signal::Interrupt);
        }
    });
}

/// Records `signal` (the first one counts) and wakes every waiter.
fn record(signal: Signal) {
    let _ = RECEIVED.compare_exchange(0, signal.code(), Ordering::SeqCst, Ordering::SeqCst);
    NOTIFY.notify_waiters();
    let _guard = WAKE.0.lock().unwrap_or_else(|p| p.into_inner());
    WAKE.1.notify_all();
}

/// The first signal received, if any.
pub fn received() -> Option<Signal> {
    Signal::from_code(RECEIVED.load(Ordering::SeqCst))
}

/// Waits until a signal is received (at once if one was).
pub async fn wait() -> Signal {
    loop {
        let notified = NOTIFY.notified();
        if let Some(s) = received() {
            return s;
        }
        notified.await;
    }
}

/// Blocks the calling thread until a signal is received (at once if one was).
pub fn wait_blocking() -> Signal {
    let mut guard = WAKE.0.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if let Some(s) = received() {
            return s;
        }
        guard = WAKE.1.wait(guard).unwrap_or_else(|p| p.into_inner());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        for s in [Signal::Interrupt, Signal::Terminate] {
            assert_eq!(Signal::from_code(s.code()), Some(s));
        }
        assert_eq!(Signal::from_code(0), None);
    }
}
