//! cpi-gitops keeps SAP Cloud Integration (CPI) tenants in git.
//!
//! `export` reads a primary tenant over its OData API and writes `tenant-state/` as canonical
//! JSON with age-encrypted secrets; `plan`, `apply` and `drift` replay a committed revision onto a
//! secondary (or empty) tenant and fail on drift; a passive twin holds back the flows that start
//! by themselves, and `failover` moves them to it. The `emulator` is a faithful local tenant.
//!
//! # Crate map
//!
//! A workspace (design.md section 2): this crate (the library and the `cpi-gitops` binary), and
//! beside it the crates that must not know the engine: `cpi-gitops-wire` (the API on the wire,
//! re-exported as [`wire`]) and `cpi-gitops-emulator` (a tenant over HTTP, re-exported as
//! [`emulator`]). Dependencies point one way, down this table:
//!
//! | module | job | must not |
//! |---|---|---|
//! | [`cli`] | flags, one thin file per command, errors to hints and exit codes | build requests, open files, print outside `report` |
//! | [`report`] | everything written to stdout and stderr: text, JSON, markdown, progress | decide anything |
//! | [`sync`] | plan, apply, drift: desired (git) vs live (tenant) vs base (applied ref), typed outcomes | print, build URLs, open files |
//! | [`export`] | a tenant into `tenant-state/` as one commit | print |
//! | [`read`] | a tenant into state files, normalized as export writes them (secrets through the companion) | print |
//! | [`companion`] | the companion package: its zips from the embedded source, `companion install`, export's call | print |
//! | [`probe`] | the health probe of a tenant's runtime, once or watching as a traffic manager | print |
//! | [`model`] | object kinds and ids, one module per kind, the volatile-field list, write effects | print, build URLs, open files |
//! | [`store`] | the `tenant-state/` layout, artifact unpack/repack, export marks, the work tree's secret files | know about tenants |
//! | [`client`] | the tenant client: auth, CSRF, OData paging, retries, limits, one method per endpoint | know about files, git or the model |
//! | [`config`] | `cpi-gitops.toml` and the environment (the only reader of env vars) | |
//! | [`secrets`] | secret wrappers, age encryption and decryption | print values |
//! | [`redact`] | the secret values known to the run, masked in everything printed | |
//! | [`git`] | read revisions; write each run's objects as one pack, the work tree and index in one pass, refs | know about tenants |
//! | [`interrupt`] | signals (exit 130/143), locks, journals of interrupted runs, fail points | know about tenants or git objects |
//! | [`blocking`] | blocking work off the async workers, one job at a time | |
//! | [`scaffold`] | a new state repository on disk (the demo's), file writers | |
//! | [`init`] | a team's state repository: configuration, recipient, workflows from embedded templates | print |
//! | [`wire`] | the API's types, artifact zips, canonical JSON | do I/O |
//! | [`emulator`] | the local tenant (axum) | use the engine, the client or git |
//!
//! # Files under `tenant-state/`
//!
//! | path | written by | read by |
//! |---|---|---|
//! | `recipients.txt` | people | [`export`], [`store::worktree`] (`secret set`, `secret rekey`) |
//! | `.gitattributes` | [`export`] | git |
//! | `format.json` | [`export`] ([`store::format`]) | [`export`], [`sync::desired`] |
//! | `.export-marks.json` (older versions) | nobody: the first export after upgrading removes it | [`export::marks`] (once) |
//! | `packages/...`, `security/...`, `number-ranges/...`, `partner-directory/...` | [`export`] through [`read`] ([`model::kinds`] per kind, [`store::layout`]) | [`sync::desired`] |
//! | `security/**/*.age` | [`read`] (export), [`store::worktree`] | [`sync::apply`] (decrypted in its preflight) |
//! | `overrides/<tenant>.json` | people | [`sync::desired`] |
//!
//! Outside the branches (README.md, "Refs outside the branches"): `refs/cpi-gitops/applied/<tenant>`
//! (the base), written by [`sync::apply`] ([`sync::base`]) and [`sync::failover`], read by plan,
//! apply, drift and failover; `refs/cpi-gitops/marks/<tenant>` (the export marks), written by
//! [`export`] and `secret set`/`rekey` ([`export::marks`]), read by [`export`];
//! `refs/cpi-gitops/roles` (the roles of a high-availability pair), written by
//! [`sync::failover`] ([`sync::roles`]) and read by every command that needs a tenant's role.
//! Under `.git/cpi-gitops/`: locks and journals ([`interrupt`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blocking;
pub mod cli;
pub mod client;
pub mod companion;
pub mod config;
pub mod export;
pub mod git;
pub mod init;
pub mod interrupt;
pub mod model;
pub mod probe;
pub mod read;
pub mod redact;
pub mod report;
pub mod scaffold;
pub mod secrets;
pub mod store;
pub mod sync;

pub use cpi_gitops_emulator as emulator;
pub use cpi_gitops_wire as wire;
