//! `cpi-gitops secret`: put a secret into git, or re-encrypt every secret to the current
//! recipients.

use super::context::{Context, config_error};
use super::{CliError, ErrorKind, Outcome};
use crate::config;
use crate::model::{Kind, ObjectId};
use crate::secrets::{Recipients, SecretsError};
use crate::store::layout::{self, Role, locate, place};
use crate::store::marks::Marks;
use std::io::Read;
use std::path::{Path, PathBuf};

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
    Set {
        /// The object and secret, e.g. user-credential/ERP_Basic
        object: String,
    },
    /// Re-encrypt every secret to the recipients in recipients.txt
    ///
    /// Needs an age identity that can read the current files (CPI_GITOPS_AGE_IDENTITY or
    /// CPI_GITOPS_AGE_IDENTITY_FILE). Commit the result.
    Rekey,
}

fn state_dir(ctx: &Context) -> Result<(PathBuf, String), CliError> {
    let repo = ctx.repo()?;
    let config = ctx.config(&repo)?;
    Ok((repo.workdir().join(&config.state_dir), config.state_dir))
}

fn recipients(dir: &Path, state_dir: &str) -> Result<Recipients, CliError> {
    let file = format!("{state_dir}/{}", layout::RECIPIENTS);
    let text = std::fs::read_to_string(dir.join(layout::RECIPIENTS)).map_err(|e| {
        CliError::new(ErrorKind::Config, format!("cannot read {file}: {e}")).hinted(format!(
            "create {file} with one age public key (age1...) or SSH public key per line"
        ))
    })?;
    Recipients::parse(&text, &file).map_err(|e| CliError::new(ErrorKind::Config, e.to_string()))
}

pub async fn cmd_secret(ctx: &Context, command: &SecretCommand) -> Result<Outcome, CliError> {
    match command {
        SecretCommand::Set { object } => set(ctx, object),
        SecretCommand::Rekey => rekey(ctx),
    }
}

fn set(ctx: &Context, object: &str) -> Result<Outcome, CliError> {
    let (id_text, slot_name) = match object.split_once('#') {
        Some((id, slot)) => (id, Some(slot)),
        None => (object, None),
    };
    let usage = || {
        let kinds: Vec<&str> = Kind::ALL
            .iter()
            .filter(|k| !k.secret_slots().is_empty())
            .map(|k| k.as_str())
            .collect();
        CliError::user(format!("`{object}` does not name a secret")).hinted(format!(
            "use KIND/NAME[#SLOT] with KIND one of {}",
            kinds.join(", ")
        ))
    };
    let id = ObjectId::parse(id_text).ok_or_else(usage)?;
    let slots = id.kind.secret_slots();
    let slot = match slot_name {
        None => *slots.first().ok_or_else(usage)?,
        Some(name) => *slots.iter().find(|s| s.name == name).ok_or_else(|| {
            let names: Vec<&str> = slots.iter().map(|s| s.name).collect();
            CliError::user(format!("{} has no secret `{name}`", id.kind))
                .hinted(format!("its secrets: {}", names.join(", ")))
        })?,
    };
    let (dir, state_dir) = state_dir(ctx)?;
    let at = place(&id, None);
    if !dir.join(at.json()).exists() {
        return Err(CliError::user(format!(
            "{id} is not in {state_dir}/: {} does not exist",
            at.json()
        ))
        .hinted("export the tenant first, or check the kind and name"));
    }
    let recipients = recipients(&dir, &state_dir)?;
    let mut value = Vec::new();
    std::io::stdin()
        .read_to_end(&mut value)
        .map_err(|e| CliError::internal(format!("cannot read stdin: {e}")))?;
    if !slot.binary {
        if value.ends_with(b"\r\n") {
            value.truncate(value.len() - 2);
        } else if value.ends_with(b"\n") {
            value.pop();
        }
    }
    if value.is_empty() {
        return Err(
            CliError::user("stdin was empty: no secret was written").hinted(format!(
                "printf %s \"$VALUE\" | cpi-gitops secret set {object}"
            )),
        );
    }
    let path = at.secret(slot);
    let shown = format!("{state_dir}/{path}");
    let sealed = recipients
        .encrypt(&value)
        .map_err(|e| CliError::internal(format!("cannot encrypt {shown}: {e}")))?;
    write_atomically(&dir.join(&path), &sealed)
        .map_err(|e| CliError::internal(format!("cannot write {shown}: {e}")))?;
    forget_mark(&dir, &id, &state_dir)?;
    crate::report::line(&format!(
        "wrote {state_dir}/{path} (encrypted to {} recipients); commit it to keep it",
        recipients.len()
    ));
    Ok(Outcome::Success)
}

fn rekey(ctx: &Context) -> Result<Outcome, CliError> {
    let (dir, state_dir) = state_dir(ctx)?;
    let identity = config::age_identity(&ctx.env).map_err(config_error)?.ok_or_else(|| {
        CliError::new(ErrorKind::Config, "secret rekey needs an age identity that can read the current secrets")
            .hinted("set CPI_GITOPS_AGE_IDENTITY (the key text) or CPI_GITOPS_AGE_IDENTITY_FILE (a path)")
    })?;
    let recipients = recipients(&dir, &state_dir)?;
    let marks_path = dir.join(layout::MARKS);
    let marks = match std::fs::read(&marks_path) {
        Ok(bytes) => Some(Marks::parse_strict(&bytes).map_err(|e| {
            CliError::user(format!(
                "{state_dir}/{} is not readable: {e}",
                layout::MARKS
            ))
            .hinted("restore it from git (git checkout -- the file) and run rekey again")
        })?),
        Err(_) => None,
    };
    let mut files = Vec::new();
    collect_age_files(&dir, &dir, &mut files)
        .map_err(|e| CliError::internal(format!("cannot list {state_dir}/: {e}")))?;
    files.sort();
    // Decrypt everything first: a file the identity cannot read stops the rekey before any change.
    let mut resealed = Vec::with_capacity(files.len());
    for rel in &files {
        let shown = format!("{state_dir}/{rel}");
        let sealed = std::fs::read(dir.join(rel))
            .map_err(|e| CliError::internal(format!("cannot read {shown}: {e}")))?;
        let plain = identity.decrypt(&sealed, &shown).map_err(|e: SecretsError| {
            CliError::new(ErrorKind::Config, e.to_string()).hinted("rekey with an identity that is one of the files' current recipients; nothing was changed")
        })?;
        let again = recipients
            .encrypt(plain.expose())
            .map_err(|e| CliError::internal(format!("cannot encrypt {shown}: {e}")))?;
        resealed.push((rel, again));
    }
    for (rel, bytes) in &resealed {
        write_atomically(&dir.join(rel), bytes)
            .map_err(|e| CliError::internal(format!("cannot write {state_dir}/{rel}: {e}")))?;
    }
    if let Some(mut marks) = marks {
        let fp = recipients.fingerprint();
        for mark in marks.secrets.values_mut() {
            mark.recipients = fp.clone();
        }
        write_atomically(&marks_path, &marks.to_bytes()).map_err(|e| {
            CliError::internal(format!("cannot write {}: {e}", marks_path.display()))
        })?;
    }
    crate::report::line(&format!(
        "re-encrypted {} secrets in {state_dir}/ to {} recipients; commit the result",
        resealed.len(),
        recipients.len()
    ));
    Ok(Outcome::Success)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("cpi-gitops.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Drops the export mark of `id`'s secrets, so the next export records the tenant's current
/// change marker as the baseline of the value just set.
fn forget_mark(dir: &Path, id: &ObjectId, state_dir: &str) -> Result<(), CliError> {
    let path = dir.join(layout::MARKS);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(());
    };
    let Ok(mut marks) = Marks::parse_strict(&bytes) else {
        return Ok(());
    };
    if marks.secrets.remove(&id.to_string()).is_some() {
        write_atomically(&path, &marks.to_bytes()).map_err(|e| {
            CliError::internal(format!("cannot write {state_dir}/{}: {e}", layout::MARKS))
        })?;
    }
    Ok(())
}

fn collect_age_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_age_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if matches!(locate(&rel).map(|l| l.role), Some(Role::Secret(_))) {
                out.push(rel);
            }
        }
    }
    Ok(())
}
