//! The export marks in git: read from `refs/cpi-gitops/marks/<tenant>` (or, once, from the
//! `.export-marks.json` an older version committed), written back as a new commit on that ref
//! when they changed, and updated by `secret set` and `secret rekey` (see [`crate::store::marks`]
//! for what they mean and when they are trusted).

use crate::git::{BlobId, CommitId, GitError, Repo, StateFiles};
use crate::model::ObjectId;
use crate::store::layout::{self, Role, locate};
use crate::store::marks::{self, Marks, Source};
use std::collections::BTreeMap;

/// The marks an export starts from.
pub struct Loaded {
    /// The marks.
    pub marks: Marks,
    /// Where they came from.
    pub source: Source,
    /// The commit of the marks ref they were read at (what the write expects it to be).
    pub commit: Option<CommitId>,
}

/// Reads the marks of `tenant`: its ref, else the legacy file of the state `base` (none found:
/// empty marks, [`Source::None`]).
pub fn load(repo: &Repo, tenant: &str, base: &StateFiles) -> Result<Loaded, GitError> {
    if let Some(doc) = repo.read_json::<Marks>(&marks::ref_name(tenant), marks::FILE)? {
        return Ok(Loaded {
            marks: doc.value,
            source: Source::Ref,
            commit: Some(doc.commit),
        });
    }
    match base.get(layout::MARKS) {
        Some(id) => Ok(Loaded {
            marks: Marks::parse(Some(&repo.blob(*id)?)),
            source: Source::Legacy,
            commit: None,
        }),
        None => Ok(Loaded {
            marks: Marks::default(),
            source: Source::None,
            commit: None,
        }),
    }
}

/// Writes `marks` as a new commit on the marks ref of `tenant`, expected to point at `expected`;
/// keeps the fields of the old document that this version does not know.
pub fn save(
    repo: &Repo,
    tenant: &str,
    marks: &Marks,
    expected: Option<CommitId>,
    message: &str,
) -> Result<CommitId, GitError> {
    repo.write_json(
        &marks::ref_name(tenant),
        marks::FILE,
        marks,
        expected,
        message,
    )
}

/// Every tenant's marks ref in `repo`, by tenant.
fn all(repo: &Repo) -> Result<Vec<(String, Marks, CommitId)>, GitError> {
    let mut out = Vec::new();
    for name in repo.ref_names(marks::REF_PREFIX)? {
        let tenant = name[marks::REF_PREFIX.len()..].to_string();
        if let Some(doc) = repo.read_json::<Marks>(&name, marks::FILE)? {
            out.push((tenant, doc.value, doc.commit));
        }
    }
    Ok(out)
}

/// `secret set` replaced the secret of `id` in the work tree: every tenant's mark of it is
/// dropped, so the next export takes the tenant's change marker then as the baseline of the
/// value just set (and re-encrypts what the tenant reveals). Returns the tenants updated.
pub fn forget_secret(repo: &Repo, id: &ObjectId) -> Result<Vec<String>, GitError> {
    let mut updated = Vec::new();
    for (tenant, mut m, commit) in all(repo)? {
        if m.secrets.remove(&id.to_string()).is_some() {
            save(
                repo,
                &tenant,
                &m,
                Some(commit),
                &format!("secret set {id}: its export mark is dropped"),
            )?;
            updated.push(tenant);
        }
    }
    Ok(updated)
}

/// `secret rekey` encrypted every secret file again (`files`: path relative to the state folder
/// -> new bytes) to the recipients of fingerprint `recipients`: every tenant's marks follow
/// (same change markers, the new recipients, the new files), so that once the new files are
/// committed the next export keeps them.
pub fn rekeyed(
    repo: &Repo,
    files: &BTreeMap<String, Vec<u8>>,
    recipients: &str,
) -> Result<Vec<String>, GitError> {
    let mut by_object: BTreeMap<String, Vec<(&str, BlobId)>> = BTreeMap::new();
    let mut now = StateFiles::new();
    for (path, bytes) in files {
        now.insert(path.clone(), BlobId::hash(bytes));
    }
    for (path, id) in &now {
        if let Some(l) = locate(path) {
            if matches!(l.role, Role::Secret(_)) {
                by_object
                    .entry(l.id.to_string())
                    .or_default()
                    .push((path.as_str(), *id));
            }
        }
    }
    let mut updated = Vec::new();
    for (tenant, mut m, commit) in all(repo)? {
        for (key, mark) in m.secrets.iter_mut() {
            mark.recipients = recipients.to_string();
            if let Some(list) = by_object.get(key) {
                mark.files = marks::content_digest(list.iter().copied());
            }
        }
        save(
            repo,
            &tenant,
            &m,
            Some(commit),
            "secret rekey: the marks follow the re-encrypted files",
        )?;
        updated.push(tenant);
    }
    Ok(updated)
}
