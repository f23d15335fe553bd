//! Secrets: the [`Secret`] wrapper that keeps plaintext out of logs and `Debug` output.

mod secret;

pub use secret::Secret;
