//! `cpi-gitops demo`: the whole loop on two emulated tenants, in a scratch git repository, through
//! the same commands a user runs: export the primary, plan and restore an empty secondary, check
//! drift, change the secondary behind git's back, see the drift, repair it.

use super::apply::ApplyArgs;
use super::context::{Context, Format};
use super::drift::DriftArgs;
use super::export::ExportArgs;
use super::plan::PlanArgs;
use super::target::TargetArgs;
use super::{CliError, Outcome};
use crate::config::Env;
use crate::emulator::{self, EmulatorConfig, EmulatorHandle, Seed};
use crate::report::line;
use crate::scaffold;
use crate::secrets::Identity;
use std::path::PathBuf;

/// Show the whole loop on emulated tenants
///
/// Starts an emulated primary (the demo seed) and an empty secondary, creates a scratch git
/// repository with an age key for its secrets, and runs export, plan, apply and drift against
/// them, printing each command and its output.
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
                    "[tenants.primary]\nurl = \"{}\"\n\n[tenants.secondary]\nurl = \"{}\"\ndeploy_poll_ms = 50\n",
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
        "\n   primary:   {} (the demo seed: 5 packages, credentials, certificates, Partner Directory...)",
        primary.url()
    ));
    line(&format!(
        "   secondary: {} (empty, as after a disaster)",
        secondary.url()
    ));
    line(&format!(
        "   repository: {} (cpi-gitops.toml names both; secrets are encrypted to a fresh age key)",
        dir.display()
    ));

    step(
        1,
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
    let secondary_target = TargetArgs {
        tenant: "secondary".into(),
        rev: "HEAD".into(),
        concurrency: None,
    };
    let plan = PlanArgs {
        target: secondary_target.clone(),
        prune: false,
    };
    step(
        2,
        "Plan the empty secondary (exit code 2: there are changes):",
        "cpi-gitops plan --tenant secondary",
    );
    expect(
        super::plan::cmd_plan(&ctx, &plan).await?,
        Outcome::Differences,
        "plan",
    )?;
    let apply = |overwrite: bool| ApplyArgs {
        target: secondary_target.clone(),
        prune: false,
        overwrite_drift: overwrite,
        no_deploy: false,
        max_prune_share: 0.25,
        reset_number_ranges: false,
    };
    step(
        3,
        "Restore the secondary from git: write everything, deploy, wait until STARTED, verify:",
        "cpi-gitops apply --tenant secondary --overwrite-drift",
    );
    expect(
        super::apply::cmd_apply(&ctx, &apply(true)).await?,
        Outcome::Success,
        "restore",
    )?;
    let drift = DriftArgs {
        target: secondary_target.clone(),
    };
    step(
        4,
        "The twins are identical (exit code 0):",
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
    step(
        5,
        "Someone changes a timeout on the secondary by hand. Drift finds it (exit code 2):",
        "cpi-gitops drift --tenant secondary",
    );
    expect(
        super::drift::cmd_drift(&ctx, &drift).await?,
        Outcome::Differences,
        "drift",
    )?;
    step(
        6,
        "Apply refuses to overwrite it unless told to (exit code 2, nothing changed):",
        "cpi-gitops apply --tenant secondary",
    );
    expect(
        super::settle(super::apply::cmd_apply(&ctx, &apply(false)).await),
        Outcome::Differences,
        "refused apply",
    )?;
    step(
        7,
        "Put git's value back:",
        "cpi-gitops apply --tenant secondary --overwrite-drift",
    );
    expect(
        super::apply::cmd_apply(&ctx, &apply(true)).await?,
        Outcome::Success,
        "repair",
    )?;
    step(8, "Identical again:", "cpi-gitops drift --tenant secondary");
    expect(
        super::drift::cmd_drift(&ctx, &drift).await?,
        Outcome::Success,
        "drift",
    )?;
    match &args.dir {
        Some(d) => line(&format!(
            "\nThe repository stays in {}; `git log` shows the export.",
            d.display()
        )),
        None => line(
            "\nDone. Run `cpi-gitops demo --dir DIR` to keep the repository, or see README.md to run each step yourself.",
        ),
    }
    Ok(Outcome::Success)
}
