//! The SAP Cloud Integration OData API (`/api/v1`) on the wire: serde types, entity-set names,
//! literal syntax, the artifact zip format and canonical JSON. No client, no I/O.
//!
//! This is what the cpi-gitops product and its tenant emulator share (design.md section 2), in
//! the role `kube-core` plays for `kube`: the product's tenant client speaks these types to a
//! tenant, the emulator (`cpi-gitops-emulator`) answers with them, and neither knows the other.
//! Types keep SAP's names (`IntegrationDesigntimeArtifact`, `ParameterKey`) so that they can be
//! checked against the API reference line by line.
//!
//! Reading is lenient (unknown properties are ignored, most properties are optional, because SAP
//! adds and omits properties over time); writing produces exactly what the reference shows.
//!
//! | module | what |
//! |---|---|
//! | [`odata`] | envelopes, the error body, key literals, dates |
//! | [`packages`], [`designtime`], [`runtime`] | packages, design-time artifacts, deployments |
//! | [`security`], [`keystore`], [`access`] | security material, the keystore, access policies |
//! | [`number_ranges`], [`partner_directory`] | number ranges, the Partner Directory |
//! | [`token`] | the OAuth token endpoint's reply |
//! | [`companion`] | the companion package's protocol (cpi-gitops' own flows on a tenant) |
//! | [`adapters`] | which sender adapters start a flow by themselves (high availability) |
//! | [`artifact`] | artifact zips, manifests, properties files, entry-name safety |
//! | [`canonical`] | the one byte form of JSON that cpi-gitops writes |
//! | [`Secret`] | the string wrapper that never prints its value |

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod adapters;
pub mod artifact;
pub mod canonical;
pub mod companion;
pub mod designtime;
pub mod keystore;
pub mod number_ranges;
pub mod odata;
pub mod packages;
pub mod partner_directory;
pub mod runtime;
mod secret;
pub mod security;
pub mod token;

pub use secret::Secret;
