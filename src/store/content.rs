//! Artifact zips to reviewable files and back (reference: artifact-format.md).
//!
//! Unpacking keeps every file's bytes exactly as downloaded (CRLF, BOMs, non-UTF-8, binaries)
//! and normalizes only what a tenant regenerates on every download:
//! 1. zip timestamps, entry order, compression and directory entries are not kept (equality is
//!    judged on files, never on zip bytes);
//! 2. `metainfo.prop`, appended by downloads, is dropped (its description is the artifact's
//!    `Description`, kept in `artifact.json`);
//! 3. an integration flow's `src/main/resources/parameters.prop` is dropped: the tenant writes
//!    the configured values back into it on every download, and they are kept once, in
//!    `configuration.json`; repacking writes it again from there;
//! 4. other kinds' `parameters.prop` loses its regenerated date comment.
//!
//! Entry names are checked before anything is written: `..`, absolute paths, drive letters,
//! backslashes and names that collide when case is ignored are refused, naming the artifact and
//! the entry.

use crate::model::Kind;
use crate::wire::artifact::paths::{UnsafeEntry, check_names};
use crate::wire::artifact::properties::{self, strip_date_comments};
use crate::wire::artifact::zip::{self, DosTime, Entry};
use crate::wire::artifact::{MANIFEST_PATH, METAINFO_PATH, PARAMETERS_PROP_PATH};
use std::collections::BTreeSet;

/// Why an artifact's zip cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// The download is not a readable zip.
    #[error("{artifact}: the downloaded content is not a readable zip: {reason}")]
    Zip {
        /// The artifact.
        artifact: String,
        /// Why.
        reason: String,
    },
    /// An entry name would escape or collide.
    #[error("{artifact}: refusing an unsafe entry in the artifact's zip: {reason}")]
    Unsafe {
        /// The artifact.
        artifact: String,
        /// The entry and why it is unsafe.
        reason: UnsafeEntry,
    },
}

/// Unpacks a downloaded zip into `(path, bytes)` pairs sorted by path, normalized as the module
/// docs say. `artifact` (`kind/id`) names the artifact in errors.
pub fn unpack(
    kind: Kind,
    artifact: &str,
    zip_bytes: &[u8],
) -> Result<Vec<(String, Vec<u8>)>, ContentError> {
    let entries = zip::read(zip_bytes).map_err(|e| ContentError::Zip {
        artifact: artifact.to_string(),
        reason: e.to_string(),
    })?;
    check_names(entries.iter().map(|e| e.name.as_str())).map_err(|reason| {
        ContentError::Unsafe {
            artifact: artifact.to_string(),
            reason,
        }
    })?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(entries.len());
    for e in entries {
        if e.is_dir() || e.name == METAINFO_PATH {
            continue;
        }
        if e.name == PARAMETERS_PROP_PATH {
            if kind == Kind::IntegrationFlow {
                continue;
            }
            files.push((e.name, strip_date_comments(&e.data)));
            continue;
        }
        files.push((e.name, e.data));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The timestamp of repacked zips (any valid zip is accepted; a fixed time keeps them stable).
const REPACK_TIME_MS: i64 = 1_577_836_800_000;

/// Builds the zip to upload from stored files: the manifest first, directory entries before their
/// files, then every file in path order; for an integration flow, `parameters.prop` from
/// `configuration` (key, value) pairs.
pub fn repack(
    kind: Kind,
    files: &[(String, Vec<u8>)],
    configuration: &[(String, String)],
) -> Vec<u8> {
    let mut all: Vec<(String, Vec<u8>)> = files.to_vec();
    if kind == Kind::IntegrationFlow && !configuration.is_empty() {
        all.retain(|(n, _)| n != PARAMETERS_PROP_PATH);
        all.push((
            PARAMETERS_PROP_PATH.to_string(),
            properties::store(configuration, None, None),
        ));
    }
    all.sort_by(|a, b| {
        let first = |n: &str| n != MANIFEST_PATH;
        first(&a.0).cmp(&first(&b.0)).then_with(|| a.0.cmp(&b.0))
    });
    let mut entries = Vec::with_capacity(all.len() * 2);
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for (name, data) in all {
        let mut prefix = String::new();
        for part in name
            .split('/')
            .collect::<Vec<_>>()
            .iter()
            .rev()
            .skip(1)
            .rev()
        {
            prefix.push_str(part);
            prefix.push('/');
            if dirs.insert(prefix.clone()) {
                entries.push(Entry::dir(prefix.clone()));
            }
        }
        entries.push(Entry::file(name, data));
    }
    zip::write(&entries, DosTime::from_epoch_ms(REPACK_TIME_MS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::artifact::zip::{DosTime, Entry, write};

    fn sample(extra: Vec<Entry>) -> Vec<u8> {
        let mut entries = vec![
            Entry::dir("META-INF"),
            Entry::file(
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\r\nImport-Service: \r\n\r\n".to_vec(),
            ),
            Entry::file(
                "src/main/resources/script/a.groovy",
                b"\xef\xbb\xbfprintln 1".to_vec(),
            ),
            Entry::file(
                "src/main/resources/parameters.prop",
                b"#Sat Oct 14 18:11:02 UTC 2023\nA=1\n".to_vec(),
            ),
            Entry::file(
                "metainfo.prop",
                b"#Store metainfo properties\ndescription=x\n".to_vec(),
            ),
        ];
        entries.extend(extra);
        write(&entries, DosTime::from_epoch_ms(1_700_000_000_000))
    }

    #[test]
    fn unpack_normalizes_only_what_the_tenant_regenerates() {
        let flow = unpack(Kind::IntegrationFlow, "integration-flow/F", &sample(vec![])).unwrap();
        let names: Vec<&str> = flow.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["META-INF/MANIFEST.MF", "src/main/resources/script/a.groovy"]
        );
        assert_eq!(flow[1].1, b"\xef\xbb\xbfprintln 1");
        let mapping = unpack(Kind::MessageMapping, "message-mapping/M", &sample(vec![])).unwrap();
        let prop = mapping
            .iter()
            .find(|(n, _)| n == PARAMETERS_PROP_PATH)
            .unwrap();
        assert_eq!(prop.1, b"A=1\n");
    }

    #[test]
    fn unpack_repack_unpack_is_stable() {
        let first = unpack(
            Kind::ScriptCollection,
            "script-collection/S",
            &sample(vec![Entry::file("z/y.bin", vec![0, 255, 13, 10])]),
        )
        .unwrap();
        let again = unpack(
            Kind::ScriptCollection,
            "script-collection/S",
            &repack(Kind::ScriptCollection, &first, &[]),
        )
        .unwrap();
        assert_eq!(first, again);
        let repacked = zip::read(&repack(Kind::ScriptCollection, &first, &[])).unwrap();
        assert_eq!(repacked[0].name, "META-INF/");
        assert_eq!(repacked[1].name, "META-INF/MANIFEST.MF");
    }

    #[test]
    fn repack_writes_configuration_into_parameters_prop() {
        let files = unpack(Kind::IntegrationFlow, "integration-flow/F", &sample(vec![])).unwrap();
        let zip = repack(
            Kind::IntegrationFlow,
            &files,
            &[("A".into(), "2".into()), ("B c".into(), "x:y".into())],
        );
        let prop = zip::read(&zip)
            .unwrap()
            .into_iter()
            .find(|e| e.name == PARAMETERS_PROP_PATH)
            .unwrap();
        assert_eq!(prop.data, b"A=2\nB\\ c=x\\:y\n");
    }

    #[test]
    fn unsafe_entries_are_refused_with_names() {
        for bad in ["../evil", "/abs", "a/../../b", "C:/x"] {
            let err = unpack(
                Kind::IntegrationFlow,
                "integration-flow/F",
                &sample(vec![Entry::file(bad, b"x".to_vec())]),
            )
            .unwrap_err()
            .to_string();
            assert!(
                err.contains("integration-flow/F") && err.contains(bad),
                "{err}"
            );
        }
        let err = unpack(
            Kind::IntegrationFlow,
            "integration-flow/F",
            &sample(vec![
                Entry::file("a/Readme", b"x".to_vec()),
                Entry::file("a/README", b"y".to_vec()),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("collide"), "{err}");
    }
}
