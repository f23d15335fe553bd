//! What an export changed, object by object, and the commit message that says so.

use crate::git::StateFiles;
use crate::model::ObjectId;
use crate::store::layout::locate;
use std::collections::{BTreeMap, BTreeSet};

/// How an object changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// New in this export.
    Added,
    /// Some of its files changed.
    Changed,
    /// Gone from the tenant.
    Removed,
    /// As before.
    Unchanged,
}

/// One object and how the export changed it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ObjectOutcome {
    /// The object's id, `kind/key`.
    pub id: String,
    /// How it changed.
    pub outcome: Change,
    /// The object's files that changed (relative to the state folder).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// Compares the files of two states object by object.
pub fn outcomes(old: &StateFiles, new: &StateFiles) -> Vec<ObjectOutcome> {
    let mut objects: BTreeMap<ObjectId, (bool, bool, Vec<String>)> = BTreeMap::new();
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for path in paths {
        let Some(located) = locate(path) else {
            continue;
        };
        let entry = objects
            .entry(located.id)
            .or_insert((false, false, Vec::new()));
        let is_json = located.role == crate::store::layout::Role::Json;
        if is_json {
            entry.0 |= old.contains_key(path);
            entry.1 |= new.contains_key(path);
        }
        if old.get(path) != new.get(path) {
            entry.2.push(path.clone());
        }
    }
    objects
        .into_iter()
        .map(|(id, (in_old, in_new, files))| {
            let outcome = match (in_old, in_new) {
                (false, true) => Change::Added,
                (true, false) => Change::Removed,
                _ if files.is_empty() => Change::Unchanged,
                _ => Change::Changed,
            };
            ObjectOutcome {
                id: id.to_string(),
                outcome,
                files,
            }
        })
        .collect()
}

/// The commit message: a subject with counts per change and kind, then the objects by name.
pub fn message(tenant: &str, objects: &[ObjectOutcome]) -> String {
    let mut by_change: BTreeMap<Change, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for o in objects.iter().filter(|o| o.outcome != Change::Unchanged) {
        let (kind, name) = o.id.split_once('/').unwrap_or((o.id.as_str(), ""));
        by_change
            .entry(o.outcome)
            .or_default()
            .entry(kind)
            .or_default()
            .push(name);
    }
    let label = |c: Change| match c {
        Change::Added => "added",
        Change::Changed => "changed",
        Change::Removed => "removed",
        Change::Unchanged => "unchanged",
    };
    let mut parts = Vec::new();
    for (change, kinds) in &by_change {
        let count: usize = kinds.values().map(Vec::len).sum();
        let detail: Vec<String> = kinds
            .iter()
            .map(|(k, names)| format!("{} {}", names.len(), k))
            .collect();
        parts.push(format!(
            "{count} {} ({})",
            label(*change),
            detail.join(", ")
        ));
    }
    let subject = if parts.is_empty() {
        format!("Export tenant {tenant}: bookkeeping only")
    } else {
        format!("Export tenant {tenant}: {}", parts.join("; "))
    };
    let mut body = String::new();
    for (change, kinds) in &by_change {
        body.push_str(&format!("\n{}:\n", label(*change)));
        for (kind, names) in kinds {
            for name in names {
                body.push_str(&format!("  {kind}/{name}\n"));
            }
        }
    }
    format!("{subject}\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::BlobId;

    fn oid(n: u8) -> BlobId {
        BlobId::from_bytes(&[n; 20]).unwrap()
    }

    #[test]
    fn classifies_objects_and_writes_a_message() {
        let old: StateFiles = [
            ("packages/P/package.json".to_string(), oid(1)),
            (
                "packages/P/integration-flows/F/artifact.json".into(),
                oid(2),
            ),
            (
                "packages/P/integration-flows/F/configuration.json".into(),
                oid(3),
            ),
            ("number-ranges/N.json".into(), oid(4)),
        ]
        .into();
        let new: StateFiles = [
            ("packages/P/package.json".to_string(), oid(1)),
            (
                "packages/P/integration-flows/F/artifact.json".into(),
                oid(2),
            ),
            (
                "packages/P/integration-flows/F/configuration.json".into(),
                oid(9),
            ),
            ("security/user-credentials/U.json".into(), oid(5)),
        ]
        .into();
        let out = outcomes(&old, &new);
        let find = |id: &str| out.iter().find(|o| o.id == id).unwrap().outcome;
        assert_eq!(find("package/P"), Change::Unchanged);
        assert_eq!(find("integration-flow/F"), Change::Changed);
        assert_eq!(find("number-range/N"), Change::Removed);
        assert_eq!(find("user-credential/U"), Change::Added);
        let m = message("primary", &out);
        assert!(m.starts_with("Export tenant primary: 1 added (1 user-credential); 1 changed (1 integration-flow); 1 removed (1 number-range)\n"), "{m}");
        assert!(m.contains("  integration-flow/F\n"));
    }
}
