//! `cpi-gitops demo`: the whole loop on emulated tenants. Until export and apply exist, it starts
//! a primary tenant with the `demo` seed and shows how to explore it.

use super::{CliError, Outcome};
use crate::emulator::{self, EmulatorConfig, Seed};
use std::net::SocketAddr;

/// Show the whole loop on emulated tenants
///
/// Starts an emulated primary tenant with the demo seed and prints how to explore it with curl.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address for the emulated primary tenant; port 0 picks a free port
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Start, print the walkthrough, and exit instead of serving until interrupted
    #[arg(long)]
    pub no_wait: bool,
}

pub async fn cmd_demo(args: &DemoArgs) -> Result<Outcome, CliError> {
    let config = EmulatorConfig {
        listen: args.listen,
        seed: Seed::Demo,
        ..Default::default()
    };
    let handle = emulator::start(config).await.map_err(|e| {
        CliError::user(e.to_string())
            .hinted("pick another address with --listen, e.g. --listen 127.0.0.1:0")
    })?;
    crate::report::demo_walkthrough(&handle);
    if !args.no_wait {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = handle.wait() => {}
        }
    }
    Ok(Outcome::Success)
}
