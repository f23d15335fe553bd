//! `cpi-gitops probe`: a tenant's runtime checked as the traffic manager checks it.

use super::{CliError, Context, Outcome};
use crate::client::Client;
use crate::probe::{self, Expect, ProbeTarget, WatchOptions};
use crate::report::Format;

/// Check a tenant's runtime as a traffic manager's health probe does
///
/// GET <runtime_url><probe_path> (default the companion's ping, /http/cpi-gitops/ping) with the
/// runtime credentials, one attempt: exit 0 when the status is expected, 1 when not or when the
/// tenant does not answer in time. With --watch, probes at an interval and reports when the
/// endpoint would be marked degraded (more consecutive failures than tolerated) and when it
/// recovers; exit 1 when it is degraded at the end.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The tenant to probe, as named in cpi-gitops.toml
    #[arg(long)]
    pub tenant: String,
    /// Healthy statuses, e.g. 200-299 or 200,204 (default: probe_expect, else 200-299)
    #[arg(long, value_name = "STATUSES")]
    pub expect: Option<String>,
    /// Give up on an answer after this long, e.g. 10s (default: probe_timeout_secs, else 10s)
    #[arg(long, value_name = "DURATION", value_parser = probe::parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Probe again and again, as a traffic manager does
    #[arg(long)]
    pub watch: bool,
    /// Between two probes of --watch
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = probe::parse_duration, requires = "watch")]
    pub interval: std::time::Duration,
    /// Consecutive failures tolerated before the endpoint counts as degraded (--watch)
    #[arg(long, value_name = "N", default_value_t = 3, requires = "watch")]
    pub tolerated_failures: u32,
    /// Stop after N probes (--watch; default: until interrupted)
    #[arg(long, value_name = "N", requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
}

/// Probes and prints what it saw.
pub async fn cmd_probe(ctx: &Context, args: &ProbeArgs) -> Result<Outcome, CliError> {
    if args.watch && args.count.is_none() && ctx.format == Format::Json {
        return Err(CliError::user(
            "--format json prints one document at the end: give --watch a --count",
        ));
    }
    let config = ctx.config_anywhere()?;
    let (path, expect, timeout) = config.probe(&args.tenant);
    let expect_text = args.expect.clone().unwrap_or(expect);
    let expect = Expect::parse(&expect_text).map_err(|e| {
        let origin = if args.expect.is_some() {
            "--expect".to_string()
        } else {
            format!("probe_expect of [tenants.{}]", args.tenant)
        };
        CliError::user(format!("{origin}: {e}"))
    })?;
    let mut cc = config.runtime_client(&args.tenant, &ctx.env)?;
    cc.retry.max_attempts = 1;
    cc.timeout = args.timeout.unwrap_or(timeout);
    cc.concurrency = 1;
    let client = Client::new(cc).map_err(|e| CliError::from_error(super::ErrorKind::Config, &e))?;
    let target = ProbeTarget {
        tenant: args.tenant.clone(),
        path,
        expect,
    };
    let url = client.runtime_address(&target.path);
    if !args.watch {
        let p = probe::probe_once(&client, &target, 1).await;
        crate::report::probe::once(&target, &url, &p, ctx.format);
        return Ok(if p.healthy {
            Outcome::Success
        } else {
            Outcome::Failed
        });
    }
    let options = WatchOptions {
        interval: args.interval,
        tolerated_failures: args.tolerated_failures,
        count: args.count,
    };
    let mut printer = crate::report::probe::Watching::new(&target, &url, options, ctx.format);
    let report = probe::watch(&client, &target, options, |p, e| printer.seen(p, e)).await;
    printer.finish(&report);
    Ok(if report.degraded {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}
