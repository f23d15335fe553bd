//! The emulator's clock: every timestamp the tenant hands out comes from here (reference 12.17).
//!
//! `System` follows wall time; `Logical` starts at a fixed instant and moves forward a fixed step
//! on every reading, so tests get the same timestamps on every run. Both are strictly increasing,
//! so each write gets a new `DeployedOn` and each download a new zip time.

use std::sync::atomic::{AtomicI64, Ordering};

/// How the clock advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Wall-clock time, forced strictly increasing.
    System,
    /// Starts at `start_ms`, advances `step_ms` on every reading.
    Logical {
        /// The first reading, in epoch milliseconds.
        start_ms: i64,
        /// How much each reading advances.
        step_ms: i64,
    },
}

/// A strictly increasing millisecond clock.
#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    last: AtomicI64,
}

impl Clock {
    /// A clock in `mode`.
    pub fn new(mode: ClockMode) -> Clock {
        let start = match mode {
            ClockMode::System => 0,
            ClockMode::Logical { start_ms, step_ms } => start_ms - step_ms,
        };
        Clock {
            mode,
            last: AtomicI64::new(start),
        }
    }

    /// Milliseconds since the epoch, later than every earlier reading.
    pub fn now(&self) -> i64 {
        match self.mode {
            ClockMode::Logical { step_ms, .. } => {
                self.last.fetch_add(step_ms, Ordering::SeqCst) + step_ms
            }
            ClockMode::System => {
                let wall = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                let mut prev = self.last.load(Ordering::SeqCst);
                loop {
                    let next = wall.max(prev + 1);
                    match self
                        .last
                        .compare_exchange(prev, next, Ordering::SeqCst, Ordering::SeqCst)
                    {
                        Ok(_) => return next,
                        Err(actual) => prev = actual,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_clock_is_deterministic() {
        let c = Clock::new(ClockMode::Logical {
            start_ms: 1000,
            step_ms: 10,
        });
        assert_eq!((c.now(), c.now(), c.now()), (1000, 1010, 1020));
    }

    #[test]
    fn system_clock_strictly_increases() {
        let c = Clock::new(ClockMode::System);
        let a = c.now();
        assert!(c.now() > a);
    }
}
