//! Secrets while reading: what the companion endpoint revealed, and per object whether its
//! `.age` files are written, kept, or missing, with the change markers that make an unchanged
//! secret stay byte for byte the same file (`store::marks`).

use super::collect::{Shared, lock};
use super::{ReadError, SecretMode};
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::store::layout::Place;
use crate::store::marks::SecretMark;
use crate::wire::companion::SecurityMaterial;
use crate::wire::security::PARTNER_DIRECTORY_CREDENTIAL_PREFIX;
use base64::Engine;
use std::collections::HashMap;

/// Secrets the companion endpoint revealed, by object.
#[derive(Default)]
pub(super) struct Revealed {
    by_object: HashMap<ObjectId, Vec<(SecretSlot, Vec<u8>)>>,
}

impl Revealed {
    /// Indexes the companion's answer by object id.
    pub fn index(material: Option<SecurityMaterial>) -> Result<Revealed, ReadError> {
        let Some(m) = material else {
            return Ok(Revealed::default());
        };
        if m.format != 1 {
            return Err(ReadError::TenantData {
                object: "the companion endpoint".into(),
                reason: format!(
                    "answered format {}, but this version of cpi-gitops reads format 1",
                    m.format
                ),
            });
        }
        let mut by_object: HashMap<ObjectId, Vec<(SecretSlot, Vec<u8>)>> = HashMap::new();
        let slot = |kind: Kind, i: usize| kind.secret_slots()[i];
        for u in m.user_credentials {
            let pd = u
                .name
                .strip_prefix(PARTNER_DIRECTORY_CREDENTIAL_PREFIX)
                .and_then(|r| r.strip_suffix(":UserCredential"));
            let id = match pd {
                Some(rest) => match rest.split_once(':') {
                    Some((pid, id)) => {
                        ObjectId::new(Kind::UserCredentialParameter, format!("{pid}/{id}"))
                    }
                    None => continue,
                },
                None => ObjectId::new(Kind::UserCredential, &u.name),
            };
            let kind = id.kind;
            by_object
                .entry(id)
                .or_default()
                .push((slot(kind, 0), u.password.expose().as_bytes().to_vec()));
        }
        for o in m.oauth2_client_credentials {
            let id = ObjectId::new(Kind::OAuth2ClientCredential, &o.name);
            by_object.entry(id).or_default().push((
                slot(Kind::OAuth2ClientCredential, 0),
                o.client_secret.expose().as_bytes().to_vec(),
            ));
        }
        for p in m.secure_parameters {
            let id = ObjectId::new(Kind::SecureParameter, &p.name);
            by_object.entry(id).or_default().push((
                slot(Kind::SecureParameter, 0),
                p.value.expose().as_bytes().to_vec(),
            ));
        }
        for k in m.key_pairs {
            let id = ObjectId::new(Kind::KeyPair, &k.alias);
            let p12 = base64::engine::general_purpose::STANDARD
                .decode(k.pkcs12.expose().trim())
                .map_err(|_| ReadError::TenantData {
                    object: id.to_string(),
                    reason: "the companion endpoint's pkcs12 is not base64".into(),
                })?;
            by_object.entry(id).or_default().extend([
                (slot(Kind::KeyPair, 0), p12),
                (
                    slot(Kind::KeyPair, 1),
                    k.password.expose().as_bytes().to_vec(),
                ),
            ]);
        }
        Ok(Revealed { by_object })
    }

    fn get(&self, id: &ObjectId, slot: &SecretSlot) -> Option<&Vec<u8>> {
        self.by_object
            .get(id)
            .and_then(|v| v.iter().find(|(s, _)| s == slot))
            .map(|(_, v)| v)
    }
}

impl Shared {
    /// Writes, keeps or reports the secret files of `id`; `marker` is the tenant's change marker
    /// of the object's secrets (`None` when the tenant gives none).
    pub(super) async fn secrets(
        &self,
        id: &ObjectId,
        at: &Place,
        marker: Option<String>,
    ) -> Result<(), ReadError> {
        let marker = marker.filter(|m| !m.is_empty());
        let key = id.to_string();
        let (recipients, recipients_file) = match &self.mode {
            SecretMode::Markers => {
                if let Some(marker) = marker {
                    lock(&self.new_marks).secrets.insert(
                        key,
                        SecretMark {
                            changed: marker,
                            recipients: String::new(),
                        },
                    );
                }
                return Ok(());
            }
            SecretMode::Export {
                recipients,
                recipients_file,
                ..
            } => (recipients, recipients_file),
        };
        let old = self.old_marks.secrets.get(&key).cloned();
        let fingerprint = recipients.as_ref().map(|r| r.fingerprint());
        let unchanged = match (&old, &marker, &fingerprint) {
            (Some(old), Some(m), Some(fp)) => &old.changed == m && &old.recipients == fp,
            _ => false,
        };
        let mut from_tenant = false;
        let mut kept = false;
        for slot in id.kind.secret_slots() {
            let path = at.secret(*slot);
            let existing = self.base.get(&path).copied();
            match (self.revealed.get(id, slot), existing) {
                (Some(_), Some(blob)) if unchanged => {
                    self.writer.keep(path, blob).await?;
                    from_tenant = true;
                }
                (Some(plaintext), _) => {
                    let recipients =
                        recipients.as_ref().ok_or_else(|| ReadError::NoRecipients {
                            object: key.clone(),
                            file: recipients_file.clone(),
                        })?;
                    let sealed =
                        recipients
                            .encrypt(plaintext)
                            .map_err(|source| ReadError::Secrets {
                                file: path.clone(),
                                source,
                            })?;
                    self.file(path, sealed).await?;
                    from_tenant = true;
                }
                (None, Some(blob)) => {
                    self.writer.keep(path, blob).await?;
                    kept = true;
                }
                (None, None) => lock(&self.missing).push(format!("{id}#{}", slot.name)),
            }
        }
        let mut marks = lock(&self.new_marks);
        if from_tenant {
            match (marker, fingerprint) {
                (Some(marker), Some(fp)) => {
                    marks.secrets.insert(
                        key,
                        SecretMark {
                            changed: marker,
                            recipients: fp,
                        },
                    );
                }
                _ => {
                    drop(marks);
                    self.warn(id, "the tenant gives no change marker for its secrets: they are encrypted again on every export".into());
                }
            }
            return Ok(());
        }
        if !kept {
            return Ok(());
        }
        match (old, marker) {
            (Some(old), marker) => {
                let stale = marker.as_ref().is_some_and(|m| *m != old.changed);
                let old_recipients = fingerprint.as_ref().is_some_and(|fp| *fp != old.recipients);
                marks.secrets.insert(key, old);
                drop(marks);
                if stale {
                    self.warn(id, "its secret changed on the tenant since git's copy was written, and the tenant does not reveal it: update it with `cpi-gitops secret set`".into());
                }
                if old_recipients {
                    self.warn(id, "its secret is encrypted to an older recipients.txt: run `cpi-gitops secret rekey`".into());
                }
            }
            (None, Some(marker)) => {
                marks.secrets.insert(
                    key,
                    SecretMark {
                        changed: marker,
                        recipients: fingerprint.unwrap_or_default(),
                    },
                );
            }
            (None, None) => {}
        }
        Ok(())
    }
}
