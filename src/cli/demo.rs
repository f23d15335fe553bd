//! `cpi-gitops demo`: the whole loop on two emulated tenants, in a scratch git repository, through
//! the same commands a user runs: export the primary, plan and restore an empty passive secondary
//! (it holds back the flows that start by themselves), check drift, change the secondary behind
//! git's back, see the drift, repair it; then fail over: the primary's region goes down, the
//! secondary takes over without fencing it (exit code 2), the primary comes back and is fenced
//! (exit code 0), and the pair fails back with both up (exit code 0).

use super::apply::ApplyArgs;
use super::context::{Context, Format};
use super::drift::DriftArgs;
use super::export::ExportArgs;
use super::failover::{FailoverArgs, RolesArgs};
use super::plan::PlanArgs;
use super::target::TargetArgs;
use super::{CliError, Outcome};
use crate::config::Env;
use crate::emulator::{self, EmulatorConfig, EmulatorHandle, Seed, Switches};
use crate::report::line;
use crate::scaffold;
use crate::secrets::Identity;
use std::path::PathBuf;

/// Show the whole loop on emulated tenants
///
/// Starts an emulated primary (the demo seed) and an empty passive secondary, creates a scratch
/// git repository with an age key for its secrets, and runs export, plan, apply, drift and
/// failover against them, printing each command and its output.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Create the scratch repository here (an empty or new folder) and keep it afterwards
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

fn step(n: u32, text: &str, command: &str) {
    line(&format!("\n{n}. {text}\n   $ {command}"));
}

fn expect(outcome: Outcome, want: Outcome, what: &str) -> Result<(), CliError> {
    if outcome == want {
        Ok(())
    } else {
        Err(CliError::internal(format!(
            "the demo's {what} ended with exit code {} instead of {}",
            outcome.exit_code(),
            want.exit_code()
        )))
    }
}

async fn tenant(seed: Seed, id_seed: u64) -> Result<EmulatorHandle, CliError> {
    emulator::start(EmulatorConfig {
        seed,
        id_seed,
        ..Default::default()
    })
    .await
    .map_err(|e| CliError::internal(format!("cannot start an emulated tenant: {e}")))
}

pub async fn cmd_demo(outer: &Context, args: &DemoArgs) -> Result<Outcome, CliError> {
    if outer.format != Format::Text {
        return Err(
            CliError::user("demo is a walkthrough for people: it prints text only").hinted(
                "run `cpi-gitops demo` without --format; each command it shows has --format json",
            ),
        );
    }
    let (dir, _cleanup) = scaffold::folder(args.dir.as_deref())?;
    let primary = tenant(Seed::Demo, 0).await?;
    let secondary = tenant(Seed::Empty, 2).await?;
    let (key, recipient) = Identity::generate();
    scaffold::repository(
        &dir,
        &[
            (
                "cpi-gitops.toml",
                &format!(
                    "[tenants.primary]\nurl = \"{}\"\ndeploy_poll_ms = 50\nretry_attempts = 3\nretry_base_ms = 100\n\n[tenants.secondary]\nurl = \"{}\"\nrole = \"passive\"\ndeploy_poll_ms = 50\nretry_attempts = 3\nretry_base_ms = 100\n",
                    primary.url(),
                    secondary.url()
                ),
            ),
            (
                "tenant-state/recipients.txt",
                &format!("# The demo's age key, generated for this run.\n{recipient}\n"),
            ),
        ],
        "Configure the demo's tenants",
    )?;
    let user = emulator::DEFAULT_USER;
    let password = emulator::DEFAULT_PASSWORD;
    let env = Env::from_pairs([
        ("CPI_PRIMARY_USER", user),
        ("CPI_PRIMARY_PASSWORD", password),
        ("CPI_SECONDARY_USER", user),
        ("CPI_SECONDARY_PASSWORD", password),
        ("CPI_GITOPS_AGE_IDENTITY", key.expose()),
    ]);
    let ctx = Context {
        config_path: None,
        repo_dir: dir.clone(),
        format: Format::Text,
        env,
        quiet: true,
    };

    line("cpi-gitops demo: the whole loop on two emulated tenants");
    line(&format!(
        "\n   primary:   {} (active; the demo seed: 5 packages, credentials, certificates, Partner Directory, a timer and an SFTP poller...)",
        primary.url()
    ));
    line(&format!(
        "   secondary: {} (passive: it holds back flows that start by themselves; empty, as after a disaster)",
        secondary.url()
    ));
    line(&format!(
        "   repository: {} (cpi-gitops.toml names both; secrets are encrypted to a fresh age key)",
        dir.display()
    ));

    let mut n = 0;
    let mut next = |text: &str, command: &str| {
        n += 1;
        step(n, text, command);
    };
    next(
        "Export the primary into git, secrets encrypted with age:",
        "cpi-gitops export --tenant primary",
    );
    let export = ExportArgs {
        tenant: "primary".into(),
        no_commit: false,
        message: None,
        concurrency: None,
    };
    expect(
        super::export::cmd_export(&ctx, &export).await?,
        Outcome::Success,
        "export",
    )?;
    let target = |tenant: &str| TargetArgs {
        tenant: tenant.into(),
        rev: "HEAD".into(),
        concurrency: None,
    };
    let apply = |tenant: &str, overwrite: bool| ApplyArgs {
        target: target(tenant),
        prune: false,
        overwrite_drift: overwrite,
        no_deploy: false,
        max_prune_share: 0.25,
        reset_number_ranges: false,
        role_check: super::apply::RoleCheck::On,
    };
    next(
        "Record the primary's base, so it can take over again after a failover (it has what git has; only its secrets are written, with the same values):",
        "cpi-gitops apply --tenant primary --overwrite-drift",
    );
    expect(
        super::apply::cmd_apply(&ctx, &apply("primary", true)).await?,
        Outcome::Success,
        "apply to the primary",
    )?;
    next(
        "Plan the empty passive secondary (exit code 2: there are changes; the timer, the poller and SAP's configure-only flow are held back):",
        "cpi-gitops plan --tenant secondary",
    );
    let plan = PlanArgs {
        target: target("secondary"),
        prune: false,
    };
    expect(
        super::plan::cmd_plan(&ctx, &plan).await?,
        Outcome::Differences,
        "plan",
    )?;
    next(
        "Restore the secondary from git: write everything, deploy the push flows, wait until STARTED, verify:",
        "cpi-gitops apply --tenant secondary --overwrite-drift",
    );
    expect(
        super::apply::cmd_apply(&ctx, &apply("secondary", true)).await?,
        Outcome::Success,
        "restore",
    )?;
    let drift = DriftArgs {
        target: target("secondary"),
    };
    next(
        "The twins are identical, but for what the passive twin holds back (exit code 0):",
        "cpi-gitops drift --tenant secondary",
    );
    expect(
        super::drift::cmd_drift(&ctx, &drift).await?,
        Outcome::Success,
        "drift",
    )?;

    // The change by hand, made with the tool's own tenant client.
    let config = ctx.config(&ctx.repo()?)?;
    ctx.client(&config, "secondary", None)?
        .configure("Orders_Inbound_HTTPS", "Timeout", "5000", "xsd:integer")
        .await
        .map_err(|e| CliError::internal(format!("cannot change the secondary: {e}")))?;
    next(
        "Someone changes a timeout on the secondary by hand. Drift finds it (exit code 2):",
        "cpi-gitops drift --tenant secondary",
    );
    expect(
        super::drift::cmd_drift(&ctx, &drift).await?,
        Outcome::Differences,
        "drift",
    )?;
    next(
        "Apply refuses to overwrite it unless told to (exit code 2, nothing changed):",
        "cpi-gitops apply --tenant secondary",
    );
    expect(
        super::settle(super::apply::cmd_apply(&ctx, &apply("secondary", false)).await),
        Outcome::Differences,
        "refused apply",
    )?;
    next(
        "Put git's value back:",
        "cpi-gitops apply --tenant secondary --overwrite-drift",
    );
    expect(
        super::apply::cmd_apply(&ctx, &apply("secondary", true)).await?,
        Outcome::Success,
        "repair",
    )?;
    next("Identical again:", "cpi-gitops drift --tenant secondary");
    expect(
        super::drift::cmd_drift(&ctx, &drift).await?,
        Outcome::Success,
        "drift",
    )?;

    next(
        "A scheduler tick on both emulators: the active primary runs its timer and its poller, the passive secondary neither (no file is processed twice):",
        "curl -X POST <tenant>/admin/tick   (the emulator's admin API)",
    );
    ticks(&primary, &secondary);

    primary
        .set_switches(Switches {
            down: true,
            ..primary.switches()
        })
        .map_err(|e| CliError::internal(e.to_string()))?;
    let failover = |to: &str| FailoverArgs {
        to: to.into(),
        from: None,
        fence_timeout: std::time::Duration::from_secs(60),
        dry_run: false,
    };
    next(
        "The primary's region goes down (the traffic manager already sends callers to the secondary). Fail over: the secondary starts the held-back flows, but the primary cannot be fenced (exit code 2: it may still be polling):",
        "cpi-gitops failover --to secondary",
    );
    expect(
        super::failover::cmd_failover(&ctx, &failover("secondary")).await?,
        Outcome::Differences,
        "failover with the primary down",
    )?;
    primary
        .set_switches(Switches {
            down: false,
            ..primary.switches()
        })
        .map_err(|e| CliError::internal(e.to_string()))?;
    next(
        "The primary is back, its timer and poller still deployed: a tick runs them on both twins, the double processing that exit code 2 warned of:",
        "curl -X POST <tenant>/admin/tick",
    );
    ticks(&primary, &secondary);
    next(
        "The runbook's step after an exit code 2: the same command, now that the primary answers, fences it (exit code 0):",
        "cpi-gitops failover --to secondary",
    );
    expect(
        super::failover::cmd_failover(&ctx, &failover("secondary")).await?,
        Outcome::Success,
        "failover fencing the primary",
    )?;
    next(
        "A tick: only the secondary runs them now:",
        "curl -X POST <tenant>/admin/tick",
    );
    ticks(&primary, &secondary);
    next(
        "Back to the primary, both up (exit code 0):",
        "cpi-gitops failover --to primary",
    );
    expect(
        super::failover::cmd_failover(&ctx, &failover("primary")).await?,
        Outcome::Success,
        "failover back",
    )?;
    next(
        "The roles, as recorded in refs/cpi-gitops/roles (the pipeline pushes it):",
        "cpi-gitops roles",
    );
    expect(
        super::failover::cmd_roles(&ctx, &RolesArgs {}).await?,
        Outcome::Success,
        "roles",
    )?;
    match &args.dir {
        Some(d) => line(&format!(
            "\nThe repository stays in {}; `git log` shows the export, `git log refs/cpi-gitops/roles` the failovers.",
            d.display()
        )),
        None => line(
            "\nDone. Run `cpi-gitops demo --dir DIR` to keep the repository, or see README.md to run each step yourself.",
        ),
    }
    Ok(Outcome::Success)
}

/// One tick of both emulators, and what ran where.
fn ticks(primary: &EmulatorHandle, secondary: &EmulatorHandle) {
    let said = |ran: Vec<String>| {
        if ran.is_empty() {
            "nothing".to_string()
        } else {
            ran.join(", ")
        }
    };
    line(&format!("   primary ran:   {}", said(primary.tick())));
    line(&format!("   secondary ran: {}", said(secondary.tick())));
}
