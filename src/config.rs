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
//! runtime_url = "https://primary-rt.example.com"     # companion endpoint; default: url
//! companion_path = "/http/cpi-gitops/security-material"  # default; "" for none
//! concurrency = 8                                    # requests in flight, default 8
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
//! (Basic). The age identity is `CPI_GITOPS_AGE_IDENTITY` (the key text) or
//! `CPI_GITOPS_AGE_IDENTITY_FILE` (a path).

use crate::client::{Auth, ClientConfig, DEFAULT_MAX_RESPONSE_BYTES, RetryPolicy};
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
    /// The companion endpoint's path below `runtime_url`; empty for none.
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
                "set {prefix}SERVICE_KEY (the JSON service key), or {prefix}CLIENT_ID and {prefix}CLIENT_SECRET, or {prefix}USER and {prefix}PASSWORD"
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
            ] {
                check_range(&table, key, value)?;
            }
        }
        Ok(())
    }

    /// The client settings of `tenant`, with credentials from `env`.
    pub fn client(&self, tenant: &str, env: &Env) -> Result<ClientConfig, ConfigError> {
        let section = self
            .tenants
            .get(tenant)
            .ok_or_else(|| ConfigError::UnknownTenant {
                tenant: tenant.into(),
                path: self.source.clone(),
                known: self.tenants.keys().cloned().collect(),
            })?;
        let prefix = env_prefix(tenant);
        env.check_utf8(&prefix)?;
        env.check_utf8("CPI_SERVICE_KEY")?;
        let bad = |reason: String| ConfigError::Tenant {
            tenant: tenant.into(),
            reason,
        };
        let (key_url, auth) = if let Some(key) = env.get(&format!("{prefix}SERVICE_KEY")) {
            let key = ServiceKey::parse(key)
                .map_err(|e| bad(format!("{prefix}SERVICE_KEY is not a service key: {e}")))?;
            let token_url = section
                .token_url
                .clone()
                .or(key.tokenurl)
                .ok_or_else(|| bad("the service key has no tokenurl".into()))?;
            (
                key.url,
                Auth::OAuth {
                    token_url,
                    client_id: key.clientid,
                    client_secret: Secret::new(key.clientsecret),
                },
            )
        } else if let (Some(id), Some(secret)) = (
            env.get(&format!("{prefix}CLIENT_ID")),
            env.get(&format!("{prefix}CLIENT_SECRET")),
        ) {
            let token_url = section.token_url.clone().ok_or_else(|| {
                bad(format!(
                    "{prefix}CLIENT_ID is set, so token_url is needed in [tenants.{tenant}] of {}",
                    self.source.display()
                ))
            })?;
            (
                None,
                Auth::OAuth {
                    token_url,
                    client_id: id.into(),
                    client_secret: Secret::new(secret),
                },
            )
        } else if let (Some(user), Some(password)) = (
            env.get(&format!("{prefix}USER")),
            env.get(&format!("{prefix}PASSWORD")),
        ) {
            (
                None,
                Auth::Basic {
                    user: user.into(),
                    password: Secret::new(password),
                },
            )
        } else {
            return Err(ConfigError::NoCredentials {
                tenant: tenant.into(),
                prefix,
            });
        };
        let url = section.url.clone().or(key_url).ok_or_else(|| {
            bad(format!(
                "no url in [tenants.{tenant}] of {}",
                self.source.display()
            ))
        })?;
        let url = if url.contains("://") {
            url
        } else {
            format!("https://{url}")
        };
        let url = url.trim_end_matches('/').to_string();
        self.check_numbers().map_err(bad)?;
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
        match &auth {
            Auth::Basic { password, .. } => crate::redact::register_str(password.expose()),
            Auth::OAuth { client_secret, .. } => {
                crate::redact::register_str(client_secret.expose())
            }
        }
        Ok(ClientConfig {
            name: tenant.into(),
            runtime_url: section
                .runtime_url
                .clone()
                .unwrap_or_else(|| url.clone())
                .trim_end_matches('/')
                .to_string(),
            url,
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

    /// The companion endpoint path of `tenant` (`None` when configured as empty).
    pub fn companion_path(&self, tenant: &str) -> Option<String> {
        let path = self
            .tenants
            .get(tenant)
            .and_then(|s| s.companion_path.clone())
            .unwrap_or_else(|| crate::wire::companion::DEFAULT_PATH.to_string());
        (!path.is_empty()).then_some(path)
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
