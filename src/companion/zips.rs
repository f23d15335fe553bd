//! The companion's flow zips, built at run time from the source embedded at build time
//! (`wire::companion::source`) with the product's own zip writer: the manifest first, each
//! folder's directory entry before its files, every file's bytes as they are in `companion/`.

use crate::wire::artifact::zip::{self, DosTime, Entry};
use crate::wire::artifact::{FormatError, MANIFEST_PATH};
use crate::wire::companion::source::Flow;
use std::collections::BTreeSet;

/// The time stamped on the zips' entries (any valid zip is accepted; a fixed time keeps the
/// bytes of one version the same).
const ZIP_TIME_MS: i64 = 1_735_689_600_000;

/// The entries of `flow`'s zip, in the order they are written.
pub fn entries(flow: &Flow) -> Vec<Entry> {
    let mut files: Vec<(&str, &[u8])> = flow.files.clone();
    files.sort_by(|a, b| {
        let later = |n: &str| n != MANIFEST_PATH;
        later(a.0).cmp(&later(b.0)).then(a.0.cmp(b.0))
    });
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (path, bytes) in files {
        let parts: Vec<&str> = path.split('/').collect();
        for depth in 1..parts.len() {
            let dir = format!("{}/", parts[..depth].join("/"));
            if dirs.insert(dir.clone()) {
                out.push(Entry::dir(dir));
            }
        }
        out.push(Entry::file(path, bytes.to_vec()));
    }
    out
}

/// The zip of `flow`, as `ArtifactContent` takes it (before base64). It fails only past the zip
/// writer's limits (65,535 files, 4 GiB), which the companion's few small files never reach.
pub fn zip(flow: &Flow) -> Result<Vec<u8>, FormatError> {
    zip::write(&entries(flow), DosTime::from_epoch_ms(ZIP_TIME_MS))
}
