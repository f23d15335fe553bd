//! Live state: the target read with the exporter's reader and normalization, in markers mode
//! (secrets are judged by their change markers). The revision last applied to the target serves
//! as the reader's base, so an integration flow whose version and modification time are what the
//! last apply left is not downloaded again.

use super::base::Base;
use super::state::ObjectState;
use crate::client::Client;
use crate::git::{BlobSink, CommitId, Repo, StateFiles};
use crate::read::{self, Progress, ReadError, ReadOptions, SecretMode, Warning};
use crate::store::content::Limits;
use crate::store::format::StateFormat;
use crate::wire::runtime::IntegrationRuntimeArtifact;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A target as it is now.
pub struct Live {
    /// Its files, as export would write them.
    pub files: StateFiles,
    /// The same by object.
    pub state: ObjectState,
    /// The target's markers (integration-flow versions and times, secrets' change markers).
    pub marks: crate::store::marks::Marks,
    /// Runtime artifacts by id.
    pub runtime: BTreeMap<String, IntegrationRuntimeArtifact>,
    /// What the user should know about that did not stop the read.
    pub warnings: Vec<Warning>,
}

impl Live {
    /// What recording a base needs of it.
    pub fn observed(&self) -> super::base::Observed<'_> {
        super::base::Observed {
            state: &self.state,
            marks: &self.marks,
            runtime: &self.runtime,
        }
    }
}

/// Reads the target `tenant` of `client`, grouped into objects as a state of `format` groups
/// them (so that both sides of a comparison are judged alike); what the repository lacks of what
/// it read is written as one pack (plan and drift show differences from it).
pub async fn read(
    repo: &Repo,
    client: Client,
    tenant: &str,
    base: Option<&Base>,
    state_dir: &str,
    (format, limits): (StateFormat, Limits),
    progress: Arc<dyn Progress>,
) -> Result<Live, ReadError> {
    let applied = match base {
        Some(b) => CommitId::parse(&b.applied),
        None => None,
    };
    let base_files = match applied {
        Some(commit) => repo
            .state_files(Some(commit), state_dir)
            .unwrap_or_default(),
        None => StateFiles::new(),
    };
    let marks = base.map(|b| b.marks.clone()).unwrap_or_default();
    let sink = BlobSink::start(
        repo.git_dir(),
        &crate::sync::lock_name(tenant),
        base_files.values().copied(),
    )?;
    let result = read::read(
        client,
        sink.writer(),
        ReadOptions {
            base: Arc::new(base_files),
            marks,
            marks_source: crate::store::marks::Source::Ref,
            secrets: SecretMode::Markers,
            progress,
            limits,
        },
    )
    .await;
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            sink.abort();
            return Err(e);
        }
    };
    let stored = sink.finish();
    let files = stored.files;
    if let Some(pack) = stored.pack {
        let git_dir = repo.git_dir().to_path_buf();
        let label = crate::sync::lock_name(tenant);
        tokio::task::spawn_blocking(move || {
            let repo = Repo::discover(&git_dir)?;
            repo.install_pack(pack)?;
            if let Err(e) = crate::git::pack::consolidate(repo.git_dir(), &label) {
                tracing::warn!("could not merge the small packs of earlier reads: {e}");
            }
            Ok::<_, crate::git::GitError>(())
        })
        .await
        .map_err(|e| ReadError::Internal(format!("writing the pack did not finish: {e}")))??;
        repo.refresh_objects()?;
    }
    let state = ObjectState::read(&files, format, |id| repo.blob(id))?;
    Ok(Live {
        files,
        state,
        marks: result.marks,
        runtime: result
            .runtime
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect(),
        warnings: result.warnings,
    })
}
