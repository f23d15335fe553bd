//! The companion package's source: the files of `companion/` at the repository's root, embedded
//! at build time (`build.rs`), exactly as they are (CRLF manifests, no conversion).
//!
//! - `package.json`: the package's fields, as `POST IntegrationPackages` takes them;
//! - `flows/<Id>.json`: a flow's fields (`Id`, `Name`, `Description`, `PackageId`, `Version`);
//! - `flows/<Id>/...`: the flow's zip, unpacked: every file at its path in the zip.
//!
//! [`digest`] says whether a tenant's copy of a flow is one of ours: it ignores what a tenant
//! writes itself (`parameters.prop`, whose values are the configuration, `metainfo.prop`, and a
//! manifest's `Origin-*` headers, line wrapping and header order).

use super::{FLOWS, PACKAGE_ID};
use crate::artifact::manifest::Manifest;
use crate::artifact::{MANIFEST_PATH, METAINFO_PATH, PARAMETERS_PROP_PATH};
use crate::packages::{IntegrationPackage, PackageWrite};
use serde::Deserialize;
use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/companion_files.rs"));

/// The embedded source is not what this module expects (a bug in the repository, caught by its
/// tests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the embedded companion source is broken: {0}")]
pub struct SourceError(String);

/// A flow's fields (`flows/<Id>.json`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlowFields {
    /// `Id`.
    pub id: String,
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: String,
    /// `PackageId`.
    pub package_id: String,
    /// `Version` (the manifest's `Bundle-Version`).
    pub version: String,
}

/// One flow of the package: its fields and the files of its zip.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Its fields.
    pub fields: FlowFields,
    /// Every file of its zip, by path inside the zip, sorted.
    pub files: Vec<(&'static str, &'static [u8])>,
}

impl Flow {
    /// The file at `path` inside the zip.
    pub fn file(&self, path: &str) -> Option<&'static [u8]> {
        self.files.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
    }

    /// [`digest`] of this flow's files.
    pub fn digest(&self) -> String {
        digest(self.files.iter().map(|(p, b)| (*p, *b)))
    }
}

/// The package: its fields and its two flows.
#[derive(Debug, Clone)]
pub struct Package {
    /// The body of `POST IntegrationPackages` (with `Id`).
    pub fields: PackageWrite,
    /// The flows, security material first.
    pub flows: Vec<Flow>,
}

impl Package {
    /// The package's version: also each flow's.
    pub fn version(&self) -> &str {
        self.fields.version.as_deref().unwrap_or_default()
    }

    /// The flow `id`.
    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.fields.id == id)
    }
}

/// Every embedded file, by path below `companion/`.
pub fn files() -> &'static [(&'static str, &'static [u8])] {
    FILES
}

fn file(path: &str) -> Result<&'static [u8], SourceError> {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| *b)
        .ok_or_else(|| SourceError(format!("{path} is missing")))
}

/// The package as embedded.
pub fn package() -> Result<Package, SourceError> {
    let read: IntegrationPackage = serde_json::from_slice(file("package.json")?)
        .map_err(|e| SourceError(format!("package.json: {e}")))?;
    if read.id != PACKAGE_ID {
        return Err(SourceError(format!("package.json has no Id {PACKAGE_ID}")));
    }
    let fields = PackageWrite::of(&read, Some(PACKAGE_ID.to_string()));
    let mut flows = Vec::new();
    for id in FLOWS {
        let meta = format!("flows/{id}.json");
        let fields: FlowFields = serde_json::from_slice(file(&meta)?)
            .map_err(|e| SourceError(format!("{meta}: {e}")))?;
        let prefix = format!("flows/{id}/");
        let files: Vec<(&'static str, &'static [u8])> = FILES
            .iter()
            .filter_map(|(p, b)| p.strip_prefix(prefix.as_str()).map(|rel| (rel, *b)))
            .collect();
        if files.is_empty() {
            return Err(SourceError(format!("flows/{id}/ has no files")));
        }
        flows.push(Flow { fields, files });
    }
    Ok(Package { fields, flows })
}

/// Whether a file of a flow's zip is one a tenant writes itself (left out of [`digest`]).
pub fn is_regenerated(path: &str) -> bool {
    path == PARAMETERS_PROP_PATH || path == METAINFO_PATH
}

/// A digest of a flow's files that two copies of the same companion version share, whatever a
/// tenant regenerated in them: files in path order, [`is_regenerated`] ones and directory
/// entries left out, the manifest by its headers (sorted, `Origin-*` left out), all other files
/// by their bytes.
pub fn digest<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut files: Vec<(&str, &[u8])> = files
        .into_iter()
        .filter(|(p, _)| !p.ends_with('/') && !is_regenerated(p))
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for (path, bytes) in files {
        let normalized;
        let bytes = if path == MANIFEST_PATH {
            let mut headers: Vec<String> = Manifest::parse(bytes)
                .headers()
                .iter()
                .filter(|(n, _)| !n.starts_with("Origin-"))
                .map(|(n, v)| format!("{n}: {v}\n"))
                .collect();
            headers.sort();
            normalized = headers.concat().into_bytes();
            &normalized[..]
        } else {
            bytes
        };
        h.update(path.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_package_has_both_flows_at_one_version() {
        let p = package().unwrap();
        assert_eq!(p.fields.id.as_deref(), Some(PACKAGE_ID));
        assert_eq!(p.flows.len(), 2);
        for f in &p.flows {
            assert_eq!(f.fields.package_id, PACKAGE_ID);
            assert_eq!(f.fields.version, p.version());
            let manifest = Manifest::parse(f.file(MANIFEST_PATH).unwrap());
            assert_eq!(manifest.symbolic_name(), Some(f.fields.id.as_str()));
            assert_eq!(manifest.version(), Some(p.version()));
        }
    }

    #[test]
    fn the_digest_ignores_what_a_tenant_regenerates() {
        let p = package().unwrap();
        let flow = &p.flows[0];
        let mut files: Vec<(String, Vec<u8>)> = flow
            .files
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_vec()))
            .collect();
        let of = |files: &[(String, Vec<u8>)]| {
            digest(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
        };
        assert_eq!(of(&files), flow.digest());
        files.retain(|(p, _)| p != PARAMETERS_PROP_PATH);
        files.push((METAINFO_PATH.into(), b"description=x\n".to_vec()));
        files.push(("src/".into(), vec![]));
        files.reverse();
        for (p, b) in files.iter_mut() {
            if p == MANIFEST_PATH {
                let text = String::from_utf8(b.clone()).unwrap();
                *b = format!(
                    "{}\r\nOrigin-Tenant: other\r\n\r\n",
                    text.trim_end_matches("\r\n")
                )
                .into_bytes();
            }
        }
        assert_eq!(of(&files), flow.digest());
        let script = files
            .iter_mut()
            .find(|(p, _)| p.ends_with(".groovy"))
            .unwrap();
        script.1.extend_from_slice(b"\n// edited on the tenant\n");
        assert_ne!(of(&files), flow.digest());
    }
}
