//! Design-time artifact zips as tenants write them (reference: artifact-format.md).
//!
//! Pure format code with no I/O, shared by the exporter (unpack into git, repack for upload) and
//! the emulator (store uploads, serve downloads with the tenant's regenerated files):
//! - [`zip`]: read any zip keeping entry order; write the way `java.util.zip.ZipOutputStream` does;
//! - [`manifest`]: `META-INF/MANIFEST.MF` headers, continuation lines, trailing spaces kept;
//! - [`properties`]: Java `.properties` files (`parameters.prop`, `metainfo.prop`) and their date
//!   comment;
//! - [`propdef`]: `parameters.propdef`, the externalized-parameter definitions;
//! - [`paths`]: entry-name safety (no `..`, no absolute paths, no case-folding collisions).

pub mod manifest;
pub mod paths;
pub mod propdef;
pub mod properties;
pub mod zip;

/// Path of the manifest inside an artifact zip.
pub const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";
/// Path of the externalized parameter values.
pub const PARAMETERS_PROP_PATH: &str = "src/main/resources/parameters.prop";
/// Path of the externalized parameter definitions.
pub const PARAMETERS_PROPDEF_PATH: &str = "src/main/resources/parameters.propdef";
/// The entry a tenant appends to every download (metadata, not content).
pub const METAINFO_PATH: &str = "metainfo.prop";

/// Why an artifact zip could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The bytes are not a readable zip.
    #[error("not a readable zip archive: {0}")]
    Zip(String),
    /// The zip has no `META-INF/MANIFEST.MF`.
    #[error("the archive has no META-INF/MANIFEST.MF")]
    NoManifest,
    /// The manifest has no `Bundle-SymbolicName`.
    #[error("META-INF/MANIFEST.MF has no Bundle-SymbolicName header")]
    NoSymbolicName,
    /// An entry is larger than the reader's limit.
    #[error("entry `{name}` is {size} bytes, more than the limit of {limit} bytes")]
    EntryTooLarge {
        /// The entry.
        name: String,
        /// Its size (declared or found).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// More entries than a zip without zip64 holds.
    #[error("{entries} entries do not fit in a zip without zip64 (at most {limit})")]
    TooManyEntries {
        /// Entries to write.
        entries: usize,
        /// The limit.
        limit: usize,
    },
    /// The archive would pass the size a zip without zip64 can address.
    #[error(
        "the archive reaches {limit} bytes at entry `{entry}`, more than a zip without zip64 holds"
    )]
    TooLarge {
        /// The entry where it happens.
        entry: String,
        /// The limit in bytes.
        limit: u64,
    },
}
