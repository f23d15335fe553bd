//! An artifact read from the tenant: its metadata (with whether it is deployed), an integration
//! flow's configured values, and its content, downloaded and then unpacked, hashed and stored on
//! the blob sink's pool as soon as it arrives (what waits for the pool bounded by bytes), or
//! kept from git when its change markers prove it unchanged (`store::marks`). A draft (edited
//! on the tenant, not saved as a version) keeps the last saved state git has.

use super::ReadError;
use super::collect::{Shared, lock};
use crate::git::BlobId;
use crate::interrupt::failpoint;
use crate::model::kinds;
use crate::model::{Kind, ObjectId};
use crate::store::content;
use crate::store::layout::place;
use crate::store::marks::{ArtifactMark, content_digest};
use crate::wire::designtime::{ArtifactKind, DesigntimeArtifact};
use serde_json::{Map, Value, json};

impl Shared {
    /// Reads artifact `a` of `package`.
    pub(super) async fn artifact(
        &self,
        package: &str,
        read_only: bool,
        kind: ArtifactKind,
        a: &DesigntimeArtifact,
    ) -> Result<(), ReadError> {
        let id = ObjectId::new(Kind::of_artifact(kind), &a.id);
        let at = place(&id, Some(package));
        let prefix = format!("{}/", at.dir());
        if a.version.eq_ignore_ascii_case("active") {
            let kept: Vec<(String, BlobId)> = self
                .base
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .map(|(p, i)| (p.clone(), *i))
                .collect();
            let message = if kept.is_empty() {
                "is in draft state (edited on the tenant, not saved as a version): not read until it is saved"
            } else {
                "is in draft state (edited on the tenant, not saved as a version): the last saved state in git is kept"
            };
            self.warn(&id, message.to_string());
            for (path, blob) in kept {
                self.writer.keep(path, blob).await?;
            }
            if let Some(m) = self.old_marks.artifacts.get(&id.to_string()) {
                lock(&self.new_marks)
                    .artifacts
                    .insert(id.to_string(), m.clone());
            }
            self.progress.done(&id, 0);
            return Ok(());
        }
        let deployed = self.runtime.get(&a.id);
        if let Some(rt) = deployed {
            if rt.version != a.version {
                self.warn(
                    &id,
                    format!(
                        "is deployed at version {} but its design-time version is {}: the design-time version is what git records (and what apply deploys)",
                        rt.version, a.version
                    ),
                );
            }
        }
        let meta = kinds::artifact::metadata(kind, a, deployed.is_some());
        self.json(&id, &at.json(), meta).await?;
        let mut configured = std::collections::BTreeSet::new();
        if kind == ArtifactKind::IntegrationFlow {
            let mut configuration = Map::new();
            for c in self.client.configurations(&a.id).await? {
                configured.insert(c.parameter_key.clone());
                configuration.insert(
                    c.parameter_key,
                    json!({ "DataType": c.data_type, "Value": c.parameter_value }),
                );
            }
            self.file(
                at.configuration(),
                crate::wire::canonical::to_vec(&Value::Object(configuration)),
            )
            .await?;
        }
        if read_only {
            self.progress.done(&id, 0);
            return Ok(());
        }
        let content_dir = at.content_dir();
        let in_git: Vec<(String, BlobId)> = self
            .base
            .range(content_dir.clone()..)
            .take_while(|(p, _)| p.starts_with(&content_dir))
            .map(|(p, i)| (p.clone(), *i))
            .collect();
        let git_digest = content_digest(in_git.iter().map(|(p, i)| (&p[content_dir.len()..], *i)));
        let modified_at = a.modified_at.clone().unwrap_or_default();
        let proven = kind == ArtifactKind::IntegrationFlow
            && !modified_at.is_empty()
            && !in_git.is_empty()
            && self
                .old_marks
                .artifacts
                .get(&id.to_string())
                .is_some_and(|m| {
                    m.version == a.version
                        && m.modified_at == modified_at
                        && m.content == git_digest
                });
        let (digest, bytes) = if proven {
            for (path, blob) in in_git {
                self.writer.keep(path, blob).await?;
            }
            (git_digest, 0)
        } else {
            let zip = self.client.download_artifact(kind, &a.id).await?;
            let bytes = zip.len() as u64;
            // What the job holds at most: the zip, its files, one file compressed.
            let held = bytes + unpacked_size(&zip).saturating_mul(5) / 4;
            let (object, name, dir, limits) =
                (id.kind, id.to_string(), content_dir.clone(), self.limits);
            let digest = self
                .writer
                .job(held, move |store| {
                    let files = content::unpack(object, &name, &zip, &configured, &limits)?;
                    drop(zip);
                    let mut ids = Vec::with_capacity(files.len());
                    for (path, data) in files {
                        let blob = store.put(format!("{dir}{path}"), &data)?;
                        ids.push((path, blob));
                    }
                    Ok::<_, ReadError>(content_digest(ids.iter().map(|(p, i)| (p.as_str(), *i))))
                })
                .await??;
            if !self
                .first_content
                .swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                failpoint::reach_async("export:read").await;
            }
            (digest, bytes)
        };
        if kind == ArtifactKind::IntegrationFlow && !modified_at.is_empty() {
            lock(&self.new_marks).artifacts.insert(
                id.to_string(),
                ArtifactMark {
                    version: a.version.clone(),
                    modified_at,
                    content: digest,
                },
            );
        }
        self.progress.done(&id, bytes);
        Ok(())
    }
}

/// The bytes a zip's files take unpacked, from its central directory (the zip's own size when
/// that cannot be read: the unpacking then fails and says why).
fn unpacked_size(zip: &[u8]) -> u64 {
    match ::zip::ZipArchive::new(std::io::Cursor::new(zip)) {
        Ok(mut archive) => (0..archive.len())
            .filter_map(|i| archive.by_index_raw(i).ok().map(|f| f.size()))
            .fold(0u64, u64::saturating_add),
        Err(_) => zip.len() as u64,
    }
}
