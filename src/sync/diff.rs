//! What changed inside an object, for people: JSON fields (and integration-flow configuration
//! values) as before/after pairs, content files as unified diffs of text or a size summary of
//! binaries. Secrets are never compared or shown: their files are not in the object's `files`.
//! A file compared by its meaning (an integration flow's `parameters.prop`, by its keys) is
//! shown only when that differs; content files are named by their names in the artifact.

use super::state::ObjectFiles;
use crate::git::{BlobId, GitError, Repo};
use crate::store::layout::{Role, content_name, locate};
use serde_json::Value;
use std::collections::BTreeSet;

/// A changed JSON field; `None` when absent on that side.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field (`Configuration.<key>` for an integration flow's configured values).
    pub field: String,
    /// Its value on the target.
    pub live: Option<Value>,
    /// Its value in git.
    pub desired: Option<Value>,
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Git has it, the target does not.
    Added,
    /// The target has it, git does not.
    Removed,
    /// Both have it, with different bytes.
    Modified,
}

impl Change {
    /// `added`, `removed`, `modified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Modified => "modified",
        }
    }
}

/// A changed file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileChange {
    /// The path inside the object (an artifact's content path, or `pem`, `value`).
    pub path: String,
    /// How it changed.
    pub change: Change,
    /// A unified diff (live -> desired) for text files.
    pub diff: Option<String>,
    /// Sizes for binary or very large files.
    pub sizes: Option<(usize, usize)>,
}

/// The changes inside one object.
#[derive(Debug, Clone, Default)]
pub struct Details {
    /// Changed JSON fields.
    pub fields: Vec<FieldChange>,
    /// Changed files.
    pub files: Vec<FileChange>,
}

/// Text files above this size are summarized, not diffed.
const MAX_DIFF_BYTES: usize = 512 * 1024;

/// Compares the live and desired files of one object.
pub fn details(
    repo: &Repo,
    live: Option<&ObjectFiles>,
    desired: Option<&ObjectFiles>,
) -> Result<Details, GitError> {
    let empty = ObjectFiles::default();
    let (l, d) = (live.unwrap_or(&empty), desired.unwrap_or(&empty));
    let inner = |path: &str| -> (Role, String) {
        match locate(path) {
            Some(loc) => {
                let name = match &loc.role {
                    Role::Content(p) => content_name(p).unwrap_or_else(|| p.clone()),
                    Role::Attachment(a) => a.suffix().into(),
                    Role::Configuration => "configuration.json".into(),
                    _ => "json".into(),
                };
                (loc.role, name)
            }
            None => (Role::Json, path.to_string()),
        }
    };
    let mut by_name: Vec<(String, Role, Option<BlobId>, Option<BlobId>)> = Vec::new();
    let mut same_meaning: BTreeSet<String> = BTreeSet::new();
    let names: BTreeSet<String> = l
        .files
        .keys()
        .chain(d.files.keys())
        .map(|p| inner(p).1)
        .collect();
    for name in names {
        let lf = l.files.iter().find(|(p, _)| inner(p).1 == name);
        let df = d.files.iter().find(|(p, _)| inner(p).1 == name);
        let role = inner(lf.or(df).map(|(p, _)| p.as_str()).unwrap_or("")).0;
        if let (Some((lp, _)), Some((dp, _))) = (lf, df) {
            if l.compare_as.contains_key(lp) && l.same_file(d, lp, dp) {
                same_meaning.insert(name.clone());
            }
        }
        by_name.push((name, role, lf.map(|(_, o)| *o), df.map(|(_, o)| *o)));
    }
    let mut out = Details::default();
    for (name, role, lo, dobj) in by_name {
        if lo == dobj || same_meaning.contains(&name) {
            continue;
        }
        let read = |o: Option<BlobId>| -> Result<Option<Vec<u8>>, GitError> {
            o.map(|o| repo.blob(o)).transpose()
        };
        let (lb, db) = (read(lo)?, read(dobj)?);
        match role {
            Role::Json => out
                .fields
                .extend(json_fields("", lb.as_deref(), db.as_deref())),
            Role::Configuration => {
                out.fields
                    .extend(json_fields("Configuration.", lb.as_deref(), db.as_deref()))
            }
            _ => out
                .files
                .push(file_change(&name, lb.as_deref(), db.as_deref())),
        }
    }
    Ok(out)
}

fn json_fields(prefix: &str, live: Option<&[u8]>, desired: Option<&[u8]>) -> Vec<FieldChange> {
    let parse = |b: Option<&[u8]>| -> serde_json::Map<String, Value> {
        b.and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (l, d) = (parse(live), parse(desired));
    let keys: BTreeSet<&String> = l.keys().chain(d.keys()).collect();
    keys.into_iter()
        .filter(|k| l.get(*k) != d.get(*k))
        .map(|k| {
            let pick = |m: &serde_json::Map<String, Value>| {
                m.get(k).map(|v| {
                    if prefix == "Configuration." {
                        v.get("Value").cloned().unwrap_or_else(|| v.clone())
                    } else {
                        v.clone()
                    }
                })
            };
            FieldChange {
                field: format!("{prefix}{k}"),
                live: pick(&l),
                desired: pick(&d),
            }
        })
        .collect()
}

/// Text: no NUL bytes and few other control characters (UTF-8, or a legacy encoding such as
/// the ISO-8859-1 XML of older content).
fn is_text(bytes: &[u8]) -> bool {
    let controls = bytes
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    bytes.len() <= MAX_DIFF_BYTES && !bytes.contains(&0) && controls * 100 <= bytes.len()
}

/// The text of a file: UTF-8 when it is, otherwise ISO-8859-1 (every byte is a character).
fn decode(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
    }
}

fn file_change(name: &str, live: Option<&[u8]>, desired: Option<&[u8]>) -> FileChange {
    let change = match (live, desired) {
        (None, Some(_)) => Change::Added,
        (Some(_), None) => Change::Removed,
        _ => Change::Modified,
    };
    let (l, d) = (live.unwrap_or_default(), desired.unwrap_or_default());
    if is_text(l) && is_text(d) {
        let (lt, dt) = (decode(l), decode(d));
        let diff = similar::TextDiff::from_lines(lt.as_ref(), dt.as_ref())
            .unified_diff()
            .context_radius(3)
            .header(&format!("live/{name}"), &format!("desired/{name}"))
            .to_string();
        FileChange {
            path: name.to_string(),
            change,
            diff: Some(diff),
            sizes: None,
        }
    } else {
        FileChange {
            path: name.to_string(),
            change,
            diff: None,
            sizes: Some((l.len(), d.len())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fields_and_configuration_values() {
        let f = json_fields(
            "",
            Some(br#"{"A":1,"B":"x"}"#),
            Some(br#"{"A":2,"B":"x","C":true}"#),
        );
        assert_eq!(
            f.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            ["A", "C"]
        );
        let c = json_fields(
            "Configuration.",
            Some(br#"{"K":{"DataType":"xsd:string","Value":"a"}}"#),
            Some(br#"{"K":{"DataType":"xsd:string","Value":"b"}}"#),
        );
        assert_eq!(c[0].field, "Configuration.K");
        assert_eq!(
            (c[0].live.clone(), c[0].desired.clone()),
            (Some(Value::from("a")), Some(Value::from("b")))
        );
    }

    #[test]
    fn text_files_get_unified_diffs_and_binaries_sizes() {
        let t = file_change(
            "script/a.groovy",
            Some(b"one\ntwo\n"),
            Some(b"one\nthree\n"),
        );
        let diff = t.diff.unwrap();
        assert!(
            diff.contains("-two")
                && diff.contains("+three")
                && diff.contains("desired/script/a.groovy"),
            "{diff}"
        );
        let latin = file_change(
            "value_mapping.xml",
            Some(b"<v>\xd6sterreich</v>"),
            Some(b"<v>\xd6sterreich</v>\n<v>Italia</v>"),
        );
        assert!(
            latin.diff.unwrap().contains("+<v>Italia</v>"),
            "ISO-8859-1 text is diffed"
        );
        let b = file_change("lib/x.jar", Some(&[0, 1, 2]), Some(&[0, 1, 2, 3]));
        assert_eq!((b.diff, b.sizes), (None, Some((3, 4))));
    }
}
