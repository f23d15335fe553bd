//! The OData API of an emulated tenant, one file per area of the API reference. Handlers are
//! synchronous functions of a [`Call`] and the locked [`Tenant`]; they never block.

mod access;
mod batch;
mod designtime;
mod keystore;
mod metadata;
mod number_ranges;
mod packages;
mod partner_directory;
mod runtime;
mod security;
mod upload;

pub use designtime::{configurations, served_files};
pub use runtime::FAIL_MARKER;
pub(crate) use runtime::view;
pub use runtime::{observe_all, settle_all};

use super::clock::Clock;
use super::odata::{ApiError, ApiResult, Listing, Query, Segment};
use super::state::Tenant;
use super::switches::Switches;
use axum::http::{HeaderMap, Method};
use cpi_gitops_wire::designtime::ArtifactKind;

/// One API request, parsed.
pub struct Call<'a> {
    pub method: &'a Method,
    /// Path segments below `/api/v1`.
    pub segments: &'a [Segment],
    pub query: &'a Query,
    pub body: &'a [u8],
    pub headers: &'a HeaderMap,
    /// Service root URL without trailing slash.
    pub base: &'a str,
    /// The caller's name for `CreatedBy` and friends.
    pub user: &'a str,
    pub switches: &'a Switches,
    pub clock: &'a Clock,
}

impl Call<'_> {
    /// The current time.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Paging facts for a collection at `path`.
    pub fn listing<'b>(&'b self, path: &'b str) -> Listing<'b> {
        Listing {
            base: self.base,
            path,
            query: self.query,
            page_cap: self.switches.page_cap,
            absolute_next: self.switches.absolute_next_links,
        }
    }

    /// The single key of segment `i`, or `400`.
    pub fn key(&self, i: usize) -> Result<&str, ApiError> {
        self.segments
            .get(i)
            .and_then(|s| s.key.as_ref())
            .and_then(|k| k.single())
            .ok_or_else(|| ApiError::bad_request("Invalid key predicate."))
    }
}

/// Routes a request to its area.
pub fn dispatch(call: &Call, tenant: &mut Tenant) -> ApiResult {
    let Some(first) = call.segments.first() else {
        return metadata::service_document(call);
    };
    let name = first.name.as_str();
    match name {
        "$metadata" => metadata::metadata(call),
        "$batch" => batch::handle(call, tenant),
        "IntegrationPackages" => packages::handle(call, tenant),
        "CopyIntegrationPackage" => packages::copy_from_catalogue(call, tenant),
        "BuildAndDeployStatus" => runtime::build_status(call, tenant),
        "IntegrationRuntimeArtifacts" => runtime::handle(call, tenant),
        "IntegrationDesigntimeArtifactSaveAsVersion"
        | "MessageMappingDesigntimeArtifactSaveAsVersion"
        | "ScriptCollectionDesigntimeArtifactSaveAsVersion" => {
            designtime::save_as_version(call, tenant)
        }
        "UserCredentials" | "OAuth2ClientCredentials" | "SecureParameters" => {
            security::handle(call, tenant)
        }
        "KeystoreEntries" | "CertificateResources" | "KeyPairResources" | "Keystores" => {
            keystore::handle(call, tenant)
        }
        "CertificateUserMappings" => access::certificate_user_mappings(call, tenant),
        "AccessPolicies" | "ArtifactReferences" => access::handle(call, tenant),
        "NumberRanges" => number_ranges::handle(call, tenant),
        "Partners"
        | "StringParameters"
        | "BinaryParameters"
        | "UserCredentialParameters"
        | "AlternativePartners"
        | "AuthorizedUsers" => partner_directory::handle(call, tenant),
        _ if ArtifactKind::from_entity_set(name).is_some() => designtime::handle(call, tenant),
        _ if ArtifactKind::from_deploy_function(name).is_some() => runtime::deploy(call, tenant),
        _ => Err(ApiError::not_found(format!(
            "Resource not found for the segment '{name}'."
        ))),
    }
}

/// `405` for a method an endpoint does not have.
pub fn no_method(call: &Call) -> ApiError {
    ApiError::method_not_allowed(format!(
        "The method {} is not allowed for this resource.",
        call.method
    ))
}
