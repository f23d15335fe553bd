//! The companion package (`companion/` of the repository, embedded in `cpi-gitops-wire`) as the
//! demo ships it: the package and its two flows, deployed and `STARTED` with their default
//! configuration, as `cpi-gitops companion install` leaves a tenant.

use super::builder::Builder;
use cpi_gitops_wire::artifact::zip::Entry;
use cpi_gitops_wire::companion::source;
use cpi_gitops_wire::designtime::ArtifactKind;

/// Adds the companion package, deployed. Nothing when the embedded source is broken (its own
/// tests catch that).
pub fn install(b: &mut Builder) {
    let Ok(package) = source::package() else {
        return;
    };
    let fields = &package.fields;
    b.package(
        fields.id.as_deref().unwrap_or_default(),
        &fields.name,
        fields.short_text.as_deref().unwrap_or_default(),
        |p| {
            p.description = fields.description.clone();
            p.version = fields.version.clone();
            p.vendor = fields.vendor.clone();
            p.supported_platform = fields.supported_platform.clone();
        },
    );
    for flow in &package.flows {
        let f = &flow.fields;
        let files = flow
            .files
            .iter()
            .map(|(path, bytes)| Entry::file(*path, bytes.to_vec()))
            .collect();
        b.artifact(
            ArtifactKind::IntegrationFlow,
            &f.package_id,
            &f.id,
            &f.name,
            &f.version,
            files,
        )
        .description = f.description.clone();
        b.deploy(&f.id);
    }
}
