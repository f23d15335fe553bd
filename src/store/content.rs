//! Artifact zips to reviewable files and back (reference: artifact-format.md).
//!
//! Unpacking keeps every file's bytes exactly as downloaded (CRLF, BOMs, non-UTF-8, binaries)
//! and normalizes only what a tenant regenerates on every download:
//! 1. zip timestamps, entry order, compression and directory entries are not kept (equality is
//!    judged on files, never on zip bytes);
//! 2. `metainfo.prop`, appended by downloads, is dropped (its description is the artifact's
//!    `Description`, kept in `artifact.json`);
//! 3. an integration flow's `src/main/resources/parameters.prop` is kept as a skeleton: its date
//!    comment dropped and the values of its configured keys (those of `configuration.json`)
//!    left empty, because the tenant writes the configured values into it on every download and
//!    they are kept once, in `configuration.json`. Its key order, comments, separators and the
//!    keys the Configurations API does not list (values lingering from older content) stay as
//!    they are. Repacking fills the values in from `configuration.json` ([`repack`]), so a
//!    restore gives the file back; plan and drift compare it only as a set of keys
//!    (`sync::state`);
//! 4. other kinds' `parameters.prop` loses its regenerated date comment.
//!
//! File names are stored under `content/` as `store::layout::content_path` says (`%` as `%25`,
//! `.gitattributes`, `.gitignore` and `.gitmodules` with their `.` as `%2E`), so nothing in an
//! artifact can change how git treats the repository.
//!
//! Entry names are checked before anything is written: `..`, absolute paths, drive letters,
//! backslashes, `.git` and names that collide when case is ignored are refused, naming the
//! artifact and the entry; so is an entry larger than `max_artifact_bytes` ([`Limits`]).

use super::format::StateFormat;
use super::layout::content_path;
use crate::model::Kind;
use crate::wire::artifact::paths::{UnsafeEntry, check_names};
use crate::wire::artifact::properties::{self, blank_values, fill_values, strip_date_comments};
use crate::wire::artifact::zip::{self, DosTime, Entry};
use crate::wire::artifact::{FormatError, MANIFEST_PATH, METAINFO_PATH, PARAMETERS_PROP_PATH};
use std::collections::{BTreeMap, BTreeSet};

/// Size limits of artifact content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file of an artifact, in bytes (`max_artifact_bytes`, default 256 MiB).
    pub max_entry_bytes: u64,
    /// What a zip may hold (65,535 entries and 4 GiB without zip64; lower in tests).
    pub zip: zip::Limits,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
            zip: zip::Limits::ZIP32,
        }
    }
}

/// The default of `max_artifact_bytes`: 256 MiB.
pub const DEFAULT_MAX_ENTRY_BYTES: u64 = 256 << 20;

/// Why an artifact's zip cannot be stored or built.
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
    /// An entry is larger than `max_artifact_bytes`.
    #[error("{artifact}: {reason} (max_artifact_bytes in cpi-gitops.toml)")]
    TooLarge {
        /// The artifact.
        artifact: String,
        /// The entry, its size and the limit.
        reason: FormatError,
    },
    /// The files do not fit in a zip.
    #[error("{artifact}: cannot build its zip: {reason}")]
    Repack {
        /// The artifact.
        artifact: String,
        /// Why.
        reason: FormatError,
    },
}

impl ContentError {
    /// What is wrong, without naming the artifact (for messages that name it already).
    pub fn reason(&self) -> String {
        match self {
            ContentError::Zip { reason, .. } => {
                format!("the downloaded content is not a readable zip: {reason}")
            }
            ContentError::Unsafe { reason, .. } => format!("unsafe entry in its zip: {reason}"),
            ContentError::TooLarge { reason, .. } => {
                format!("{reason} (max_artifact_bytes in cpi-gitops.toml)")
            }
            ContentError::Repack { reason, .. } => format!("cannot build its zip: {reason}"),
        }
    }
}

/// Unpacks a downloaded zip into `(path under content/, bytes)` pairs sorted by path, normalized
/// as the module docs say. `artifact` (`kind/id`) names the artifact in errors; `configured`
/// holds an integration flow's configured keys (whose values the skeleton leaves empty).
pub fn unpack(
    kind: Kind,
    artifact: &str,
    zip_bytes: &[u8],
    configured: &BTreeSet<String>,
    limits: &Limits,
) -> Result<Vec<(String, Vec<u8>)>, ContentError> {
    let entries = zip::read_limited(zip_bytes, limits.max_entry_bytes).map_err(|e| match e {
        FormatError::EntryTooLarge { .. } => ContentError::TooLarge {
            artifact: artifact.to_string(),
            reason: e,
        },
        other => ContentError::Zip {
            artifact: artifact.to_string(),
            reason: other.to_string(),
        },
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
        let data = if e.name == PARAMETERS_PROP_PATH {
            let stripped = strip_date_comments(&e.data);
            if kind == Kind::IntegrationFlow {
                blank_values(&stripped, |key| configured.contains(key))
            } else {
                stripped
            }
        } else {
            e.data
        };
        files.push((content_path(&e.name), data));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The keys of an integration flow's stored `parameters.prop` (its skeleton), sorted: what plan
/// and drift compare of it.
pub fn parameter_keys(skeleton: &[u8]) -> BTreeSet<String> {
    properties::keys(skeleton).into_iter().collect()
}

/// The timestamp of repacked zips (any valid zip is accepted; a fixed time keeps them stable).
const REPACK_TIME_MS: i64 = 1_577_836_800_000;

/// Builds the zip to upload from stored files (`(entry name, bytes)`, names already turned back
/// from their stored paths): the manifest first, directory entries before their files, then every
/// file in path order. An integration flow's `parameters.prop` gets the values of
/// `configuration` (key, value): filled into its skeleton (state format 2), or written from
/// them alone (format 1, which did not store the file).
pub fn repack(
    kind: Kind,
    artifact: &str,
    files: &[(String, Vec<u8>)],
    configuration: &[(String, String)],
    format: StateFormat,
    limits: &Limits,
) -> Result<Vec<u8>, ContentError> {
    let mut all: Vec<(String, Vec<u8>)> = files.to_vec();
    if kind == Kind::IntegrationFlow {
        if format.keeps_parameters() {
            let values: BTreeMap<&str, &str> = configuration
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            for (name, data) in all.iter_mut() {
                if name == PARAMETERS_PROP_PATH {
                    *data = fill_values(data, |key| values.get(key).map(|v| v.to_string()));
                }
            }
        } else if !configuration.is_empty() {
            all.retain(|(n, _)| n != PARAMETERS_PROP_PATH);
            all.push((
                PARAMETERS_PROP_PATH.to_string(),
                properties::store(configuration, None, None),
            ));
        }
    }
    if let Some((name, data)) = all
        .iter()
        .find(|(_, d)| d.len() as u64 > limits.max_entry_bytes)
    {
        return Err(ContentError::TooLarge {
            artifact: artifact.to_string(),
            reason: FormatError::EntryTooLarge {
                name: name.clone(),
                size: data.len() as u64,
                limit: limits.max_entry_bytes,
            },
        });
    }
    all.sort_by(|a, b| {
        let first = |n: &str| n != MANIFEST_PATH;
        first(&a.0).cmp(&first(&b.0)).then_with(|| a.0.cmp(&b.0))
    });
    let mut entries = Vec::with_capacity(all.len() * 2);
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for (name, data) in all {
        let mut prefix = String::new();
        let parts: Vec<&str> = name.split('/').collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            prefix.push_str(part);
            prefix.push('/');
            if dirs.insert(prefix.clone()) {
                entries.push(Entry::dir(prefix.clone()));
            }
        }
        entries.push(Entry::file(name, data));
    }
    zip::write_limited(&entries, DosTime::from_epoch_ms(REPACK_TIME_MS), limits.zip).map_err(
        |reason| ContentError::Repack {
            artifact: artifact.to_string(),
            reason,
        },
    )
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
                b"#Sat Oct 14 18:11:02 UTC 2023\nZ=1\nLinger=old\nA=x\\:y\n".to_vec(),
            ),
            Entry::file(
                "metainfo.prop",
                b"#Store metainfo properties\ndescription=x\n".to_vec(),
            ),
        ];
        entries.extend(extra);
        write(&entries, DosTime::from_epoch_ms(1_700_000_000_000)).unwrap()
    }

    fn configured() -> BTreeSet<String> {
        ["Z", "A"].into_iter().map(String::from).collect()
    }

    fn unpacked(kind: Kind, zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        unpack(kind, "x/F", zip, &configured(), &Limits::default()).unwrap()
    }

    #[test]
    fn unpack_normalizes_only_what_the_tenant_regenerates() {
        let flow = unpacked(Kind::IntegrationFlow, &sample(vec![]));
        let names: Vec<&str> = flow.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "META-INF/MANIFEST.MF",
                PARAMETERS_PROP_PATH,
                "src/main/resources/script/a.groovy"
            ]
        );
        assert_eq!(flow[1].1, b"Z=\nLinger=old\nA=\n", "the skeleton");
        assert_eq!(flow[2].1, b"\xef\xbb\xbfprintln 1");
        let mapping = unpacked(Kind::MessageMapping, &sample(vec![]));
        assert_eq!(mapping[1].1, b"Z=1\nLinger=old\nA=x\\:y\n");
    }

    #[test]
    fn repack_fills_the_skeleton_and_gives_the_file_back() {
        let files = unpacked(Kind::IntegrationFlow, &sample(vec![]));
        let values = [("A".into(), "x:y".into()), ("Z".into(), "2".into())];
        let zip = repack(
            Kind::IntegrationFlow,
            "x/F",
            &files,
            &values,
            StateFormat::CURRENT,
            &Limits::default(),
        )
        .unwrap();
        let prop = zip::read(&zip)
            .unwrap()
            .into_iter()
            .find(|e| e.name == PARAMETERS_PROP_PATH)
            .unwrap();
        assert_eq!(prop.data, b"Z=2\nLinger=old\nA=x\\:y\n");
        // Format 1 did not store the file: it is written from the configuration alone.
        let old: Vec<_> = files
            .iter()
            .filter(|(n, _)| n != PARAMETERS_PROP_PATH)
            .cloned()
            .collect();
        let zip = repack(
            Kind::IntegrationFlow,
            "x/F",
            &old,
            &values,
            StateFormat::V1,
            &Limits::default(),
        )
        .unwrap();
        let prop = zip::read(&zip)
            .unwrap()
            .into_iter()
            .find(|e| e.name == PARAMETERS_PROP_PATH)
            .unwrap();
        assert_eq!(prop.data, b"A=x\\:y\nZ=2\n");
    }

    #[test]
    fn unpack_repack_unpack_is_stable() {
        let zip = sample(vec![Entry::file("z/y.bin", vec![0, 255, 13, 10])]);
        let first = unpacked(Kind::ScriptCollection, &zip);
        let repacked = repack(
            Kind::ScriptCollection,
            "x/S",
            &first,
            &[],
            StateFormat::CURRENT,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(first, unpacked(Kind::ScriptCollection, &repacked));
        let entries = zip::read(&repacked).unwrap();
        assert_eq!(entries[0].name, "META-INF/");
        assert_eq!(entries[1].name, "META-INF/MANIFEST.MF");
    }

    #[test]
    fn git_files_in_an_artifact_are_stored_under_escaped_names() {
        let files = unpacked(
            Kind::IntegrationFlow,
            &sample(vec![
                Entry::file(".gitattributes", b"* text=auto\n".to_vec()),
                Entry::file("src/.gitignore", b"*\n".to_vec()),
                Entry::file("100%.txt", b"x".to_vec()),
            ]),
        );
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"%2Egitattributes"), "{names:?}");
        assert!(names.contains(&"src/%2Egitignore"), "{names:?}");
        assert!(names.contains(&"100%25.txt"), "{names:?}");
    }

    #[test]
    fn limits_name_the_artifact() {
        let zip = sample(vec![Entry::file("big.bin", vec![0; 4096])]);
        let low = Limits {
            max_entry_bytes: 4095,
            ..Limits::default()
        };
        let err = unpack(
            Kind::IntegrationFlow,
            "integration-flow/F",
            &zip,
            &configured(),
            &low,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("integration-flow/F") && err.contains("big.bin") && err.contains("4096"),
            "{err}"
        );
        let files = vec![("a".to_string(), vec![0; 4096])];
        let err = repack(
            Kind::ScriptCollection,
            "script-collection/S",
            &files,
            &[],
            StateFormat::CURRENT,
            &low,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("script-collection/S") && err.contains("`a`"),
            "{err}"
        );
        let many: Vec<(String, Vec<u8>)> = (0..10).map(|i| (format!("f{i}"), vec![])).collect();
        let few = Limits {
            zip: zip::Limits {
                max_entries: 5,
                max_bytes: 1 << 20,
            },
            ..Limits::default()
        };
        let err = repack(
            Kind::ScriptCollection,
            "script-collection/S",
            &many,
            &[],
            StateFormat::CURRENT,
            &few,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("script-collection/S") && err.contains("10 entries"),
            "{err}"
        );
    }

    #[test]
    fn unsafe_entries_are_refused_with_names() {
        let unpack_one = |extra| {
            unpack(
                Kind::IntegrationFlow,
                "integration-flow/F",
                &sample(extra),
                &configured(),
                &Limits::default(),
            )
        };
        for bad in ["../evil", "/abs", "a/../../b", "C:/x"] {
            let err = unpack_one(vec![Entry::file(bad, b"x".to_vec())])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("integration-flow/F") && err.contains(bad),
                "{err}"
            );
        }
        let err = unpack_one(vec![
            Entry::file("a/Readme", b"x".to_vec()),
            Entry::file("a/README", b"y".to_vec()),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("collide"), "{err}");
    }
}
