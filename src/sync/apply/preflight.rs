//! Before the first write: every object to write has the files it is written from, and every
//! secret to write decrypts. A problem stops the apply here, naming the file, with nothing
//! written to the tenant.

use super::ApplyError;
use crate::git::Repo;
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::secrets::{Identity, SecretBytes};
use crate::store::layout::{Role, locate, place};
use crate::sync::plan::{Action, Step};
use std::collections::BTreeMap;

/// Decrypted secrets by object and slot.
pub type Secrets = BTreeMap<ObjectId, BTreeMap<SecretSlot, SecretBytes>>;

/// The steps that create or update an object git has.
fn writes<'a>(steps: &'a [&'a Step]) -> impl Iterator<Item = &'a Step> {
    steps
        .iter()
        .copied()
        .filter(|s| matches!(s.action, Action::Create | Action::Update) && s.desired.is_some())
}

/// Checks that every object to create or update has the file beside its JSON that it is written
/// from: certificates and certificate-user mappings their `.pem`, binary parameters their
/// `.value`. (A key pair is written from its PKCS#12, a secret.)
pub fn check_files(state_dir: &str, steps: &[&Step]) -> Result<(), ApplyError> {
    for step in writes(steps) {
        let Some(desired) = &step.desired else {
            continue;
        };
        let attachment = match (step.id.kind, step.id.kind.spec().attachment) {
            (Kind::KeyPair, _) | (_, None) => continue,
            (_, Some(a)) => a,
        };
        let has = desired
            .files
            .keys()
            .any(|p| locate(p).map(|l| l.role) == Some(Role::Attachment(attachment)));
        if !has {
            let at = place(&step.id, desired.parent.as_deref());
            return Err(ApplyError::Incomplete {
                file: format!("{state_dir}/{}", at.file(attachment.suffix())),
                reason: format!(
                    "{} is written from this file, and git does not have it",
                    step.id
                ),
            });
        }
    }
    Ok(())
}

/// Decrypts the secrets of every object that will be created or updated.
pub fn decrypt_secrets(
    repo: &Repo,
    state_dir: &str,
    steps: &[&Step],
    identity: Option<&Identity>,
) -> Result<Secrets, ApplyError> {
    let needing: Vec<&Step> = writes(steps)
        .filter(|s| !s.id.kind.secret_slots().is_empty())
        .collect();
    let mut out = BTreeMap::new();
    let Some(first) = needing.first() else {
        return Ok(out);
    };
    let Some(identity) = identity else {
        return Err(ApplyError::NoIdentity {
            count: needing.len(),
            example: first.id.to_string(),
        });
    };
    for step in needing {
        let Some(desired) = &step.desired else {
            continue;
        };
        let mut slots = BTreeMap::new();
        let at = place(&step.id, desired.parent.as_deref());
        let all = step.id.kind.secret_slots();
        for slot in all {
            let path = desired
                .secrets
                .iter()
                .find(|(p, _)| locate(p).map(|l| l.role) == Some(Role::Secret(*slot)))
                .map(|(p, id)| (p.clone(), *id));
            let Some((path, blob)) = path else {
                return Err(ApplyError::Secret {
                    file: format!("{state_dir}/{}", at.secret(*slot)),
                    reason: format!(
                        "{} needs this secret and git does not have it: add it with `cpi-gitops secret set {}{}`",
                        step.id,
                        step.id,
                        if *slot == all[0] {
                            String::new()
                        } else {
                            format!("#{}", slot.name)
                        }
                    ),
                });
            };
            let file = format!("{state_dir}/{path}");
            let bytes = repo.blob(blob)?;
            let plain = identity
                .decrypt(&bytes, &file)
                .map_err(|e| ApplyError::Secret {
                    file: file.clone(),
                    reason: e.to_string(),
                })?;
            slots.insert(*slot, plain);
        }
        out.insert(step.id.clone(), slots);
    }
    Ok(out)
}
