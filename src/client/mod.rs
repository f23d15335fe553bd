//! The tenant client: one method per endpoint over the OData API (`<url>/api/v1`), with
//! authentication, CSRF, paging, retries and a concurrency limit per tenant.
//!
//! The exporter, apply and drift talk to tenants only through [`Client`]. It knows HTTP and the
//! OData conventions of the API reference; it must not know about files, git or the object
//! model. Where each job lives:
//!
//! | file | job |
//! |---|---|
//! | `config.rs` | [`ClientConfig`], [`Auth`], [`RetryPolicy`]; URL checks (https, or http to loopback) |
//! | `auth.rs` | Basic header, OAuth token fetch, cache and renewal |
//! | `csrf.rs` | CSRF token and session cookies; the `403` + `X-CSRF-Token: Required` test |
//! | `transport.rs` | one request on the wire: permit, headers, retries, size limit, counters, log lines |
//! | `limiter.rs` | the in-flight limit (lowered on `429`, raised slowly) and the pauses per API area |
//! | `retry.rs` | what is retried, the back-off and the time budget |
//! | `request.rs` | one logical request: credentials, CSRF, their repeats, error mapping |
//! | `recovery.rs` | writes cut by a connection reset, made safe to finish kind by kind (one table) |
//! | `odata.rs` | generic reads and writes: envelopes, 404 as `None`, `$value`, runtime endpoints |
//! | `runtime.rs` | calls to `<runtime_url>/http/...` (companion, probe): no CSRF, any status |
//! | `paging.rs` | collections: following `__next` |
//! | `endpoints.rs` | the typed reads of the exporter |
//! | `paths.rs` | percent-encoded paths and keys |
//! | `error.rs` | [`ClientError`] |
//!
//! ```no_run
//! # async fn example() -> Result<(), cpi_gitops::client::ClientError> {
//! use cpi_gitops::client::{Auth, Client, ClientConfig};
//! use cpi_gitops::secrets::Secret;
//! let client = Client::new(ClientConfig::new(
//!     "primary",
//!     "https://tenant.example.com",
//!     Auth::Basic { user: "api".into(), password: Secret::new("...") },
//! ))?;
//! for package in client.packages().await? {
//!     println!("{}", package.id);
//! }
//! # Ok(()) }
//! ```

mod auth;
mod config;
mod csrf;
mod endpoints;
mod error;
mod limiter;
mod odata;
mod paging;
pub mod paths;
mod recovery;
mod reply;
mod request;
mod retry;
mod runtime;
mod stats;
mod transport;
mod writes;

pub use config::{
    Auth, ClientConfig, DEFAULT_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    MAX_TIMEOUT, Platform, RetryPolicy,
};
pub use error::{ClientError, RequestLabel};
pub use reply::{Body, Reply};
pub use stats::ClientStats;

use auth::Authenticator;
use csrf::{Csrf, SessionCookies};
use limiter::Limiter;
use reqwest::Url;
use std::fmt;
use std::sync::Arc;
use transport::Transport;

/// A client of one tenant. Cheap to clone: clones share the connection pool, the token, the CSRF
/// session, the concurrency limit and the counters.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// The shared state behind [`Client`].
struct Inner {
    name: String,
    /// `<url>/api/v1/`.
    api_base: Url,
    /// The runtime base URL without a trailing slash.
    runtime_root: String,
    transport: Transport,
    auth: Authenticator,
    csrf: Csrf,
    /// Where the tenant runs, when known.
    platform: Option<Platform>,
}

impl Client {
    /// A client for the tenant of `config`. Refuses plain `http://` except to loopback hosts,
    /// URLs with credentials in them, a concurrency, attempt count or size limit of zero, and a
    /// timeout of zero or above [`MAX_TIMEOUT`].
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let addresses = config::check(&config)?;
        let cookies = Arc::new(SessionCookies::default());
        let mut builder = reqwest::Client::builder()
            .cookie_provider(cookies.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cpi-gitops/", env!("CARGO_PKG_VERSION")));
        if addresses.plain_http_only() {
            // Every address is plain http to this machine (an emulator): no TLS is ever spoken,
            // so the system's root certificates (tens of milliseconds to load) are not read.
            builder = builder.tls_certs_only(Vec::new());
        }
        let http = builder.build().map_err(|e| {
            ClientError::Config(format!(
                "tenant `{}`: cannot set up HTTP: {}",
                config.name,
                error::cause_chain(&e)
            ))
        })?;
        let auth = Authenticator::new(&config.name, &config.auth, addresses.token_url)?;
        Ok(Client {
            inner: Arc::new(Inner {
                api_base: addresses.api_base,
                runtime_root: addresses.runtime_root,
                transport: Transport {
                    tenant: config.name.clone(),
                    http,
                    limiter: Limiter::new(config.concurrency),
                    policy: config.retry,
                    timeout: config.timeout,
                    max_response_bytes: config.max_response_bytes,
                    counters: Default::default(),
                },
                auth,
                csrf: Csrf::new(cookies),
                platform: config.platform,
                name: config.name,
            }),
        })
    }

    /// The tenant's name from the configuration.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Where the tenant runs, when known.
    pub fn platform(&self) -> Option<Platform> {
        self.inner.platform
    }

    /// Requests sent (retries included), retries, and bytes received so far.
    pub fn stats(&self) -> ClientStats {
        self.inner.transport.counters.snapshot()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("name", &inner.name)
            .field("api_root", &inner.api_base.as_str())
            .field("runtime_url", &inner.runtime_root)
            .field(
                "auth",
                &if inner.auth.is_bearer() {
                    "oauth"
                } else {
                    "basic"
                },
            )
            .field("in_flight_limit", &inner.transport.limiter.limit())
            .field("stats", &inner.transport.counters.snapshot())
            .finish()
    }
}
