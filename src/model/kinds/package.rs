//! `package`: an integration package (API reference section 4). Configure-only packages
//! (`Mode` `READ_ONLY`) cannot be written: they are copied from SAP's content catalogue, their
//! content with them.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{
    Ty::{OptBool, OptStr, Str},
    optional, required,
};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, state_json};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::packages::{
    INTEGRATION_PACKAGES, IntegrationPackage, MODE_READ_ONLY, PackageWrite,
};

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "package",
    folder: "packages",
    phase: Phase::Packages,
    placement: Placement::Package,
    identity: Identity::Field("Id"),
    secrets: &[],
    attachment: None,
    artifact: None,
    entity_set: INTEGRATION_PACKAGES,
    schema: &[
        required("Id", Str),
        required("Name", Str),
        optional("ShortText", OptStr),
        optional("Description", OptStr),
        optional("Version", OptStr),
        optional("Vendor", OptStr),
        optional("Mode", OptStr),
        optional("PartnerContent", OptBool),
        optional("SupportedPlatform", OptStr),
        optional("Products", OptStr),
        optional("Keywords", OptStr),
        optional("Countries", OptStr),
        optional("Industries", OptStr),
        optional("LineOfBusiness", OptStr),
    ],
};

/// Whether a package is configure-only.
pub fn is_read_only(p: &IntegrationPackage) -> bool {
    p.mode.as_deref() == Some(MODE_READ_ONLY)
}

/// A package as stored.
pub fn read(p: &IntegrationPackage) -> Entry {
    Entry::new(
        ObjectId::new(Kind::Package, &p.id),
        state_json(Kind::Package, p),
    )
}

/// Creates or updates a package; configure-only packages are copied from the catalogue.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let p: IntegrationPackage = m.desired_as()?;
    match (m.exists(), is_read_only(&p)) {
        (false, true) => {
            client.copy_catalogue_package(&m.id.key).await?;
            Ok(vec![Effect::CopiedFromCatalogue])
        }
        (true, true) => Ok(vec![Effect::KeptConfigureOnly]),
        (false, false) => {
            let body = PackageWrite::of(&p, Some(m.id.key.clone()));
            client.create_package(&body).await?;
            Ok(vec![Effect::Created(Detail::Plain)])
        }
        (true, false) => {
            client
                .update_package(&m.id.key, &PackageWrite::of(&p, None))
                .await?;
            Ok(vec![Effect::Updated(Detail::Plain)])
        }
    }
}

/// Deletes a package (with what it holds).
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client.delete_package(&id.key).await?)
}
