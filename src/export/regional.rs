//! Regional values stay out of the shared state. After a failover the pipeline exports the new
//! active, say the secondary, whose values differ from git's where `overrides/secondary.json`
//! says so (a regional endpoint). Wherever a value the exported tenant has equals that tenant's
//! override, export writes git's value back instead, so a failover never turns the secondary's
//! regional values into everybody's.

use crate::git::{GitError, Repo, StateFiles};
use crate::model::{Kind, ObjectId};
use crate::store::layout::{Role, locate};
use serde_json::Value;

/// In `files` (the tenant as read), puts back git's value (from `base`, the commit export starts
/// from) wherever the tenant's value equals its override in `overrides/<tenant>.json`. Returns
/// the values put back (`kind/key Field`). An overrides file that does not parse is left to
/// plan and apply to report.
pub fn keep_shared_values(
    repo: &Repo,
    base: &StateFiles,
    files: &mut StateFiles,
    tenant: &str,
) -> Result<Vec<String>, GitError> {
    let Some(blob) = base.get(&format!("overrides/{tenant}.json")) else {
        return Ok(Vec::new());
    };
    let Ok(Value::Object(overrides)) = serde_json::from_slice::<Value>(&repo.blob(*blob)?) else {
        return Ok(Vec::new());
    };
    let mut kept = Vec::new();
    for (key, patch) in overrides {
        let (Some(id), Value::Object(patch)) = (ObjectId::parse(&key), patch) else {
            continue;
        };
        for (field, wanted) in patch {
            let configuration = field == "Configuration" && id.kind == Kind::IntegrationFlow;
            let role = if configuration {
                Role::Configuration
            } else {
                Role::Json
            };
            let (Some(new_path), Some(old_path)) =
                (file_of(files, &id, &role), file_of(base, &id, &role))
            else {
                continue;
            };
            let (Some(mut doc), Some(git)) =
                (json(repo, files, &new_path)?, json(repo, base, &old_path)?)
            else {
                continue;
            };
            let mut changed = false;
            if configuration {
                let Value::Object(values) = wanted else {
                    continue;
                };
                for (parameter, value) in values {
                    let Some(git_value) = git.get(&parameter).and_then(|p| p.get("Value")).cloned()
                    else {
                        continue;
                    };
                    let Some(slot) = doc.get_mut(&parameter).and_then(|p| p.get_mut("Value"))
                    else {
                        continue;
                    };
                    if *slot == value && *slot != git_value {
                        *slot = git_value;
                        changed = true;
                        kept.push(format!("{id} Configuration.{parameter}"));
                    }
                }
            } else if let (Some(slot), Some(git_value)) = (doc.get_mut(&field), git.get(&field)) {
                if *slot == wanted && slot != git_value {
                    *slot = git_value.clone();
                    changed = true;
                    kept.push(format!("{id} {field}"));
                }
            }
            if changed {
                let blob = repo.write_blob(&crate::wire::canonical::to_vec(&doc))?;
                files.insert(new_path, blob);
            }
        }
    }
    Ok(kept)
}

/// The path of `id`'s file with `role` in `files`.
fn file_of(files: &StateFiles, id: &ObjectId, role: &Role) -> Option<String> {
    files
        .keys()
        .find(|p| locate(p).is_some_and(|l| &l.id == id && &l.role == role))
        .cloned()
}

fn json(repo: &Repo, files: &StateFiles, path: &str) -> Result<Option<Value>, GitError> {
    let Some(blob) = files.get(path) else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&repo.blob(*blob)?).ok())
}
