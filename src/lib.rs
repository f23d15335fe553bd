//! cpi-gitops keeps SAP Cloud Integration (CPI) tenants in git.
//!
//! `export` reads a primary tenant over its OData API and writes `tenant-state/` as canonical
//! JSON with age-encrypted secrets; `plan`, `apply` and `drift` replay a committed revision onto a
//! secondary (or empty) tenant and fail on drift. The `emulator` is a faithful local tenant.
//!
//! # Crate map
//!
//! | module | job | must not |
//! |---|---|---|
//! | [`cli`] | flags, command dispatch, exit codes | build requests, open files, print outside `report` |
//! | [`client`] | the tenant client: auth, CSRF, OData paging, retries, limits | know about files or git |
//! | [`config`] | `cpi-gitops.toml` and the environment (the only reader of env vars) | |
//! | [`emulator`] | the local tenant (axum) | use the sync engine or the client |
//! | [`wire`] | serde types of the OData API, shared by client and emulator | do I/O |
//! | [`artifact`] | artifact zips, manifests, properties files | do I/O |
//! | [`export`] | a tenant into `tenant-state/` as one commit | print |
//! | [`git`] | read revisions, write blobs/trees/commits, checkout the state folder | know about tenants |
//! | [`model`] | object kinds and ids; the volatile-field list | do I/O |
//! | [`read`] | a tenant into state files, normalized as export writes them | print |
//! | [`store`] | the `tenant-state/` layout, artifact unpack/repack, export marks | do I/O |
//! | [`sync`] | plan, apply and drift: desired (git) vs live (tenant) vs base (applied ref) | print |
//! | [`secrets`] | secret wrappers, age encryption and decryption | print values |
//! //! | [`report`] | everything written to stdout | |
//!
//! # Files under `tenant-state/`
//!
//! The state layout (design.md section 3) is written by the exporter and read by plan, apply
//! and drift; both arrive with the export issue.

pub mod cli;
pub mod client;
pub mod config;
pub mod export;
pub mod git;
pub mod model;
pub mod read;
pub mod report;
pub mod scaffold;
pub mod secrets;
pub mod store;
pub mod sync;

pub use cpi_gitops_emulator as emulator;
pub use cpi_gitops_wire as wire;
