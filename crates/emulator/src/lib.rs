//! The tenant emulator: a faithful local SAP Cloud Integration tenant over HTTP.
//!
//! It implements the parts of the OData API (`/api/v1`) that a sync touches, with the rules a
//! real tenant enforces (section 12 of the API reference), so that a client tested against it
//! works against a real tenant; plus an OAuth token endpoint, the `/http/...` endpoints of
//! started flows (the companion package's two flows answered natively, as their scripts answer
//! on a tenant), and an admin API for tests and benchmarks.
//!
//! It is a product feature (the offline demo, users' own pipeline tests), embeddable several
//! times in one process, each on its own port. It shares only the wire types and the artifact
//! format code with the client; never the sync engine.
//!
//! ```no_run
//! # async fn example() -> Result<(), cpi_gitops_emulator::EmulatorError> {
//! use cpi_gitops_emulator::{EmulatorConfig, Seed, start};
//! let tenant = start(EmulatorConfig { seed: Seed::Demo, ..Default::default() }).await?;
//! println!("API at {}", tenant.api_url());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admin;
mod api;
mod app;
mod auth;
mod clock;
mod companion;
pub mod content;
mod dump;
mod filter;
mod odata;
mod render;
mod router;
mod runtime_http;
mod scheduler;
pub(crate) mod seed;
mod server;
mod state;
mod switches;
mod x509;

pub use auth::{
    Credentials, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USER,
};
pub use clock::ClockMode;
pub use seed::Seed;
pub use switches::{Echo, Garbage, RuntimeUser, Switches};

/// Text that makes a deployment fail when it appears in an artifact's files; the rest of its line
/// is the error text the runtime reports.
pub use api::FAIL_MARKER;

use app::App;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How to start an emulated tenant.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// Initial state (ignored when `data_file` exists).
    pub seed: Seed,
    /// Keep the state in this file across restarts.
    pub data_file: Option<PathBuf>,
    /// Initial switches.
    pub switches: Switches,
    /// Clock for every timestamp.
    pub clock: ClockMode,
    /// Lifetime of OAuth tokens.
    pub token_ttl_secs: u64,
    /// Lifetime of CSRF sessions.
    pub csrf_ttl_secs: u64,
    /// Seed of generated ids (tokens, task ids, access-policy ids); give two tenants different
    /// seeds to get different ids, as real tenants have.
    pub id_seed: u64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            credentials: Credentials::default(),
            seed: Seed::Empty,
            data_file: None,
            switches: Switches::default(),
            clock: ClockMode::System,
            token_ttl_secs: 3600,
            csrf_ttl_secs: 1800,
            id_seed: 0,
        }
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The data file exists but cannot be read as emulator state.
    #[error("cannot read the emulator data file {path}: {reason}")]
    DataFile {
        /// The data file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A switch is out of range.
    #[error("invalid switch: {0}")]
    Switch(String),
}

/// A running emulated tenant. Dropping the handle stops it.
pub struct EmulatorHandle {
    addr: SocketAddr,
    url: String,
    app: Arc<App>,
    task: tokio::task::JoinHandle<()>,
}

impl EmulatorHandle {
    /// The bound address (with the real port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The tenant's base URL, `http://127.0.0.1:<port>`: the `url` (and `runtime_url`) of a
    /// tenant in `cpi-gitops.toml`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The OData service root, `<url>/api/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v1", self.url)
    }

    /// The OAuth token endpoint, `<url>/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.url)
    }

    /// The accepted credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.app.credentials
    }

    /// The current switches (as `GET /admin/switches` answers them).
    pub fn switches(&self) -> Switches {
        self.app.switches()
    }

    /// Replaces the switches (as `PUT /admin/switches` does).
    pub fn set_switches(&self, switches: Switches) -> Result<(), EmulatorError> {
        switches.validate().map_err(EmulatorError::Switch)?;
        *app::lock(&self.app.switches) = switches;
        Ok(())
    }

    /// One `POST /admin/tick`: every started flow that starts by itself runs once; the ids of
    /// those that ran.
    pub fn tick(&self) -> Vec<String> {
        scheduler::tick(&self.app).ran
    }

    /// Waits until the server stops (it runs until the process ends).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Seconds as milliseconds of the emulator's clock, saturating.
fn millis(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Starts an emulated tenant in the current tokio runtime.
pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, EmulatorError> {
    config.switches.validate().map_err(EmulatorError::Switch)?;
    let tenant = match &config.data_file {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path).map_err(|e| EmulatorError::DataFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            serde_json::from_slice(&bytes).map_err(|e| EmulatorError::DataFile {
                path: path.clone(),
                reason: e.to_string(),
            })?
        }
        _ => seed::build(&config.seed, config.id_seed),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
    let app = Arc::new(App {
        addr,
        credentials: config.credentials,
        tenant: Mutex::new(tenant),
        auth: Mutex::new(auth::AuthState::new(config.id_seed)),
        switches: Mutex::new(config.switches.clone()),
        clock: clock::Clock::new(config.clock),
        stats: app::Stats::default(),
        dice: Mutex::new(app::Dice::new(config.switches.fault_seed)),
        rate: Mutex::new(app::RateWindow::default()),
        data_file: config.data_file,
        token_ttl_ms: millis(config.token_ttl_secs),
        token_ttl_secs: config.token_ttl_secs,
        csrf_ttl_ms: millis(config.csrf_ttl_secs),
    });
    app.persist().map_err(|e| EmulatorError::DataFile {
        path: app.data_file.clone().unwrap_or_default(),
        reason: e.to_string(),
    })?;
    let router = router::build(app.clone());
    let task = tokio::spawn(server::serve(listener, app.clone(), router));
    Ok(EmulatorHandle {
        addr,
        url: format!("http://{addr}"),
        app,
        task,
    })
}
