//! Secrets while reading, as rules without I/O: what the companion is asked for
//! ([`request_items`]) and what it revealed ([`Revealed`]), whether each `.age` file is encrypted
//! anew, kept, or missing ([`secret_file`]), and the export mark that makes an unchanged secret
//! stay byte for byte the same file ([`secret_marks`], `store::marks`). The reader applies them.

use super::ReadError;
use super::companion::CompanionError;
use crate::git::BlobId;
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::store::marks::SecretMark;
use crate::wire::companion::{Answer, ItemKind, RequestItem, Status};
use crate::wire::keystore::{KeystoreEntry, OWNER_SAP, TYPE_KEY_PAIR};
use crate::wire::security::{
    OAuth2ClientCredential, PARTNER_DIRECTORY_CREDENTIAL_PREFIX, SecureParameter, UserCredential,
};
use base64::Engine;
use std::collections::HashMap;

/// The companion's request: every secret-holding object listed through the API, by name (user
/// credentials, Partner Directory credentials by their `pd:<Pid>:<Id>:UserCredential` entries,
/// OAuth2 client credentials, secure parameters, and the tenant's own key pairs).
pub(super) fn request_items(
    users: &[UserCredential],
    oauth: &[OAuth2ClientCredential],
    secure: &[SecureParameter],
    keystore: &[KeystoreEntry],
) -> Vec<RequestItem> {
    let mut items = Vec::new();
    for u in users {
        match partner_credential(&u.name) {
            Some((pid, id)) => items.push(RequestItem::partner(pid, id)),
            None if u.name.starts_with(PARTNER_DIRECTORY_CREDENTIAL_PREFIX) => {}
            None => items.push(RequestItem::named(ItemKind::UserCredential, &u.name)),
        }
    }
    for o in oauth {
        items.push(RequestItem::named(
            ItemKind::OAuth2ClientCredential,
            &o.name,
        ));
    }
    for p in secure {
        items.push(RequestItem::named(ItemKind::SecureParameter, &p.name));
    }
    for k in keystore {
        if k.kind == TYPE_KEY_PAIR && k.owner.as_deref() != Some(OWNER_SAP) {
            items.push(RequestItem::named(ItemKind::KeyPair, &k.alias));
        }
    }
    items
}

/// The partner and id of a `pd:<Pid>:<Id>:UserCredential` name.
pub(super) fn partner_credential(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix(PARTNER_DIRECTORY_CREDENTIAL_PREFIX)?
        .strip_suffix(":UserCredential")?
        .split_once(':')
}

/// The object a request item names.
fn object_of(item: &RequestItem) -> Option<ObjectId> {
    let name = item.name.as_deref();
    Some(match item.kind {
        ItemKind::UserCredential => ObjectId::new(Kind::UserCredential, name?),
        ItemKind::SecureParameter => ObjectId::new(Kind::SecureParameter, name?),
        ItemKind::OAuth2ClientCredential => ObjectId::new(Kind::OAuth2ClientCredential, name?),
        ItemKind::KeyPair => ObjectId::new(Kind::KeyPair, name?),
        ItemKind::UserCredentialParameter => ObjectId::new(
            Kind::UserCredentialParameter,
            format!("{}/{}", item.pid.as_deref()?, item.id.as_deref()?),
        ),
    })
}

/// Why the companion did not reveal an object's secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unread {
    /// The answer's status (`unreadable`, `not_found`, ...).
    pub status: String,
    /// The companion's reason.
    pub reason: String,
}

/// Secrets the companion revealed, by object, and what it could not read.
#[derive(Default)]
pub(super) struct Revealed {
    by_object: HashMap<ObjectId, Vec<(SecretSlot, Vec<u8>)>>,
    unread: HashMap<ObjectId, Unread>,
}

impl Revealed {
    /// Indexes the companion's answers (already checked to answer `items` one by one).
    pub fn index(
        tenant: &str,
        items: &[RequestItem],
        answers: &[Answer],
    ) -> Result<Revealed, ReadError> {
        let mut out = Revealed::default();
        let broken = |item: &RequestItem, what: &str| -> ReadError {
            CompanionError::Mismatch {
                tenant: tenant.to_string(),
                what: format!("{} is `ok` but {what}", item.label()),
            }
            .into()
        };
        for (item, answer) in items.iter().zip(answers) {
            let Some(id) = object_of(item) else {
                continue;
            };
            if answer.status() != Some(Status::Ok) {
                out.unread.insert(
                    id,
                    Unread {
                        status: answer.status.clone(),
                        reason: answer.reason.clone().unwrap_or_default(),
                    },
                );
                continue;
            }
            let slot = |i: usize| id.kind.secret_slots()[i];
            let text = |s: &Option<crate::wire::Secret>, field: &str| {
                s.as_ref()
                    .map(|s| s.expose().as_bytes().to_vec())
                    .ok_or_else(|| broken(item, &format!("has no {field}")))
            };
            let values = match item.kind {
                ItemKind::UserCredential | ItemKind::UserCredentialParameter => {
                    vec![(slot(0), text(&answer.password, "password")?)]
                }
                ItemKind::SecureParameter => vec![(slot(0), text(&answer.value, "value")?)],
                ItemKind::OAuth2ClientCredential => {
                    vec![(slot(0), text(&answer.client_secret, "client_secret")?)]
                }
                ItemKind::KeyPair => {
                    let encoded = answer
                        .pkcs12
                        .as_ref()
                        .ok_or_else(|| broken(item, "has no pkcs12"))?;
                    let p12 = base64::engine::general_purpose::STANDARD
                        .decode(encoded.expose().trim())
                        .map_err(|_| broken(item, "its pkcs12 is not base64"))?;
                    vec![
                        (slot(0), p12),
                        (slot(1), text(&answer.pkcs12_password, "pkcs12_password")?),
                    ]
                }
            };
            // The tenant revealed them: masked in everything this run prints.
            for (_, value) in &values {
                crate::redact::register(value);
            }
            out.by_object.insert(id, values);
        }
        Ok(out)
    }

    /// The revealed value of `id`'s `slot`.
    pub fn get(&self, id: &ObjectId, slot: &SecretSlot) -> Option<&Vec<u8>> {
        self.by_object
            .get(id)
            .and_then(|v| v.iter().find(|(s, _)| s == slot))
            .map(|(_, v)| v)
    }

    /// Why the companion did not reveal `id`'s secret, when it was asked and could not.
    pub fn unread(&self, id: &ObjectId) -> Option<&Unread> {
        self.unread.get(id)
    }
}

/// What becomes of one secret file while exporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SecretFile {
    /// The tenant revealed it and it is unchanged since git's file was written: keep that file
    /// (age output is random, so encrypting again would be a false change).
    KeepUnchanged(BlobId),
    /// The tenant revealed it: encrypt it to the recipients.
    Encrypt,
    /// The tenant does not reveal it: keep git's file.
    KeepGits(BlobId),
    /// Neither the tenant nor git has it.
    Missing,
}

impl SecretFile {
    /// Whether the value came from the tenant.
    pub fn is_from_tenant(self) -> bool {
        matches!(self, SecretFile::KeepUnchanged(_) | SecretFile::Encrypt)
    }
}

/// The rule for one secret file: `revealed` by the tenant, `in_git` as a blob, and `unchanged`
/// when the object's change marker and the recipients are as recorded.
pub(super) fn secret_file(revealed: bool, in_git: Option<BlobId>, unchanged: bool) -> SecretFile {
    match (revealed, in_git) {
        (true, Some(blob)) if unchanged => SecretFile::KeepUnchanged(blob),
        (true, _) => SecretFile::Encrypt,
        (false, Some(blob)) => SecretFile::KeepGits(blob),
        (false, None) => SecretFile::Missing,
    }
}

/// Something to tell the user about an object's secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SecretWarning {
    /// The tenant gives no change marker: the secrets are encrypted again on every export.
    NoMarker,
    /// The secret changed on the tenant since git's file was written, and the tenant does not
    /// reveal it.
    Stale,
    /// Git's file is encrypted to an older recipients file.
    OldRecipients,
}

impl SecretWarning {
    /// The words of the warning.
    pub fn message(self) -> &'static str {
        match self {
            SecretWarning::NoMarker => {
                "the tenant gives no change marker for its secrets: they are encrypted again on every export"
            }
            SecretWarning::Stale => {
                "its secret changed on the tenant since git's copy was written, and the tenant does not reveal it: update it with `cpi-gitops secret set`"
            }
            SecretWarning::OldRecipients => {
                "its secret is encrypted to an older recipients.txt: run `cpi-gitops secret rekey`"
            }
        }
    }
}

/// The export mark of an object's secrets, and what to warn about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SecretMarks {
    /// The mark to record, if any.
    pub mark: Option<SecretMark>,
    /// Warnings, in order.
    pub warnings: Vec<SecretWarning>,
}

/// The rule for an object's mark: `files` is what became of each of its secret files, `old`
/// the mark recorded by the last export, `marker` the tenant's change marker now, `recipients`
/// the fingerprint of the current recipients.
pub(super) fn secret_marks(
    files: &[SecretFile],
    old: Option<SecretMark>,
    marker: Option<String>,
    recipients: Option<String>,
) -> SecretMarks {
    let mut out = SecretMarks {
        mark: None,
        warnings: Vec::new(),
    };
    if files.iter().any(|f| f.is_from_tenant()) {
        match (marker, recipients) {
            (Some(changed), Some(recipients)) => {
                out.mark = Some(SecretMark {
                    changed,
                    recipients,
                })
            }
            _ => out.warnings.push(SecretWarning::NoMarker),
        }
        return out;
    }
    if !files.iter().any(|f| matches!(f, SecretFile::KeepGits(_))) {
        return out;
    }
    match (old, marker) {
        (Some(old), marker) => {
            if marker.as_ref().is_some_and(|m| *m != old.changed) {
                out.warnings.push(SecretWarning::Stale);
            }
            if recipients.as_ref().is_some_and(|fp| *fp != old.recipients) {
                out.warnings.push(SecretWarning::OldRecipients);
            }
            out.mark = Some(old);
        }
        (None, Some(changed)) => {
            out.mark = Some(SecretMark {
                changed,
                recipients: recipients.unwrap_or_default(),
            })
        }
        (None, None) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(n: u8) -> BlobId {
        BlobId::from_bytes(&[n; 20]).unwrap()
    }

    fn mark(changed: &str, recipients: &str) -> SecretMark {
        SecretMark {
            changed: changed.into(),
            recipients: recipients.into(),
        }
    }

    #[test]
    fn a_secret_file_is_kept_encrypted_or_missing() {
        use SecretFile::*;
        let table = [
            ((true, Some(oid(1)), true), KeepUnchanged(oid(1))),
            ((true, Some(oid(1)), false), Encrypt),
            ((true, None, true), Encrypt),
            ((false, Some(oid(1)), true), KeepGits(oid(1))),
            ((false, Some(oid(1)), false), KeepGits(oid(1))),
            ((false, None, false), Missing),
        ];
        for ((revealed, in_git, unchanged), want) in table {
            assert_eq!(
                secret_file(revealed, in_git, unchanged),
                want,
                "{revealed} {in_git:?} {unchanged}"
            );
        }
    }

    #[test]
    fn marks_follow_where_the_secret_came_from() {
        use SecretFile::*;
        let some = |s: &str| Some(s.to_string());
        // From the tenant: the tenant's marker and the current recipients.
        let m = secret_marks(&[Encrypt], Some(mark("m0", "r0")), some("m1"), some("r1"));
        assert_eq!((m.mark, m.warnings), (Some(mark("m1", "r1")), vec![]));
        let m = secret_marks(&[Encrypt], None, None, some("r1"));
        assert_eq!((m.mark, m.warnings), (None, vec![SecretWarning::NoMarker]));
        // Kept from git: the old mark stays, with what is stale said.
        let m = secret_marks(
            &[KeepGits(oid(1))],
            Some(mark("m0", "r0")),
            some("m1"),
            some("r1"),
        );
        assert_eq!(
            (m.mark, m.warnings),
            (
                Some(mark("m0", "r0")),
                vec![SecretWarning::Stale, SecretWarning::OldRecipients]
            )
        );
        let m = secret_marks(&[KeepGits(oid(1))], None, some("m1"), None);
        assert_eq!((m.mark, m.warnings), (Some(mark("m1", "")), vec![]));
        // Missing everywhere: nothing to record.
        let m = secret_marks(&[Missing], Some(mark("m0", "r0")), some("m1"), some("r1"));
        assert_eq!((m.mark, m.warnings), (None, vec![]));
    }
}
