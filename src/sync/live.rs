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

/// Reads the target of `client`, grouped into objects as a state of `format` groups them (so
/// that both sides of a comparison are judged alike).
pub async fn read(
    repo: &Repo,
    client: Client,
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
    let sink = BlobSink::start(repo.git_dir().to_path_buf())?;
    let result = read::read(
        client,
        sink.writer(),
        ReadOptions {
            base: Arc::new(base_files),
            marks,
            secrets: SecretMode::Markers,
            progress,
            limits,
        },
    )
    .await;
    let files = tokio::task::spawn_blocking(move || sink.finish())
        .await
        .map_err(|e| ReadError::Internal(format!("the blob writer did not finish: {e}")))?;
    let (result, files) = match (result, files) {
        (Ok(r), Ok(f)) => (r, f),
        (_, Err(e)) => return Err(ReadError::Git(e)),
        (Err(e), _) => return Err(e),
    };
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
