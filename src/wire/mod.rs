//! The SAP Cloud Integration OData API (`/api/v1`) on the wire: serde types and literal syntax.
//!
//! This is the only code that the tenant client and the emulator share (design.md section 2).
//! Types keep SAP's names (`IntegrationDesigntimeArtifact`, `ParameterKey`) so that they can be
//! checked against the API reference line by line. No I/O lives here: no HTTP, no files.
//!
//! Reading is lenient (unknown properties are ignored, most properties are optional, because SAP
//! adds and omits properties over time); writing produces exactly what the reference shows.

pub mod access;
pub mod companion;
pub mod designtime;
pub mod keystore;
pub mod number_ranges;
pub mod odata;
pub mod packages;
pub mod partner_directory;
pub mod runtime;
pub mod security;
pub mod token;
