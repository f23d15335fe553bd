//! `key-pair`: a private key with its certificate chain in the tenant's keystore (API reference
//! section 7.4): `<Alias>.json`, `<Alias>.pem`, and the PKCS#12 with its password as
//! `<Alias>.p12.age` and `<Alias>.password.age`. Read with [`super::certificate::read`].

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::spec::{Attachment, Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{PASSWORD, to_base64, written};
use crate::client::Client;
use crate::model::SecretSlot;
use crate::secrets::Secret;
use crate::wire::keystore::{KEYSTORE_ENTRIES, KeyPairResource, hexalias};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "key-pair",
    folder: "key-pairs",
    phase: Phase::SecurityMaterial,
    placement: Placement::Security,
    identity: Identity::Field("Alias"),
    secrets: &[
        SecretSlot {
            name: "p12",
            binary: true,
        },
        PASSWORD,
    ],
    attachment: Some(Attachment::Pem),
    artifact: None,
    entity_set: KEYSTORE_ENTRIES,
    schema: super::certificate::KEYSTORE_ENTRY,
};

/// Uploads a key pair from its PKCS#12 (replacing: deleting the entry first).
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let p12 = m
        .secret(0)
        .map_err(|_| WriteError::Missing("key pair's PKCS#12"))?;
    let password = m.secret_text(1)?;
    if m.exists() {
        client.delete_keystore_entry(&m.id.key).await?;
    }
    let body = KeyPairResource {
        hexalias: hexalias(&m.id.key),
        alias: m.id.key.clone(),
        password,
        resource: Secret::new(to_base64(p12.expose())),
    };
    client.upload_key_pair(&body).await?;
    Ok(written(m, Detail::Pkcs12))
}
