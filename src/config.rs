//! Configuration: `cpi-gitops.toml` at the repository root (or `--config FILE`) says where the
//! tenants are; their credentials come only from the environment, and this module is the only
//! place that reads it (design.md section 6).
//!
//! ```toml
//! state_dir = "tenant-state"                          # default
//! max_artifact_bytes = 268435456                      # largest artifact file, default 256 MiB
//! [tenants.primary]
//! url = "https://primary.example.com"                # API root is <url>/api/v1
//! token_url = "https://auth.example.com/oauth/token" # present: OAuth client credentials
//! runtime_url = "https://primary-rt.example.com"     # companion endpoint and probe; default: url
//! companion_path = "/http/cpi-gitops/security-material"  # default: found on the tenant; "" for none
//! probe_path = "/http/cpi-gitops/ping"               # default; also probe_expect, probe_timeout_secs
//! concurrency = 8                                    # requests in flight, default 8
//! role = "passive"                                   # high availability; default "active"
//! platform = "cf"                                    # or "neo"; default: from url/token_url
//! [tenants.primary.companion]                        # what `companion install` configures
//! role = "CPIGitOps.SecurityMaterial"                # also address, ping_address, ping_role
//! ```
//!
//! Every number is checked when the file is read ([`Config::load`]): a value out of its range
//! (a concurrency of 0, a timeout of a million years) is an error naming the file, the table,
//! the key and the range, never silently replaced.
//!
//! For tenant `NAME` (upper-cased, other characters as `_`) the credentials are, in this order:
//! `CPI_<NAME>_SERVICE_KEY` (the JSON service key SAP issues: `url`, `tokenurl`, `clientid`,
//! `clientsecret`, at the top level or under `oauth`); `CPI_<NAME>_CLIENT_ID` with
//! `CPI_<NAME>_CLIENT_SECRET` (needs `token_url`); `CPI_<NAME>_USER` with `CPI_<NAME>_PASSWORD`
//! (Basic). Without a complete set of these, the same names without the tenant's name:
//! `CPI_SERVICE_KEY`, `CPI_CLIENT_ID` with `CPI_CLIENT_SECRET`, `CPI_USER` with `CPI_PASSWORD`
//! (a workflow matrix job holds one tenant's key under them). Calls to the runtime (`/http/...`)
//! use `CPI_<NAME>_RUNTIME_SERVICE_KEY`, or `_RUNTIME_CLIENT_ID` with `_RUNTIME_CLIENT_SECRET`,
//! or `_RUNTIME_USER` with `_RUNTIME_PASSWORD`; when the API's credentials are the unprefixed
//! ones, `CPI_RUNTIME_...` next; then the API's ([`Config::runtime_client`]). The age identity is
//! `CPI_GITOPS_AGE_IDENTITY` (the key text) or `CPI_GITOPS_AGE_IDENTITY_FILE` (a path).

use crate::client::{Auth, ClientConfig, DEFAULT_MAX_RESPONSE_BYTES, Platform, RetryPolicy};
use crate::secrets::{Identity, Secret};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The default configuration file name at the repository root.
pub const FILE_NAME: &str = "cpi-gitops.toml";

/// The parsed configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The state folder, relative to the repository root.
    #[serde(default = "default_state_dir")]
    pub state_dir: String,
    /// The largest answer accepted from a tenant, in bytes (default 512 MiB).
    pub max_response_bytes: Option<u64>,
    /// Tenants by name.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantSection>,
    /// The largest file of an artifact in bytes (default 256 MiB): a larger one is refused,
    /// naming the artifact, by export, plan, drift and apply.
    #[serde(default)]
    pub max_artifact_bytes: Option<u64>,
    /// Where the file was read from (for messages).
    #[serde(skip)]
    pub source: PathBuf,
}

fn default_state_dir() -> String {
    "tenant-state".into()
}

/// A state folder must be a plain relative path inside the repository.
fn check_state_dir(dir: &str) -> Result<(), String> {
    let parts: Vec<&str> = dir.trim_end_matches('/').split('/').collect();
    let bad = dir.is_empty()
        || dir.starts_with('/')
        || dir.contains('\\')
        || dir.contains(':')
        || parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == ".." || p.eq_ignore_ascii_case(".git"));
    if bad {
        Err(format!(
            "state_dir = \"{dir}\" must be a relative folder inside the repository, such as \"tenant-state\""
        ))
    } else {
        Ok(())
    }
}

/// The most requests in flight to one tenant a configuration or flag may ask for.
pub const MAX_CONCURRENCY: usize = 64;

/// The range of every number of `cpi-gitops.toml`: `(key, lowest, highest)`.
const RANGES: &[(&str, u64, u64)] = &[
    ("concurrency", 1, MAX_CONCURRENCY as u64),
    ("timeout_secs", 1, 86_400),
    ("retry_attempts", 1, 100),
    ("retry_budget_secs", 0, 86_400),
    ("retry_base_ms", 1, 60_000),
    ("deploy_poll_ms", 1, 60_000),
    ("deploy_timeout_secs", 1, 86_400),
    ("probe_timeout_secs", 1, 86_400),
    ("max_response_bytes", 1024, 1 << 40),
];

/// Checks `value` of `key` against [`RANGES`].
fn check_range(table: &str, key: &str, value: Option<u64>) -> Result<(), String> {
    let Some(value) = value else {
        return Ok(());
    };
    let Some((_, low, high)) = RANGES.iter().find(|(k, _, _)| *k == key) else {
        return Ok(());
    };
    if (*low..=*high).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{table}{key} = {value} is out of range: it must be between {low} and {high}"
        ))
    }
}

/// One `[tenants.NAME]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSection {
    /// The tenant's URL (the API is below `<url>/api/v1`).
    pub url: Option<String>,
    /// The OAuth token endpoint; present: client credentials, absent: Basic.
    pub token_url: Option<String>,
    /// The runtime's URL (the companion endpoint); default `url`.
    pub runtime_url: Option<String>,
    /// The companion's security-material path below `runtime_url`; default: the address of the
    /// tenant's deployed `CPIGitOps_SecurityMaterial`; empty: export without the companion.
    pub companion_path: Option<String>,
    /// Requests in flight to the tenant (default 8).
    pub concurrency: Option<usize>,
    /// Seconds per request before it is abandoned (default 120).
    pub timeout_secs: Option<u64>,
    /// Attempts per request that fail with 502, 503, 504 or a transport error (default 6).
    pub retry_attempts: Option<u32>,
    /// Seconds one request may spend on retries, `429`s included (default 300).
    pub retry_budget_secs: Option<u64>,
    /// First back-off delay in milliseconds (default 500).
    pub retry_base_ms: Option<u64>,
    /// First pause between runtime status reads while waiting for a deploy (default 1000 ms).
    pub deploy_poll_ms: Option<u64>,
    /// Longest wait for one deploy to reach `STARTED` (default 600 s).
    pub deploy_timeout_secs: Option<u64>,
    /// The tenant's role in a high-availability pair (default active); the roles a failover
    /// records in `refs/cpi-gitops/roles` override it.
    pub role: Option<Role>,
    /// What `cpi-gitops probe` requests below `runtime_url` (default the companion's ping,
    /// `/http/cpi-gitops/ping`).
    pub probe_path: Option<String>,
    /// The statuses the probe takes as healthy, e.g. `"200-299"` (the default) or `"200,204"`.
    pub probe_expect: Option<String>,
    /// Seconds before a probe gives up (default 10).
    pub probe_timeout_secs: Option<u64>,
    /// Where the tenant runs, `"cf"` or `"neo"`; default: what its URL or token URL (from the
    /// service key) says, else unknown.
    pub platform: Option<Platform>,
    /// How `companion install` configures the companion's flows.
    pub companion: Option<CompanionSection>,
}

/// A tenant's role in a high-availability pair (design.md section 8).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs everything, flows that start by themselves included.
    Active,
    /// Runs the flows a caller starts; holds back the flows that start by themselves.
    Passive,
}

impl Role {
    /// `active` or `passive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Active => "active",
            Role::Passive => "passive",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[tenants.NAME.companion]`: the configuration `companion install` sets on the companion's
/// flows (each has a default; flags of `companion install` win).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanionSection {
    /// The security-material flow's address below `/http` (default
    /// `/cpi-gitops/security-material`).
    pub address: Option<String>,
    /// The role a caller of the security-material flow needs (default
    /// `CPIGitOps.SecurityMaterial`).
    pub role: Option<String>,
    /// The ping flow's address below `/http` (default `/cpi-gitops/ping`).
    pub ping_address: Option<String>,
    /// The role a caller of the ping flow needs (default `CPIGitOps.Ping`).
    pub ping_role: Option<String>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        reason: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path} is not valid: {reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The tenant has no section.
    #[error("tenant `{tenant}` is not configured in {path}")]
    UnknownTenant {
        /// The tenant asked for.
        tenant: String,
        /// The file.
        path: PathBuf,
        /// The tenants it has.
        known: Vec<String>,
    },
    /// The tenant's section or credentials cannot be used.
    #[error("tenant `{tenant}`: {reason}")]
    Tenant {
        /// The tenant.
        tenant: String,
        /// Why.
        reason: String,
    },
    /// The environment has no credentials for the tenant.
    #[error("no credentials for tenant `{tenant}` in the environment")]
    NoCredentials {
        /// The tenant.
        tenant: String,
        /// The prefix of its variables, `CPI_<NAME>_`.
        prefix: String,
    },
    /// A variable of ours is set, but its name or value is not UTF-8.
    #[error("the environment variable {name} is not valid UTF-8")]
    NotUtf8 {
        /// The variable (invalid bytes shown as U+FFFD).
        name: String,
    },
    /// The age identity cannot be read.
    #[error("the age identity from {origin} cannot be read: {reason}")]
    Identity {
        /// Where it came from.
        origin: String,
        /// Why.
        reason: String,
    },
}

impl ConfigError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Read { .. } => Some(format!(
                "create {FILE_NAME} at the repository root, e.g.\n  [tenants.primary]\n  url = \"https://<tenant host>\"\n  token_url = \"https://<subdomain>.authentication.<region>.hana.ondemand.com/oauth/token\""
            )),
            ConfigError::UnknownTenant { known, .. } if known.is_empty() => {
                Some("add a [tenants.<name>] table with its url".into())
            }
            ConfigError::UnknownTenant { known, .. } => {
                Some(format!("configured tenants: {}", known.join(", ")))
            }
            ConfigError::NotUtf8 { name } => Some(format!(
                "set {name} again as UTF-8 text (credentials and service keys are text), or unset it"
            )),
            ConfigError::NoCredentials { prefix, .. } => Some(format!(
                "set {prefix}SERVICE_KEY (the JSON service key), or {prefix}CLIENT_ID and {prefix}CLIENT_SECRET, or {prefix}USER and {prefix}PASSWORD; or the same without the tenant's name (CPI_SERVICE_KEY, ...), as a workflow matrix does"
            )),
            _ => None,
        }
    }
}

/// The process environment, captured once (tests pass their own). Variables whose name or
/// value is not UTF-8 are left out; those of ours (`CPI_...`) are remembered by name, so that
/// reading one is an error that names it rather than "not set".
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    not_utf8: Vec<String>,
}

impl Env {
    /// The current process's environment.
    pub fn from_process() -> Env {
        Env::from_os(std::env::vars_os())
    }

    /// An environment of the given OS strings (as `std::env::vars_os` gives them).
    pub fn from_os(
        vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Env {
        let mut env = Env::default();
        for (key, value) in vars {
            match (key.into_string(), value.into_string()) {
                (Ok(k), Ok(v)) => {
                    env.vars.insert(k, v);
                }
                (key, _) => {
                    let name = match key {
                        Ok(k) => k,
                        Err(k) => k.to_string_lossy().into_owned(),
                    };
                    if name.starts_with("CPI_") {
                        env.not_utf8.push(name);
                    }
                }
            }
        }
        env
    }

    /// An environment of the given pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_utf8: Vec::new(),
        }
    }

    /// Refuses when a variable of ours starting with `prefix` is set but not UTF-8.
    pub fn check_utf8(&self, prefix: &str) -> Result<(), ConfigError> {
        match self.not_utf8.iter().find(|k| k.starts_with(prefix)) {
            Some(name) => Err(ConfigError::NotUtf8 { name: name.clone() }),
            None => Ok(()),
        }
    }

    /// Every variable.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of `key`, when set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The environment-variable prefix of a tenant: `CPI_<NAME>_`.
pub fn env_prefix(tenant: &str) -> String {
    let name: String = tenant
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("CPI_{name}_")
}

/// The unprefixed names' prefix: `CPI_SERVICE_KEY`, `CPI_CLIENT_ID`, ... hold the credentials of
/// whichever tenant a command names (a workflow matrix cannot name its `env:` variables).
pub const UNPREFIXED: &str = "CPI_";

/// Refuses when an unprefixed credential variable is set but not UTF-8.
fn check_unprefixed_utf8(env: &Env) -> Result<(), ConfigError> {
    for name in [
        "SERVICE_KEY",
        "CLIENT_ID",
        "CLIENT_SECRET",
        "USER",
        "PASSWORD",
    ] {
        env.check_utf8(&format!("{UNPREFIXED}{name}"))?;
    }
    Ok(())
}

/// Whether `env` holds one complete set of credentials under `prefix`: `SERVICE_KEY`, or
/// `CLIENT_ID` with `CLIENT_SECRET`, or `USER` with `PASSWORD`.
fn has_credentials(prefix: &str, env: &Env) -> bool {
    let set = |name: &str| env.get(&format!("{prefix}{name}")).is_some();
    set("SERVICE_KEY")
        || (set("CLIENT_ID") && set("CLIENT_SECRET"))
        || (set("USER") && set("PASSWORD"))
}

/// The prefix of `tenant`'s API credentials: `CPI_<NAME>_` when it holds a complete set (the
/// tenant's own names win), else the unprefixed `CPI_` when that does, else `CPI_<NAME>_` (for
/// the error naming what to set).
fn api_prefix(tenant: &str, env: &Env) -> String {
    let own = env_prefix(tenant);
    if !has_credentials(&own, env) && has_credentials(UNPREFIXED, env) {
        UNPREFIXED.to_string()
    } else {
        own
    }
}

/// The prefix of `tenant`'s runtime credentials: `CPI_<NAME>_RUNTIME_`; the unprefixed
/// `CPI_RUNTIME_` only when the API credentials are the unprefixed ones too (so that a job
/// holding one tenant's unprefixed runtime key never sends it to another tenant named by its
/// own variables).
fn runtime_prefix(tenant: &str, api: &str, env: &Env) -> String {
    let own = format!("{}RUNTIME_", env_prefix(tenant));
    let unprefixed = format!("{UNPREFIXED}RUNTIME_");
    if !has_credentials(&own, env) && api == UNPREFIXED && has_credentials(&unprefixed, env) {
        unprefixed
    } else {
        own
    }
}

impl Config {
    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|reason| ConfigError::Read {
            path: path.into(),
            reason,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            reason: e.to_string(),
        })?;
        config.source = path.to_path_buf();
        check_state_dir(&config.state_dir).map_err(|reason| ConfigError::Parse {
            path: path.into(),
            reason,
        })?;
        config
            .check_numbers()
            .map_err(|reason| ConfigError::Parse {
                path: path.into(),
                reason,
            })?;
        if config.max_artifact_bytes == Some(0) {
            return Err(ConfigError::Parse {
                path: path.into(),
                reason: "max_artifact_bytes must be at least 1 (bytes of the largest file of an artifact; default 268435456, 256 MiB)".into(),
            });
        }
        Ok(config)
    }

    /// Checks every number of the file against its range.
    pub fn check_numbers(&self) -> Result<(), String> {
        check_range("", "max_response_bytes", self.max_response_bytes)?;
        for (name, t) in &self.tenants {
            let table = format!("[tenants.{name}] ");
            for (key, value) in [
                ("concurrency", t.concurrency.map(|n| n as u64)),
                ("timeout_secs", t.timeout_secs),
                ("retry_attempts", t.retry_attempts.map(u64::from)),
                ("retry_budget_secs", t.retry_budget_secs),
                ("retry_base_ms", t.retry_base_ms),
                ("deploy_poll_ms", t.deploy_poll_ms),
                ("deploy_timeout_secs", t.deploy_timeout_secs),
                ("probe_timeout_secs", t.probe_timeout_secs),
            ] {
                check_range(&table, key, value)?;
            }
        }
        Ok(())
    }

    /// The client settings of `tenant`, with credentials from `env`.
    pub fn client(&self, tenant: &str, env: &Env) -> Result<ClientConfig, ConfigError> {
        let section = self.section(tenant)?;
        env.check_utf8(&env_prefix(tenant))?;
        check_unprefixed_utf8(env)?;
        let prefix = api_prefix(tenant, env);
        let bad = |reason: String| tenant_error(tenant, reason);
        // The configured token_url wins over the service key's.
        let Some((key_url, auth)) = self.credentials(
            tenant,
            env,
            &prefix,
            [section.token_url.clone(), None],
            section.token_url.clone(),
        )?
        else {
            return Err(ConfigError::NoCredentials {
                tenant: tenant.into(),
                prefix: env_prefix(tenant),
            });
        };
        let url = section.url.clone().or(key_url).ok_or_else(|| {
            bad(format!(
                "no url in [tenants.{tenant}] of {}",
                self.source.display()
            ))
        })?;
        let url = https(url);
        let runtime_url = section
            .runtime_url
            .clone()
            .map_or_else(|| url.clone(), |u| u.trim_end_matches('/').to_string());
        self.client_config(tenant, section, url, runtime_url, auth)
    }

    /// The size limits of artifact content (`max_artifact_bytes`).
    pub fn content_limits(&self) -> crate::store::content::Limits {
        crate::store::content::Limits {
            max_entry_bytes: self
                .max_artifact_bytes
                .unwrap_or(crate::store::content::DEFAULT_MAX_ENTRY_BYTES),
            ..Default::default()
        }
    }

    /// The first pause between deploy status reads, and the longest wait for a deploy.
    pub fn deploy_timing(&self, tenant: &str) -> (Duration, Duration) {
        let section = self.tenants.get(tenant);
        (
            Duration::from_millis(section.and_then(|s| s.deploy_poll_ms).unwrap_or(1000)),
            Duration::from_secs(section.and_then(|s| s.deploy_timeout_secs).unwrap_or(600)),
        )
    }

    /// The role `tenant` is configured with: its `role`, or `None` when the file does not say.
    pub fn role(&self, tenant: &str) -> Option<Role> {
        self.tenants.get(tenant).and_then(|s| s.role)
    }

    /// `UnknownTenant` unless the file configures `tenant`.
    pub fn check_tenant(&self, tenant: &str) -> Result<(), ConfigError> {
        if self.tenants.contains_key(tenant) {
            Ok(())
        } else {
            Err(ConfigError::UnknownTenant {
                tenant: tenant.into(),
                path: self.source.clone(),
                known: self.tenants.keys().cloned().collect(),
            })
        }
    }

    /// The companion endpoint path `tenant` configures: `None` when not configured (export then
    /// finds the companion's address on the tenant), `Some("")` to export without it.
    pub fn configured_companion_path(&self, tenant: &str) -> Option<String> {
        self.tenants
            .get(tenant)
            .and_then(|s| s.companion_path.clone())
    }

    /// The `[tenants.NAME.companion]` section of `tenant` (empty when absent).
    pub fn companion_section(&self, tenant: &str) -> CompanionSection {
        self.tenants
            .get(tenant)
            .and_then(|s| s.companion.clone())
            .unwrap_or_default()
    }

    /// The probe settings of `tenant`: path (default the companion's ping), expected statuses
    /// as written (default `200-299`), timeout (default 10 s).
    pub fn probe(&self, tenant: &str) -> (String, String, Duration) {
        let section = self.tenants.get(tenant);
        (
            section
                .and_then(|s| s.probe_path.clone())
                .unwrap_or_else(|| crate::wire::companion::DEFAULT_PING_PATH.to_string()),
            section
                .and_then(|s| s.probe_expect.clone())
                .unwrap_or_else(|| "200-299".to_string()),
            Duration::from_secs(section.and_then(|s| s.probe_timeout_secs).unwrap_or(10)),
        )
    }

    /// The client settings for `tenant`'s runtime (`<runtime_url>/http/...`: the companion and
    /// the probe), with the runtime credentials from `env` (design.md section 6):
    /// `CPI_<NAME>_RUNTIME_SERVICE_KEY` (the key of an `integration-flow` service instance; its
    /// `url` is the runtime URL when `runtime_url` is not configured), or
    /// `CPI_<NAME>_RUNTIME_CLIENT_ID` with `_RUNTIME_CLIENT_SECRET` (OAuth at `token_url`, or
    /// the API service key's `tokenurl`), or `CPI_<NAME>_RUNTIME_USER` with `_RUNTIME_PASSWORD`
    /// (Basic); without any of these, the API's credentials and `runtime_url` (default `url`).
    pub fn runtime_client(&self, tenant: &str, env: &Env) -> Result<ClientConfig, ConfigError> {
        let section = self.section(tenant)?;
        env.check_utf8(&env_prefix(tenant))?;
        check_unprefixed_utf8(env)?;
        env.check_utf8(&format!("{UNPREFIXED}RUNTIME_"))?;
        let api = api_prefix(tenant, env);
        let prefix = runtime_prefix(tenant, &api, env);
        let bad = |reason: String| tenant_error(tenant, reason);
        let api_key = env
            .get(&format!("{api}SERVICE_KEY"))
            .and_then(|k| ServiceKey::parse(k).ok());
        // The runtime key's own tokenurl wins; a client id uses token_url, else the API key's.
        let Some((key_url, auth)) = self.credentials(
            tenant,
            env,
            &prefix,
            [None, section.token_url.clone()],
            section
                .token_url
                .clone()
                .or_else(|| api_key.as_ref().and_then(|k| k.tokenurl.clone())),
        )?
        else {
            return self.client(tenant, env);
        };
        let url = section
            .url
            .clone()
            .or_else(|| api_key.as_ref().and_then(|k| k.url.clone()));
        let runtime_url = section
            .runtime_url
            .clone()
            .or(key_url)
            .or_else(|| url.clone())
            .map(https)
            .ok_or_else(|| {
                bad(format!(
                    "no runtime_url (or url) in [tenants.{tenant}] of {}",
                    self.source.display()
                ))
            })?;
        let url = url.map(https).unwrap_or_else(|| runtime_url.clone());
        self.client_config(tenant, section, url, runtime_url, auth)
    }

    /// The section of `tenant`, or which tenants there are.
    fn section(&self, tenant: &str) -> Result<&TenantSection, ConfigError> {
        self.tenants
            .get(tenant)
            .ok_or_else(|| ConfigError::UnknownTenant {
                tenant: tenant.into(),
                path: self.source.clone(),
                known: self.tenants.keys().cloned().collect(),
            })
    }

    /// The credentials under `prefix` in `env`: `SERVICE_KEY` (its `url` returned beside),
    /// `CLIENT_ID` with `CLIENT_SECRET` (OAuth at `client_token_url`), or `USER` with `PASSWORD`
    /// (Basic); `None` without any. A service key's token URL is the first of
    /// `key_token_urls[0]`, its own `tokenurl`, `key_token_urls[1]`.
    fn credentials(
        &self,
        tenant: &str,
        env: &Env,
        prefix: &str,
        key_token_urls: [Option<String>; 2],
        client_token_url: Option<String>,
    ) -> Result<Option<(Option<String>, Auth)>, ConfigError> {
        let bad = |reason: String| tenant_error(tenant, reason);
        if let Some(key) = env.get(&format!("{prefix}SERVICE_KEY")) {
            let key = ServiceKey::parse(key)
                .map_err(|e| bad(format!("{prefix}SERVICE_KEY is not a service key: {e}")))?;
            let [first, last] = key_token_urls;
            let token_url = first
                .or(key.tokenurl)
                .or(last)
                .ok_or_else(|| bad(format!("{prefix}SERVICE_KEY has no tokenurl")))?;
            return Ok(Some((
                key.url,
                Auth::OAuth {
                    token_url,
                    client_id: key.clientid,
                    client_secret: Secret::new(key.clientsecret),
                },
            )));
        }
        if let (Some(id), Some(secret)) = (
            env.get(&format!("{prefix}CLIENT_ID")),
            env.get(&format!("{prefix}CLIENT_SECRET")),
        ) {
            let token_url = client_token_url.ok_or_else(|| {
                bad(format!(
                    "{prefix}CLIENT_ID is set, so token_url is needed in [tenants.{tenant}] of {}",
                    self.source.display()
                ))
            })?;
            return Ok(Some((
                None,
                Auth::OAuth {
                    token_url,
                    client_id: id.into(),
                    client_secret: Secret::new(secret),
                },
            )));
        }
        if let (Some(user), Some(password)) = (
            env.get(&format!("{prefix}USER")),
            env.get(&format!("{prefix}PASSWORD")),
        ) {
            return Ok(Some((
                None,
                Auth::Basic {
                    user: user.into(),
                    password: Secret::new(password),
                },
            )));
        }
        Ok(None)
    }

    /// The settings shared by the API's and the runtime's clients of `tenant`; the secret of
    /// `auth` is registered for redaction.
    fn client_config(
        &self,
        tenant: &str,
        section: &TenantSection,
        url: String,
        runtime_url: String,
        auth: Auth,
    ) -> Result<ClientConfig, ConfigError> {
        self.check_numbers()
            .map_err(|reason| tenant_error(tenant, reason))?;
        let mut retry = RetryPolicy::default();
        if let Some(n) = section.retry_attempts {
            retry.max_attempts = n;
        }
        if let Some(ms) = section.retry_base_ms {
            retry.base_delay = Duration::from_millis(ms);
        }
        if let Some(secs) = section.retry_budget_secs {
            retry.max_total = Duration::from_secs(secs);
        }
        let token_url = match &auth {
            Auth::Basic { password, .. } => {
                crate::redact::register_str(password.expose());
                None
            }
            Auth::OAuth {
                client_secret,
                token_url,
                ..
            } => {
                crate::redact::register_str(client_secret.expose());
                Some(token_url.as_str())
            }
        };
        let platform = section.platform.or_else(|| Platform::of(&url, token_url));
        Ok(ClientConfig {
            platform,
            name: tenant.into(),
            url,
            runtime_url,
            auth,
            concurrency: section
                .concurrency
                .unwrap_or(crate::client::DEFAULT_CONCURRENCY),
            retry,
            timeout: Duration::from_secs(section.timeout_secs.unwrap_or(120)),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
        })
    }
}

/// `url` with `https://` when it names no scheme, without a trailing `/`.
fn https(url: String) -> String {
    let url = if url.contains("://") {
        url
    } else {
        format!("https://{url}")
    };
    url.trim_end_matches('/').to_string()
}

/// An error in the configuration of `tenant`.
fn tenant_error(tenant: &str, reason: String) -> ConfigError {
    ConfigError::Tenant {
        tenant: tenant.into(),
        reason,
    }
}

/// Registers the lines of an identity's key text for redaction (comments and PEM armor lines
/// are not secret).
fn register_key_text(text: &str) {
    for line in text.lines().map(str::trim) {
        if !line.is_empty() && !line.starts_with('#') && !line.starts_with("-----") {
            crate::redact::register_str(line);
        }
    }
}

#[derive(Deserialize)]
struct ServiceKey {
    url: Option<String>,
    tokenurl: Option<String>,
    clientid: String,
    clientsecret: String,
}

impl ServiceKey {
    fn parse(text: &str) -> Result<ServiceKey, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("invalid JSON at line {}", e.line()))?;
        let inner = value.get("oauth").cloned().unwrap_or(value);
        serde_json::from_value(inner)
            .map_err(|_| "it needs clientid and clientsecret (and tokenurl, url)".into())
    }
}

/// The folder of the user's cpi-gitops files (the age identities `init` writes):
/// `$XDG_CONFIG_HOME/cpi-gitops`, else `$HOME/.config/cpi-gitops`, else `%APPDATA%\cpi-gitops`.
pub fn user_config_dir(env: &Env) -> Option<PathBuf> {
    env.get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| Path::new(h).join(".config")))
        .or_else(|| env.get("APPDATA").map(PathBuf::from))
        .map(|d| d.join("cpi-gitops"))
}

/// What `init` pins the workflows' action to, when not what the release build recorded:
/// `CPI_GITOPS_ACTION_REPOSITORY` (owner/name) and `CPI_GITOPS_ACTION_SHA` (a commit of it).
pub fn action_override(env: &Env) -> (Option<&str>, Option<&str>) {
    (
        env.get("CPI_GITOPS_ACTION_REPOSITORY"),
        env.get("CPI_GITOPS_ACTION_SHA"),
    )
}

/// The age identity from `CPI_GITOPS_AGE_IDENTITY` or `CPI_GITOPS_AGE_IDENTITY_FILE`, if set.
pub fn age_identity(env: &Env) -> Result<Option<Identity>, ConfigError> {
    env.check_utf8("CPI_GITOPS_AGE_IDENTITY")?;
    if let Some(text) = env.get("CPI_GITOPS_AGE_IDENTITY") {
        register_key_text(text);
        return Identity::parse(text, "CPI_GITOPS_AGE_IDENTITY")
            .map(Some)
            .map_err(|e| ConfigError::Identity {
                origin: "CPI_GITOPS_AGE_IDENTITY".into(),
                reason: e.to_string(),
            });
    }
    if let Some(path) = env.get("CPI_GITOPS_AGE_IDENTITY_FILE") {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Identity {
            origin: path.into(),
            reason: e.to_string(),
        })?;
        register_key_text(&text);
        return Identity::parse(&text, path)
            .map(Some)
            .map_err(|e| ConfigError::Identity {
                origin: path.into(),
                reason: e.to_string(),
            });
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        let mut c: Config = toml::from_str(text).unwrap();
        c.source = "cpi-gitops.toml".into();
        c
    }

    #[test]
    fn service_key_gives_url_token_url_and_client() {
        let c = config("[tenants.primary]\n");
        let env = Env::from_pairs([(
            "CPI_PRIMARY_SERVICE_KEY",
            r#"{"oauth":{"clientid":"sb-1","clientsecret":"canary-77","url":"https://t.example","tokenurl":"https://a.example/oauth/token"}}"#,
        )]);
        let cc = c.client("primary", &env).unwrap();
        assert_eq!(cc.url, "https://t.example");
        assert_eq!(cc.runtime_url, "https://t.example");
        assert!(
            matches!(&cc.auth, Auth::OAuth { token_url, client_id, .. } if token_url == "https://a.example/oauth/token" && client_id == "sb-1")
        );
        assert!(!format!("{cc:?}").contains("canary-77"));
    }

    #[test]
    fn client_id_needs_a_token_url_and_basic_needs_nothing_more() {
        let c = config("[tenants.dr-site]\nurl = \"https://x\"\n");
        let env = Env::from_pairs([
            ("CPI_DR_SITE_CLIENT_ID", "a"),
            ("CPI_DR_SITE_CLIENT_SECRET", "b"),
        ]);
        assert!(
            c.client("dr-site", &env)
                .unwrap_err()
                .to_string()
                .contains("token_url")
        );
        let env = Env::from_pairs([("CPI_DR_SITE_USER", "u"), ("CPI_DR_SITE_PASSWORD", "p")]);
        assert!(matches!(
            c.client("dr-site", &env).unwrap().auth,
            Auth::Basic { .. }
        ));
    }

    #[test]
    fn unprefixed_credentials_serve_any_tenant_and_the_prefixed_win() {
        let c = config(
            "[tenants.dr]\nurl = \"https://dr.example\"\ntoken_url = \"https://auth.example/token\"\n",
        );
        let env = Env::from_pairs([("CPI_CLIENT_ID", "matrix"), ("CPI_CLIENT_SECRET", "s")]);
        assert!(
            matches!(&c.client("dr", &env).unwrap().auth, Auth::OAuth { client_id, .. } if client_id == "matrix"),
            "unprefixed names serve the tenant a command names"
        );
        let env = Env::from_pairs([
            ("CPI_CLIENT_ID", "matrix"),
            ("CPI_CLIENT_SECRET", "s"),
            ("CPI_DR_USER", "own"),
            ("CPI_DR_PASSWORD", "p"),
        ]);
        assert!(
            matches!(&c.client("dr", &env).unwrap().auth, Auth::Basic { user, .. } if user == "own"),
            "a complete prefixed set wins over unprefixed names, whatever its form"
        );
        let env = Env::from_pairs([
            ("CPI_USER", "matrix"),
            ("CPI_PASSWORD", "p"),
            ("CPI_DR_CLIENT_ID", "half"),
        ]);
        assert!(
            matches!(&c.client("dr", &env).unwrap().auth, Auth::Basic { user, .. } if user == "matrix"),
            "half a prefixed pair does not count"
        );
        let env = Env::from_pairs([(
            "CPI_SERVICE_KEY",
            r#"{"clientid":"sk","clientsecret":"s","url":"https://ignored.example"}"#,
        )]);
        let cc = c.client("dr", &env).unwrap();
        assert_eq!(
            cc.url, "https://dr.example",
            "the file's url wins over the key's"
        );
        assert!(matches!(&cc.auth, Auth::OAuth { client_id, .. } if client_id == "sk"));
    }

    #[test]
    fn unprefixed_runtime_credentials_go_with_unprefixed_api_credentials_only() {
        let c = config("[tenants.dr]\nurl = \"https://dr.example\"\n");
        let env = Env::from_pairs([
            ("CPI_USER", "api"),
            ("CPI_PASSWORD", "p"),
            ("CPI_RUNTIME_USER", "rt"),
            ("CPI_RUNTIME_PASSWORD", "p"),
        ]);
        assert!(
            matches!(&c.runtime_client("dr", &env).unwrap().auth, Auth::Basic { user, .. } if user == "rt")
        );
        let env = Env::from_pairs([
            ("CPI_DR_USER", "api"),
            ("CPI_DR_PASSWORD", "p"),
            ("CPI_RUNTIME_USER", "someone-elses"),
            ("CPI_RUNTIME_PASSWORD", "p"),
        ]);
        assert!(
            matches!(&c.runtime_client("dr", &env).unwrap().auth, Auth::Basic { user, .. } if user == "api"),
            "a tenant named by its own variables never gets the unprefixed runtime key"
        );
        let env = Env::from_pairs([
            ("CPI_USER", "api"),
            ("CPI_PASSWORD", "p"),
            ("CPI_RUNTIME_USER", "matrix-rt"),
            ("CPI_RUNTIME_PASSWORD", "p"),
            ("CPI_DR_RUNTIME_USER", "own-rt"),
            ("CPI_DR_RUNTIME_PASSWORD", "p"),
        ]);
        assert!(
            matches!(&c.runtime_client("dr", &env).unwrap().auth, Auth::Basic { user, .. } if user == "own-rt")
        );
    }

    #[test]
    fn missing_credentials_and_tenants_have_hints() {
        let c = config("[tenants.primary]\nurl = \"https://x\"\n");
        let e = c.client("primary", &Env::default()).unwrap_err();
        assert!(e.hint().unwrap().contains("CPI_PRIMARY_SERVICE_KEY"));
        let e = c.client("secondary", &Env::default()).unwrap_err();
        assert!(e.hint().unwrap().contains("primary"));
        assert!(toml::from_str::<Config>("[tenants.x]\nulr = \"typo\"\n").is_err());
    }

    #[test]
    fn numbers_out_of_range_are_refused_by_name() {
        for (text, key) in [
            (
                "[tenants.p]\nconcurrency = 0\n",
                "[tenants.p] concurrency = 0",
            ),
            (
                "[tenants.p]\nconcurrency = 65\n",
                "[tenants.p] concurrency = 65",
            ),
            ("[tenants.p]\ntimeout_secs = 0\n", "timeout_secs = 0"),
            (
                "[tenants.p]\ntimeout_secs = 18446744073709551615\n",
                "timeout_secs",
            ),
            ("[tenants.p]\nretry_attempts = 0\n", "retry_attempts = 0"),
            ("[tenants.p]\ndeploy_poll_ms = 0\n", "deploy_poll_ms = 0"),
            (
                "[tenants.p]\nprobe_timeout_secs = 0\n",
                "probe_timeout_secs = 0",
            ),
            ("max_response_bytes = 0\n", "max_response_bytes = 0"),
        ] {
            let err = config(text).check_numbers().unwrap_err();
            assert!(
                err.contains(key) && err.contains("between"),
                "{text}: {err}"
            );
        }
        assert!(
            config("[tenants.p]\nconcurrency = 64\nretry_budget_secs = 0\n")
                .check_numbers()
                .is_ok()
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_variables_are_skipped_or_named() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0x66, 0x6f, 0xff]);
        let env = Env::from_os([
            (OsString::from("LANG_X"), bad.clone()),
            (OsString::from("CPI_PRIMARY_PASSWORD"), bad),
            (OsString::from("CPI_PRIMARY_USER"), OsString::from("u")),
        ]);
        assert_eq!(env.get("CPI_PRIMARY_USER"), Some("u"));
        let c = config("[tenants.primary]\nurl = \"https://x\"\n");
        let err = c.client("primary", &env).unwrap_err();
        assert!(
            err.to_string()
                .contains("CPI_PRIMARY_PASSWORD is not valid UTF-8"),
            "{err}"
        );
        assert!(c.client("secondary", &env).is_err());
    }

    #[test]
    fn roles_are_active_or_passive() {
        let c = config(
            "[tenants.a]\n[tenants.b]\nrole = \"passive\"\n[tenants.c]\nrole = \"active\"\n",
        );
        assert_eq!(c.role("a"), None);
        assert_eq!(c.role("b"), Some(Role::Passive));
        assert_eq!(c.role("c"), Some(Role::Active));
        assert!(c.check_tenant("d").is_err());
        let e = toml::from_str::<Config>("[tenants.x]\nrole = \"standby\"\n").unwrap_err();
        assert!(e.to_string().contains("active"), "{e}");
    }

    #[test]
    fn runtime_credentials_fall_back_to_the_apis() {
        let c = config(
            "[tenants.primary]\nurl = \"https://api.example\"\ntoken_url = \"https://auth.example/token\"\n",
        );
        // Nothing for the runtime: the API's credentials, runtime_url = url.
        let env = Env::from_pairs([("CPI_PRIMARY_USER", "u"), ("CPI_PRIMARY_PASSWORD", "p")]);
        let rt = c.runtime_client("primary", &env).unwrap();
        assert!(matches!(&rt.auth, Auth::Basic { user, .. } if user == "u"));
        assert_eq!(rt.runtime_url, "https://api.example");
        // A runtime user wins, and needs no API credentials at all.
        let env = Env::from_pairs([
            ("CPI_PRIMARY_RUNTIME_USER", "probe"),
            ("CPI_PRIMARY_RUNTIME_PASSWORD", "canary-rt-1"),
        ]);
        let rt = c.runtime_client("primary", &env).unwrap();
        assert!(matches!(&rt.auth, Auth::Basic { user, .. } if user == "probe"));
        assert!(!format!("{rt:?}").contains("canary-rt-1"));
        // A runtime client uses the tenant's token URL.
        let env = Env::from_pairs([
            ("CPI_PRIMARY_RUNTIME_CLIENT_ID", "rt-client"),
            ("CPI_PRIMARY_RUNTIME_CLIENT_SECRET", "s"),
        ]);
        let rt = c.runtime_client("primary", &env).unwrap();
        assert!(
            matches!(&rt.auth, Auth::OAuth { token_url, client_id, .. } if token_url == "https://auth.example/token" && client_id == "rt-client")
        );
        // An integration-flow service key: its url is the runtime's, its tokenurl its own.
        let env = Env::from_pairs([(
            "CPI_PRIMARY_RUNTIME_SERVICE_KEY",
            r#"{"oauth":{"clientid":"sb-rt","clientsecret":"x","url":"https://t-rt.example/","tokenurl":"https://auth.example/rt-token"}}"#,
        )]);
        let rt = c.runtime_client("primary", &env).unwrap();
        assert_eq!(rt.runtime_url, "https://t-rt.example");
        assert_eq!(rt.url, "https://api.example");
        assert!(
            matches!(&rt.auth, Auth::OAuth { token_url, .. } if token_url == "https://auth.example/rt-token")
        );
        // A configured runtime_url wins over the key's.
        let c = config(
            "[tenants.primary]\nurl = \"https://api.example\"\nruntime_url = \"https://rt.example\"\n",
        );
        assert_eq!(
            c.runtime_client("primary", &env).unwrap().runtime_url,
            "https://rt.example"
        );
        // A runtime client without any token URL is an error naming what to set.
        let env = Env::from_pairs([
            ("CPI_PRIMARY_RUNTIME_CLIENT_ID", "a"),
            ("CPI_PRIMARY_RUNTIME_CLIENT_SECRET", "b"),
        ]);
        let e = c.runtime_client("primary", &env).unwrap_err().to_string();
        assert!(
            e.contains("CPI_PRIMARY_RUNTIME_CLIENT_ID") && e.contains("token_url"),
            "{e}"
        );
    }

    #[test]
    fn probe_and_companion_settings_have_defaults() {
        let c = config(
            "[tenants.a]\n[tenants.b]\nprobe_path = \"/http/ping\"\nprobe_expect = \"200\"\nprobe_timeout_secs = 3\ncompanion_path = \"\"\n[tenants.b.companion]\nrole = \"Ops.Secrets\"\n",
        );
        assert_eq!(
            c.probe("a"),
            (
                "/http/cpi-gitops/ping".to_string(),
                "200-299".to_string(),
                Duration::from_secs(10)
            )
        );
        assert_eq!(
            c.probe("b"),
            (
                "/http/ping".to_string(),
                "200".to_string(),
                Duration::from_secs(3)
            )
        );
        assert_eq!(c.configured_companion_path("a"), None);
        assert_eq!(c.configured_companion_path("b").as_deref(), Some(""));
        assert_eq!(
            c.companion_section("b").role.as_deref(),
            Some("Ops.Secrets")
        );
        assert!(toml::from_str::<Config>("[tenants.x.companion]\nrol = \"typo\"\n").is_err());
    }

    #[test]
    fn state_dir_must_stay_inside_the_repository() {
        for bad in [
            "", "/", "/abs", "../x", "a/../b", ".git", "./x", "a//b", "C:\\x",
        ] {
            assert!(check_state_dir(bad).is_err(), "{bad}");
        }
        for good in ["tenant-state", "state/cpi", "tenant-state/"] {
            assert!(check_state_dir(good).is_ok(), "{good}");
        }
    }
}
