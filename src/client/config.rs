//! How to reach one tenant: [`ClientConfig`] (addresses, credentials, limits) and its checks.
//!
//! This module owns the configuration values and their validation (plain `http://` only for
//! loopback hosts, no credentials inside URLs). It does not read files or the environment: the
//! CLI's config loader builds a `ClientConfig` from `cpi-gitops.toml` and the `CPI_<NAME>_*`
//! variables. `Debug` of every type here is written by hand so that no secret can print.

use super::error::ClientError;
use crate::secrets::Secret;
use reqwest::Url;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// Default requests in flight per tenant (design.md section 7).
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default time limit of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default largest answer accepted (`max_response_bytes`): 512 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 512 * 1024 * 1024;

/// Everything the client needs to talk to one tenant.
#[derive(Clone)]
pub struct ClientConfig {
    /// The tenant's name in `cpi-gitops.toml`, e.g. `primary`; every error names it.
    pub name: String,
    /// The tenant's base URL; the API root is `<url>/api/v1` (a trailing slash is accepted).
    pub url: String,
    /// Base URL of runtime endpoints such as the companion security-material endpoint.
    pub runtime_url: String,
    /// How to authenticate.
    pub auth: Auth,
    /// Most requests in flight at once for this tenant.
    pub concurrency: usize,
    /// When and how often to repeat failed requests.
    pub retry: RetryPolicy,
    /// Time limit of one request (one attempt), from connecting to the end of the body.
    pub timeout: Duration,
    /// The largest answer accepted; a larger one is refused while it streams in.
    pub max_response_bytes: u64,
    /// Where the tenant runs, when known (`None`: read what may not exist and take `404` as
    /// absent).
    pub platform: Option<Platform>,
}

/// Where a tenant runs: SAP BTP's Cloud Foundry or Neo environment. Some API sets exist on one
/// only (`CertificateUserMappings`: Neo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Cloud Foundry.
    Cf,
    /// Neo.
    Neo,
}

impl Platform {
    /// The platform SAP's addresses name, `None` when they name neither: a Cloud Foundry tenant's
    /// API host is `<subdomain>.it-<node>.cfapps.<region>.hana.ondemand.com` and its token URL
    /// `https://<subdomain>.authentication.<region>.hana.ondemand.com/oauth/token`; a Neo
    /// tenant's API host starts with `<account>-tmn.` and its token URL ends with
    /// `/oauth2/api/v1/token`.
    pub fn of(url: &str, token_url: Option<&str>) -> Option<Platform> {
        let host = |u: &str| -> String {
            let rest = u.split_once("://").map_or(u, |(_, r)| r);
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let host = &rest[..end];
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            host.split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let api = host(url);
        let token = token_url.map(|t| (host(t), t.to_ascii_lowercase()));
        let cf = api.contains(".cfapps.")
            || token.as_ref().is_some_and(|(h, t)| {
                h.contains(".authentication.") && t.trim_end_matches('/').ends_with("/oauth/token")
            });
        let neo = api.split('.').next().is_some_and(|l| l.ends_with("-tmn"))
            || token
                .as_ref()
                .is_some_and(|(_, t)| t.trim_end_matches('/').ends_with("/oauth2/api/v1/token"));
        match (cf, neo) {
            (true, false) => Some(Platform::Cf),
            (false, true) => Some(Platform::Neo),
            _ => None,
        }
    }

    /// `cf` or `neo`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Cf => "cf",
            Platform::Neo => "neo",
        }
    }
}

impl ClientConfig {
    /// A config with the defaults: `runtime_url` equal to `url`, concurrency 8, the default
    /// retry policy and a 120 s timeout.
    pub fn new(name: impl Into<String>, url: impl Into<String>, auth: Auth) -> ClientConfig {
        let url = url.into();
        ClientConfig {
            name: name.into(),
            runtime_url: url.clone(),
            url,
            auth,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            platform: None,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("name", &self.name)
            .field("url", &redact_userinfo(&self.url))
            .field("runtime_url", &redact_userinfo(&self.runtime_url))
            .field("auth", &self.auth)
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("platform", &self.platform)
            .finish()
    }
}

/// How the client authenticates to the tenant (API reference section 2).
#[derive(Clone)]
pub enum Auth {
    /// OAuth 2.0 client credentials: a bearer token from `token_url`.
    OAuth {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
    },
    /// Basic authentication on every request (a session client that needs CSRF tokens).
    Basic {
        /// The user.
        user: String,
        /// Its password.
        password: Secret,
    },
}

impl Auth {
    /// `oauth` or `basic`, for logs and `Debug`.
    pub fn kind(&self) -> &'static str {
        match self {
            Auth::OAuth { .. } => "oauth",
            Auth::Basic { .. } => "basic",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::OAuth {
                token_url,
                client_id,
                client_secret: _,
            } => f
                .debug_struct("OAuth")
                .field("token_url", &redact_userinfo(token_url))
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
            Auth::Basic { user, password: _ } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

/// Retries of transient failures (429, 502, 503, 504, transport errors): exponential back-off
/// with jitter, `Retry-After` honoured. A request is retried while its time budget lasts
/// (`retry_budget_secs`); failures other than `429` also count against `max_attempts` (a `429`
/// says "later", not "broken": rate limits are waited out for as long as the budget allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most attempts of one request that fail with 502, 503, 504 or a transport error, the
    /// first included (6: one try and five retries).
    pub max_attempts: u32,
    /// Back-off before the first retry; it doubles with every further retry.
    pub base_delay: Duration,
    /// Longest back-off between two attempts (a longer `Retry-After` is still honoured).
    pub max_delay: Duration,
    /// The retry budget: no retry starts after this much time since the first attempt, and a
    /// `Retry-After` that would end beyond it ends the retries at once.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total: Duration::from_secs(300),
        }
    }
}

/// The longest time limit of one request a config may give (a day).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// The checked addresses of a config (never with credentials: `check` refuses those).
#[derive(Debug)]
pub(crate) struct Addresses {
    /// `<url>/api/v1/`, with the trailing slash (the base `__next` links resolve against).
    pub api_base: Url,
    /// The runtime base URL without a trailing slash.
    pub runtime_root: String,
    /// The OAuth token URL, when OAuth is used.
    pub token_url: Option<Url>,
}

impl Addresses {
    /// Whether every address is plain `http://` (which [`check`] allows only to loopback hosts).
    pub fn plain_http_only(&self) -> bool {
        let http = |u: &str| u.starts_with("http://");
        http(self.api_base.as_str())
            && http(&self.runtime_root)
            && self.token_url.as_ref().is_none_or(|u| http(u.as_str()))
    }
}

/// Checks a config: names, limits, and every URL (https, or http to a loopback host).
pub(crate) fn check(config: &ClientConfig) -> Result<Addresses, ClientError> {
    let name = &config.name;
    if config.concurrency == 0 {
        return Err(ClientError::Config(format!(
            "tenant `{name}`: concurrency must be at least 1"
        )));
    }
    if config.retry.max_attempts == 0 {
        return Err(ClientError::Config(format!(
            "tenant `{name}`: retry.max_attempts must be at least 1"
        )));
    }
    if config.max_response_bytes == 0 {
        return Err(ClientError::Config(format!(
            "tenant `{name}`: max_response_bytes must be at least 1"
        )));
    }
    if config.timeout.is_zero() || config.timeout > MAX_TIMEOUT {
        return Err(ClientError::Config(format!(
            "tenant `{name}`: the request timeout must be between 1 s and {} s",
            MAX_TIMEOUT.as_secs()
        )));
    }
    let url = parse_url(name, "url", &config.url)?;
    let api_base = Url::parse(&format!("{}/api/v1/", url.as_str().trim_end_matches('/')))
        .map_err(|e| ClientError::Config(format!("tenant `{name}`: url is not usable: {e}")))?;
    let runtime = parse_url(name, "runtime_url", &config.runtime_url)?;
    let token_url = match &config.auth {
        Auth::OAuth { token_url, .. } => Some(parse_url(name, "token_url", token_url)?),
        Auth::Basic { .. } => None,
    };
    Ok(Addresses {
        api_base,
        runtime_root: runtime.as_str().trim_end_matches('/').to_string(),
        token_url,
    })
}

/// Parses one URL of the config and applies the transport rules.
fn parse_url(tenant: &str, field: &str, value: &str) -> Result<Url, ClientError> {
    let url = Url::parse(value.trim()).map_err(|e| {
        ClientError::Config(format!(
            "tenant `{tenant}`: {field} `{}` is not a URL: {e}",
            redact_userinfo(value)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ClientError::Config(format!(
            "tenant `{tenant}`: {field} must not contain credentials; give them through the \
             environment (CPI_<NAME>_USER/PASSWORD, CLIENT_ID/CLIENT_SECRET or SERVICE_KEY)"
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ClientError::Config(format!(
            "tenant `{tenant}`: {field} `{url}` uses plain http, which is allowed only for \
             loopback addresses (127.0.0.0/8, ::1, localhost); use https"
        ))),
        other => Err(ClientError::Config(format!(
            "tenant `{tenant}`: {field} `{url}` has scheme `{other}`; use https"
        ))),
    }
}

/// Whether the URL's host is a loopback address: `127.0.0.0/8`, `::1` or `localhost`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// A URL for display with any `user:password@` part replaced.
fn redact_userinfo(value: &str) -> String {
    match Url::parse(value) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("<redacted>");
            let _ = url.set_password(None);
            url.to_string()
        }
        Ok(_) => value.to_string(),
        Err(_) => match value.rsplit_once('@') {
            Some((_, host)) => format!("<redacted>@{host}"),
            None => value.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_is_what_sap_addresses_name() {
        let cases = [
            (
                "https://acme.it-cpi018.cfapps.eu10-003.hana.ondemand.com",
                Some("https://acme.authentication.eu10.hana.ondemand.com/oauth/token"),
                Some(Platform::Cf),
            ),
            (
                "https://custom.example.com",
                Some("https://acme.authentication.cert.eu10.hana.ondemand.com/oauth/token/"),
                Some(Platform::Cf),
            ),
            (
                "https://acme.it-cpi018.cfapps.eu10-003.hana.ondemand.com",
                None,
                Some(Platform::Cf),
            ),
            (
                "https://p0123-tmn.hci.eu1.hana.ondemand.com",
                None,
                Some(Platform::Neo),
            ),
            (
                "https://custom.example.com",
                Some("https://oauthasservices-a1b2.hana.ondemand.com/oauth2/api/v1/token"),
                Some(Platform::Neo),
            ),
            ("https://custom.example.com", None, None),
            (
                "http://127.0.0.1:8080",
                Some("http://127.0.0.1:8080/oauth/token"),
                None,
            ),
            // Both at once: neither is trusted.
            (
                "https://p0123-tmn.hci.eu1.hana.ondemand.com",
                Some("https://acme.authentication.eu10.hana.ondemand.com/oauth/token"),
                None,
            ),
        ];
        for (url, token, want) in cases {
            assert_eq!(Platform::of(url, token), want, "{url} {token:?}");
        }
    }

    fn basic(url: &str) -> ClientConfig {
        ClientConfig::new(
            "t",
            url,
            Auth::Basic {
                user: "u".into(),
                password: Secret::new("canary-pw"),
            },
        )
    }

    #[test]
    fn loopback_http_is_accepted_and_other_http_refused() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10/",
            "http://localhost:1",
            "http://[::1]:9",
            "https://tenant.example.com",
        ] {
            assert!(check(&basic(ok)).is_ok(), "{ok} is allowed");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://128.0.0.1",
            "ftp://localhost",
        ] {
            assert!(
                matches!(check(&basic(bad)), Err(ClientError::Config(_))),
                "{bad} is refused"
            );
        }
    }

    #[test]
    fn api_base_has_one_trailing_slash() {
        let a = check(&basic("https://h.example/")).unwrap();
        assert_eq!(a.api_base.as_str(), "https://h.example/api/v1/");
        let a = check(&basic("https://h.example")).unwrap();
        assert_eq!(a.api_base.as_str(), "https://h.example/api/v1/");
    }

    #[test]
    fn credentials_in_urls_are_refused_without_echoing_them() {
        let err = check(&basic("https://user:canary-url@h.example")).unwrap_err();
        assert!(!err.to_string().contains("canary-url"), "{err}");
        let cfg = basic("https://user:canary-url@h.example");
        assert!(!format!("{cfg:?}").contains("canary"), "{cfg:?}");
    }
}
