//! `cpi-gitops failover --to NAME [--from NAME]`: make the passive twin active (design.md
//! section 8), and `cpi-gitops roles`: the roles in effect.

use super::{CliError, Context, Outcome};
use crate::config::Role;
use crate::sync::apply::deploy::Timing;
use crate::sync::failover::{self, FailoverOptions, Request, Twin, Verdict};
use crate::sync::roles::{self, Roles, RolesError};
use std::time::Duration;

/// Make a passive tenant active: fence the old active, start the held-back flows
///
/// Preflight: NAME holds every flow it holds back as a passive twin at the version its base
/// records (else: apply first). Fence: where the old active is reachable within --fence-timeout,
/// undeploy its self-starting flows (timers, pollers, consumers) and wait until they are gone.
/// Deploy the held-back flows on NAME and wait until STARTED; if that fails, deploy them back on
/// the old active. Record the roles in refs/cpi-gitops/roles and update both tenants' bases,
/// without a commit to the branch. Exit code 0: switched and fenced; 2: switched, but the old
/// active could not be reached (it may still be polling: run the same command again once it is
/// back, to fence it); 1: error (nothing switched, or a step to run again).
#[derive(Debug, clap::Args)]
pub struct FailoverArgs {
    /// The tenant to make active
    #[arg(long, value_name = "NAME")]
    pub to: String,
    /// The active tenant to fence (default: the recorded active; when NAME is already active, a
    /// former active that could not be fenced)
    #[arg(long, value_name = "NAME")]
    pub from: Option<String>,
    /// How long fencing the old active may take before it counts as unreachable (90, 90s, 2m,
    /// 500ms)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub fence_timeout: Duration,
    /// Read both tenants and print the steps; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `90`, `90s`, `2m`, `500ms`: a positive duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 60s, 2m or 500ms"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("`{text}`: the unit must be ms, s, m or h")),
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("`{text}` must be more than 0 and at most a day"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// The tenant to fence when `to` is already active: a former active that could not be fenced,
/// else the one passive twin.
fn fence_after(roles: &Roles, to: &str) -> Result<Option<String>, CliError> {
    let pending: Vec<String> = roles
        .unfenced()
        .into_iter()
        .filter(|t| t != to && roles.is_configured(t))
        .collect();
    let candidates = if pending.is_empty() {
        roles
            .tenants()
            .into_iter()
            .filter(|t| t != to && roles.is_configured(t) && roles.role(t) == Role::Passive)
            .collect()
    } else {
        pending
    };
    match candidates.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        many => Err(CliError::user(format!(
            "`{to}` is already active, and several tenants could be the one to fence: {}",
            many.join(", ")
        ))
        .hinted("name it with --from")),
    }
}

/// Runs the failover and prints every step.
pub async fn cmd_failover(ctx: &Context, args: &FailoverArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    config.check_tenant(&args.to)?;
    if let Some(from) = &args.from {
        if *from == args.to {
            return Err(CliError::user(format!(
                "--from and --to both name `{from}`: a tenant cannot take over from itself"
            ))
            .hinted("--from names the old active to fence; leave it out to fence the recorded active; nothing was changed"));
        }
        config.check_tenant(from)?;
    }
    let roles = Roles::load(&repo, &config)?;
    let already_active = roles.role(&args.to) == Role::Active;
    let from = match &args.from {
        Some(f) => Some(f.clone()),
        None if already_active => fence_after(&roles, &args.to)?,
        None => match roles.active_besides(&args.to) {
            Ok(active) => Some(active),
            Err(RolesError::NoActive { .. }) => None,
            Err(e) => return Err(e.into()),
        },
    };
    let twin = |name: &str| -> Result<Twin, CliError> {
        let (poll, timeout) = config.deploy_timing(name);
        Ok(Twin {
            name: name.to_string(),
            client: ctx.client(&config, name, None)?,
            timing: Timing { poll, timeout },
        })
    };
    let to = twin(&args.to)?;
    let from = from.as_deref().map(twin).transpose()?;
    let report = failover::failover(Request {
        repo: &repo,
        state_dir: &config.state_dir,
        roles: &roles,
        to,
        from,
        already_active,
        limits: config.content_limits(),
        options: FailoverOptions {
            fence_timeout: args.fence_timeout,
            dry_run: args.dry_run,
        },
    })
    .await?;
    crate::report::failover::failover(&report, ctx.format);
    Ok(match report.verdict {
        Verdict::Switched | Verdict::Planned => Outcome::Success,
        Verdict::SwitchedUnfenced => Outcome::Differences,
        Verdict::Refused | Verdict::Failed => Outcome::Failed,
    })
}

/// Print the roles of the tenants: active or passive, and where that comes from
///
/// The role in cpi-gitops.toml is the default; the roles a failover recorded in
/// refs/cpi-gitops/roles override it. `--format json` gives {"active": [...], "passive": [...],
/// "unfenced": [...], "tenants": [...]} for workflows (which tenant to export from).
#[derive(Debug, clap::Args)]
pub struct RolesArgs {}

/// Prints the roles.
pub async fn cmd_roles(ctx: &Context, _args: &RolesArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    let roles = Roles::load(&repo, &config)?;
    crate::report::ha::roles(&roles::summary(&roles), ctx.format);
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_have_units_and_must_be_positive() {
        assert_eq!(parse_duration("60").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        for bad in [
            "", "0", "-1", "1x", "s", "NaN", "inf", "1e400", "2d", "90000",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
