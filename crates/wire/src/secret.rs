//! [`Secret`]: a string that must never be printed.
//!
//! Passwords, client secrets, secure parameter values and key-pair passwords are wrapped in a
//! `Secret` the moment they are read (from the tenant, the companion endpoint, stdin or an age
//! file). It has no `Display`, its `Debug` prints a placeholder, and the only way to the value is
//! [`Secret::expose`], so every place that handles plaintext is easy to find.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret value. Serializes as the plain string (it has to travel to the tenant), but never
/// shows up in `Debug` output, logs or error messages.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plaintext. Call sites are the audit list of where secrets are handled.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("canary-8c1f");
        assert!(!format!("{s:?}").contains("canary"));
        assert!(!format!("{:?}", Some(&s)).contains("canary"));
        assert_eq!(s.expose(), "canary-8c1f");
    }

    #[test]
    fn serde_is_transparent() {
        let s: Secret = serde_json::from_str("\"pw\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"pw\"");
    }
}
