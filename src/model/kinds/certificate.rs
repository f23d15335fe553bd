//! `certificate`: a trusted certificate in the tenant's keystore (API reference section 7.4),
//! kept as `<Alias>.json` and its PEM as `<Alias>.pem`. Entries that SAP owns are not managed.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{
    Field,
    Ty::{OptInt, OptStr, Str},
    optional, required,
};
use super::super::spec::{Attachment, Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, state_json, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::keystore::{KEYSTORE_ENTRIES, KeystoreEntry, TYPE_KEY_PAIR};

/// The fields of a keystore entry's JSON (certificates and key pairs).
pub const KEYSTORE_ENTRY: &[Field] = &[
    required("Alias", Str),
    optional("Type", Str),
    optional("Owner", OptStr),
    optional("KeyType", OptStr),
    optional("KeySize", OptInt),
    optional("EllipticCurve", OptStr),
    optional("SerialNumber", OptStr),
    optional("SignatureAlgorithm", OptStr),
    optional("SubjectDN", OptStr),
    optional("IssuerDN", OptStr),
    optional("ValidNotBefore", OptStr),
    optional("ValidNotAfter", OptStr),
    optional("Version", OptInt),
];

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "certificate",
    folder: "certificates",
    phase: Phase::SecurityMaterial,
    placement: Placement::Security,
    identity: Identity::Field("Alias"),
    secrets: &[],
    attachment: Some(Attachment::Pem),
    artifact: None,
    entity_set: KEYSTORE_ENTRIES,
    schema: KEYSTORE_ENTRY,
};

/// The kind of a keystore entry: a key pair or a certificate.
pub fn kind_of(entry: &KeystoreEntry) -> Kind {
    if entry.kind == TYPE_KEY_PAIR {
        Kind::KeyPair
    } else {
        Kind::Certificate
    }
}

/// A keystore entry (certificate or key pair) as stored, with its PEM; a key pair's secrets
/// change with its `LastModifiedTime`.
pub fn read(entry: &KeystoreEntry, pem: Vec<u8>) -> Entry {
    let kind = kind_of(entry);
    Entry {
        id: ObjectId::new(kind, &entry.alias),
        parent: None,
        json: state_json(kind, entry),
        attachment: Some(pem),
        marker: (kind == Kind::KeyPair)
            .then(|| entry.last_modified_time.clone())
            .flatten(),
    }
}

/// Imports or replaces a certificate from its PEM.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let pem = m
        .attachment
        .clone()
        .ok_or(WriteError::MissingFile("certificate's .pem"))?;
    client
        .import_certificate(&m.id.key, pem, m.exists())
        .await?;
    Ok(written(m, Detail::Pem))
}

/// Deletes a keystore entry (a certificate or a key pair).
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client.delete_keystore_entry(&id.key).await?)
}
