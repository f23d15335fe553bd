//! `cpi-gitops emulator`: run one emulated tenant until interrupted.

use super::{CliError, Context, Outcome, values};
use crate::emulator::{
    self, ClockMode, Credentials, Echo, EmulatorConfig, RuntimeUser, Seed, Switches,
};
use crate::secrets::Secret;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Run an emulated SAP Cloud Integration tenant
///
/// Serves the OData API under /api/v1, an OAuth token endpoint at /oauth/token, the /http/...
/// endpoints of started flows (the companion package's answered natively), and an admin API under
/// /admin. Prints its URL and credentials at start and runs until interrupted.
#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Initial state: empty, demo, or generate:PACKAGES:ARTIFACTS[:SEED]
    #[arg(long, default_value = "demo")]
    pub seed: Seed,
    /// Basic-auth user
    #[arg(long, default_value = emulator::DEFAULT_USER)]
    pub user: String,
    /// Basic-auth password
    #[arg(long, default_value = emulator::DEFAULT_PASSWORD)]
    pub password: String,
    /// OAuth client id for the token endpoint
    #[arg(long, default_value = emulator::DEFAULT_CLIENT_ID)]
    pub client_id: String,
    /// OAuth client secret for the token endpoint
    #[arg(long, default_value = emulator::DEFAULT_CLIENT_SECRET)]
    pub client_secret: String,
    /// Keep the tenant's state in this file across restarts (holds secrets in plaintext)
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Every API request takes at least this many milliseconds to answer (at most 600000)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub latency_ms: u64,
    /// Share of API requests answered 503 (0 to 1)
    #[arg(long, default_value_t = 0.0, value_parser = values::share)]
    pub fault_503: f64,
    /// Share of API requests answered 429 with Retry-After (0 to 1)
    #[arg(long, default_value_t = 0.0, value_parser = values::share)]
    pub fault_429: f64,
    /// Share of API requests whose connection is closed unanswered, before they are carried out (0 to 1)
    #[arg(long, default_value_t = 0.0, value_parser = values::share)]
    pub fault_reset: f64,
    /// Share of API requests carried out, then closed unanswered (0 to 1)
    #[arg(long, default_value_t = 0.0, value_parser = values::share)]
    pub fault_reset_after: f64,
    /// Seed of the fault dice
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// Retry-After seconds on 429 answers
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Most entries per collection page before __next (at least 1)
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub page_cap: u64,
    /// Answer 429 above this many requests per second (at least 1)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
    /// End a CSRF session after this many writes (at least 1)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub session_max_writes: Option<u32>,
    /// End every CSRF session every N API requests (at least 1)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub expire_sessions_every: Option<u32>,
    /// End every OAuth token every N API requests (at least 1)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub expire_tokens_every: Option<u32>,
    /// Repeat request bodies in error answers: raw, base64 or url
    #[arg(long, value_name = "HOW")]
    pub echo_request_bodies: Option<EchoArg>,
    /// Require CSRF tokens from bearer-token clients too
    #[arg(long)]
    pub csrf_for_bearer: bool,
    /// Neo mode: offer CertificateUserMappings
    #[arg(long)]
    pub neo: bool,
    /// Status reads per deploy phase (DEPLOYING, STARTING); 0 deploys at once (at most 1000)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub deploy_steps: u32,
    /// Leave the companion package's flows unanswered (404) even while deployed, as if they were
    /// not running: export then keeps secrets from git
    #[arg(long)]
    pub no_companion: bool,
    /// A user of the /http endpoints holding only the roles given, e.g. probe:secret:CPIGitOps.Ping
    /// (Basic, or OAuth client credentials at the token endpoint); repeat for more
    #[arg(long, value_name = "NAME:PASSWORD:ROLE[,ROLE]", value_parser = parse_runtime_user)]
    pub runtime_user: Vec<(String, RuntimeUser)>,
    /// Give __next links as absolute URLs
    #[arg(long)]
    pub absolute_next_links: bool,
    /// Lifetime of OAuth tokens in seconds (at least 1)
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub token_ttl: u64,
    /// Use a logical clock that starts at 2025-01-01 and advances one second per reading
    #[arg(long)]
    pub logical_clock: bool,
}

/// The `--echo-request-bodies` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[allow(missing_docs)]
pub enum EchoArg {
    Raw,
    Base64,
    Url,
}

impl From<EchoArg> for Echo {
    fn from(e: EchoArg) -> Echo {
        match e {
            EchoArg::Raw => Echo::Raw,
            EchoArg::Base64 => Echo::Base64,
            EchoArg::Url => Echo::Url,
        }
    }
}

impl EmulatorArgs {
    fn config(&self) -> EmulatorConfig {
        EmulatorConfig {
            listen: self.listen,
            credentials: Credentials {
                user: self.user.clone(),
                password: Secret::new(self.password.clone()),
                client_id: self.client_id.clone(),
                client_secret: Secret::new(self.client_secret.clone()),
                read_only: None,
            },
            seed: self.seed.clone(),
            data_file: self.data.clone(),
            switches: Switches {
                latency_ms: self.latency_ms,
                fault_503: self.fault_503,
                fault_429: self.fault_429,
                fault_reset: self.fault_reset,
                fault_reset_after: self.fault_reset_after,
                fault_seed: self.fault_seed,
                retry_after_secs: self.retry_after,
                page_cap: usize::try_from(self.page_cap).unwrap_or(usize::MAX),
                rate_limit: self.rate_limit,
                csrf_for_bearer: self.csrf_for_bearer,
                neo: self.neo,
                deploy_steps: self.deploy_steps,
                companion: !self.no_companion,
                runtime_users: self.runtime_user.iter().cloned().collect(),
                companion_unreadable: Vec::new(),
                absolute_next_links: self.absolute_next_links,
                fail_deploys: Default::default(),
                fail_routes: Default::default(),
                garbage_routes: Default::default(),
                cut_routes: Default::default(),
                reset_routes: Default::default(),
                session_max_writes: self.session_max_writes,
                expire_sessions_every: self.expire_sessions_every,
                expire_tokens_every: self.expire_tokens_every,
                echo_request_bodies: self.echo_request_bodies.map(EchoArg::into),
                down: false,
            },
            clock: if self.logical_clock {
                ClockMode::Logical {
                    start_ms: 1_735_689_600_000,
                    step_ms: 1000,
                }
            } else {
                ClockMode::System
            },
            token_ttl_secs: self.token_ttl,
            ..Default::default()
        }
    }
}

/// `NAME:PASSWORD:ROLE[,ROLE]` of `--runtime-user`.
fn parse_runtime_user(text: &str) -> Result<(String, RuntimeUser), String> {
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(password), roles) if !name.is_empty() && !password.is_empty() => Ok((
            name.to_string(),
            RuntimeUser {
                password: password.to_string(),
                roles: roles
                    .unwrap_or_default()
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
        )),
        _ => Err("expected NAME:PASSWORD:ROLE[,ROLE], e.g. probe:secret:CPIGitOps.Ping".into()),
    }
}

pub async fn cmd_emulator(ctx: &Context, args: &EmulatorArgs) -> Result<Outcome, CliError> {
    let handle = emulator::start(args.config()).await?;
    crate::report::emulator_banner(
        ctx.format,
        &handle,
        &args.seed.to_string(),
        args.data.as_deref(),
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = handle.wait() => {}
    }
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_users_parse_with_their_roles() {
        let (name, user) = parse_runtime_user("probe:pw:CPIGitOps.Ping,Other").unwrap();
        assert_eq!(name, "probe");
        assert_eq!(user.password, "pw");
        assert_eq!(user.roles, ["CPIGitOps.Ping", "Other"]);
        assert_eq!(
            parse_runtime_user("u:p").unwrap().1.roles,
            Vec::<String>::new()
        );
        for bad in ["", "u", ":p:r", "u::r"] {
            assert!(parse_runtime_user(bad).is_err(), "{bad}");
        }
    }
}
