//! `cpi-gitops secret set KIND/NAME[#SLOT]`: a secret from stdin into its age file.

use super::{CliError, Context, Outcome, state_folder};
use crate::model::{Kind, ObjectId, SecretSlot};
use std::io::Read;

// The object whose secret to set (the help text is `SecretCommand::Set`'s).
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The object and secret, e.g. user-credential/ERP_Basic
    pub object: String,
}

/// The object and slot `KIND/NAME[#SLOT]` names.
fn parse(object: &str) -> Result<(ObjectId, SecretSlot), CliError> {
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
    Ok((id, slot))
}

/// Reads the secret from stdin and writes its file.
pub fn cmd_set(ctx: &Context, args: &SetArgs) -> Result<Outcome, CliError> {
    let (id, slot) = parse(&args.object)?;
    let folder = state_folder(ctx)?;
    let secret = folder.secret(&id, slot)?;
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
    crate::redact::register(&value);
    if value.is_empty() {
        return Err(
            CliError::user("stdin was empty: no secret was written").hinted(format!(
                "printf %s \"$VALUE\" | cpi-gitops secret set {}",
                args.object
            )),
        );
    }
    let set = secret.write(&value)?;
    crate::report::secret::set(
        ctx.format,
        &id.to_string(),
        slot.name,
        &set.file,
        set.recipients,
    );
    Ok(Outcome::Success)
}
