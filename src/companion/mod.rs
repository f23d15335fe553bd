//! The companion package on a tenant (design.md section 9, docs/companion.md): its flows' zips
//! built from the embedded source ([`zips`]), the released versions a tenant's copy may be
//! ([`releases`]), `companion install` ([`install`]), and how export reaches it ([`export_call`]).
//! The protocol itself is `wire::companion`, shared with the emulator.

pub mod install;
pub mod releases;
pub mod zips;

use crate::client::{Client, ClientError};
use crate::config::{Config, ConfigError, Env};
use crate::read::{CompanionAddress, CompanionCall};
use crate::wire::companion::{
    DEFAULT_PING_ADDRESS, DEFAULT_PING_ROLE, DEFAULT_SECURITY_MATERIAL_ADDRESS,
    DEFAULT_SECURITY_MATERIAL_ROLE, HTTP_PREFIX,
};

/// Why the companion's client cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The configuration or the credentials.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The client refused the settings (a URL).
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// How export asks `tenant`'s companion: with the runtime credentials, at `companion_path` when
/// configured, else at the address the tenant's flow has; `None` when `companion_path = ""`.
pub fn export_call(
    config: &Config,
    tenant: &str,
    env: &Env,
) -> Result<Option<CompanionCall>, SetupError> {
    let address = match config.configured_companion_path(tenant) {
        Some(path) if path.is_empty() => return Ok(None),
        Some(path) => CompanionAddress::Path(path),
        None => CompanionAddress::Discover,
    };
    let runtime = Client::new(config.runtime_client(tenant, env)?)?;
    Ok(Some(CompanionCall { runtime, address }))
}

/// The configuration `companion install` gives the two flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The security-material flow's address below `/http`.
    pub address: String,
    /// The role its callers need.
    pub role: String,
    /// The ping flow's address below `/http`.
    pub ping_address: String,
    /// The role the ping's callers need.
    pub ping_role: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            address: DEFAULT_SECURITY_MATERIAL_ADDRESS.into(),
            role: DEFAULT_SECURITY_MATERIAL_ROLE.into(),
            ping_address: DEFAULT_PING_ADDRESS.into(),
            ping_role: DEFAULT_PING_ROLE.into(),
        }
    }
}

impl Settings {
    /// Checks the values: addresses start with `/` and hold no spaces or `{{`, roles are not
    /// empty and never the shared `ESBMessaging.send`.
    pub fn check(&self) -> Result<(), String> {
        for (what, address) in [
            ("address", &self.address),
            ("ping address", &self.ping_address),
        ] {
            let bad = !address.starts_with('/')
                || address.len() < 2
                || address.contains(char::is_whitespace)
                || address.contains("{{")
                || address.contains('?')
                || address.contains('#')
                || address.starts_with("/http/");
            if bad {
                return Err(format!(
                    "the {what} `{address}` is not an address below /http such as {}",
                    if what == "address" {
                        DEFAULT_SECURITY_MATERIAL_ADDRESS
                    } else {
                        DEFAULT_PING_ADDRESS
                    }
                ));
            }
        }
        if self.address == self.ping_address {
            return Err(format!(
                "both flows would listen on {}: give them different addresses",
                self.address
            ));
        }
        for (what, role) in [("role", &self.role), ("ping role", &self.ping_role)] {
            if role.trim().is_empty() || role.contains(char::is_whitespace) {
                return Err(format!("the {what} `{role}` is not a role name"));
            }
            if role == "ESBMessaging.send" {
                return Err(format!(
                    "the {what} must be a dedicated role, not ESBMessaging.send (every sender of every flow holds it)"
                ));
            }
        }
        Ok(())
    }

    /// The path of the security-material flow below the runtime URL.
    pub fn path(&self) -> String {
        format!("{HTTP_PREFIX}{}", self.address)
    }

    /// The path of the ping flow below the runtime URL.
    pub fn ping_path(&self) -> String {
        format!("{HTTP_PREFIX}{}", self.ping_address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_refuse_shared_roles_and_odd_addresses() {
        assert!(Settings::default().check().is_ok());
        for bad in [
            Settings {
                role: "ESBMessaging.send".into(),
                ..Default::default()
            },
            Settings {
                address: "cpi-gitops/x".into(),
                ..Default::default()
            },
            Settings {
                address: "/http/cpi-gitops/x".into(),
                ..Default::default()
            },
            Settings {
                ping_address: "/cpi-gitops/security-material".into(),
                ..Default::default()
            },
            Settings {
                ping_role: " ".into(),
                ..Default::default()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
}
