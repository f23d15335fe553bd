//! `cpi-gitops secret rekey`: every secret file encrypted again to the current recipients.

use super::{CliError, Context, Outcome, state_folder};
use crate::cli::error::ErrorKind;
use crate::config;

/// Encrypts every secret again and says how many.
pub fn cmd_rekey(ctx: &Context) -> Result<Outcome, CliError> {
    let folder = state_folder(ctx)?;
    let identity = config::age_identity(&ctx.env)?.ok_or_else(|| {
        CliError::new(
            ErrorKind::Config,
            "secret rekey needs an age identity that can read the current secrets",
        )
        .hinted(
            "set CPI_GITOPS_AGE_IDENTITY (the key text) or CPI_GITOPS_AGE_IDENTITY_FILE (a path)",
        )
    })?;
    let done = folder.rekey(&identity)?;
    let repo = ctx.repo()?;
    crate::export::marks::rekeyed(&repo, &done.files, &done.fingerprint)?;
    crate::report::secret::rekey(ctx.format, folder.name(), done.files.len(), done.recipients);
    Ok(Outcome::Success)
}
