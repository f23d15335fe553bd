//! `cpi-gitops secret`: put a secret into git, or encrypt every secret again to the current
//! recipients.

mod rekey;
mod set;

use super::{CliError, Context, Outcome};
use crate::store::worktree::StateFolder;

/// Manage the age-encrypted secrets in tenant-state/
#[derive(Debug, clap::Subcommand)]
pub enum SecretCommand {
    /// Read a secret from stdin and write its age file
    ///
    /// OBJECT is `kind/name`, optionally with `#slot` for objects with two secrets:
    /// `user-credential/ERP_Basic`, `oauth2-client-credential/S4_OAuth`, `secure-parameter/Token`,
    /// `key-pair/signing` (the PKCS#12 file), `key-pair/signing#password`,
    /// `user-credential-parameter/ACME/SFTP_Login`. One trailing newline of a text secret is
    /// dropped, so `echo` works.
    Set(set::SetArgs),
    /// Re-encrypt every secret to the recipients in recipients.txt
    ///
    /// Needs an age identity that can read the current files (CPI_GITOPS_AGE_IDENTITY or
    /// CPI_GITOPS_AGE_IDENTITY_FILE). Commit the result.
    Rekey,
}

/// Runs a `secret` subcommand.
pub async fn cmd_secret(ctx: &Context, command: &SecretCommand) -> Result<Outcome, CliError> {
    match command {
        SecretCommand::Set(args) => set::cmd_set(ctx, args),
        SecretCommand::Rekey => rekey::cmd_rekey(ctx),
    }
}

/// The state folder of the repository `--repo` names.
fn state_folder(ctx: &Context) -> Result<StateFolder, CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    Ok(StateFolder::new(repo.workdir(), &config.state_dir))
}
