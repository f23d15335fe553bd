//! `certificate-user-mapping`: a client certificate mapped to a user (Neo only; API reference
//! section 7.5), kept as `<Id>.json` and the certificate as `<Id>.pem`.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{
    Ty::{OptStr, Str},
    optional, required,
};
use super::super::spec::{Attachment, Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, Malformed, base64_of, state_json, to_base64, written};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::access::{CERTIFICATE_USER_MAPPINGS, CertificateUserMapping};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "certificate-user-mapping",
    folder: "certificate-user-mappings",
    phase: Phase::SecurityMaterial,
    placement: Placement::Security,
    identity: Identity::Field("Id"),
    secrets: &[],
    attachment: Some(Attachment::Pem),
    artifact: None,
    entity_set: CERTIFICATE_USER_MAPPINGS,
    schema: &[
        required("Id", Str),
        required("User", Str),
        optional("ValidUntil", OptStr),
    ],
};

/// A mapping as stored (its certificate decoded into the `.pem`); `None` for a mapping without an
/// `Id`, which cannot be named.
pub fn read(m: &CertificateUserMapping) -> Option<Result<Entry, Malformed>> {
    let key = m.id.clone().filter(|k| !k.is_empty())?;
    let id = ObjectId::new(Kind::CertificateUserMapping, key);
    Some(
        base64_of(&id, "Certificate", &m.certificate).map(|pem| Entry {
            attachment: Some(pem),
            ..Entry::new(id, state_json(Kind::CertificateUserMapping, m))
        }),
    )
}

/// Maps the certificate in the `.pem` to the mapping's user.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let desired: CertificateUserMapping = m.desired_as()?;
    let pem = m
        .attachment
        .as_deref()
        .ok_or(WriteError::MissingFile("mapping's .pem"))?;
    let body = CertificateUserMapping {
        id: None,
        user: desired.user.clone(),
        certificate: to_base64(pem),
        valid_until: None,
    };
    client
        .create_entity(CERTIFICATE_USER_MAPPINGS, &body)
        .await?;
    Ok(written(m, Detail::ForUser(desired.user)))
}

/// Deletes a mapping.
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client
        .delete_entity(CERTIFICATE_USER_MAPPINGS, &id.key)
        .await?)
}
