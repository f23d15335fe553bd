//! How integration flows start, read from their own content with the one rule of
//! [`crate::wire::adapters`]: from the flow XML committed in git, or, for a flow whose content git
//! does not hold (configure-only packages: the content is SAP's), from a tenant that has it.

use super::state::ObjectState;
use crate::client::{Client, ClientError};
use crate::git::{GitError, Repo};
use crate::model::ObjectId;
use crate::store::layout::{Role, locate};
use crate::wire::adapters::{self, FlowStart};
use crate::wire::designtime::ArtifactKind;

/// What is known of how a flow starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// Read from its XML.
    Read(FlowStart),
    /// Its content is neither in git nor on a tenant that could be asked.
    NoContent,
    /// Its XML cannot be read (the file, and why).
    Unreadable(String, String),
}

impl Known {
    /// Whether it is known to start by itself.
    pub fn by_itself(&self) -> bool {
        matches!(self, Known::Read(s) if s.by_itself())
    }

    /// Whether a passive tenant must hold it back: it starts by itself, or nobody can tell.
    pub fn held_back(&self) -> bool {
        !matches!(self, Known::Read(s) if !s.by_itself())
    }
}

/// How the integration flow `id` of `state` starts, from its content files in `repo` (state
/// paths relative to `state_dir`, which names files in messages); [`Known::NoContent`] when the
/// state has none.
pub fn from_git(
    repo: &Repo,
    state: &ObjectState,
    state_dir: &str,
    id: &ObjectId,
) -> Result<Known, GitError> {
    let Some(object) = state.objects.get(id) else {
        return Ok(Known::NoContent);
    };
    let mut start = FlowStart::default();
    let mut found = false;
    for (path, blob) in &object.files {
        let Some(Role::Content(inner)) = locate(path).map(|l| l.role) else {
            continue;
        };
        if !adapters::is_flow_file(&inner) {
            continue;
        }
        found = true;
        match adapters::read_flow(&repo.blob(*blob)?) {
            Ok(s) => start.merge(s),
            Err(e) => return Ok(Known::Unreadable(format!("{state_dir}/{path}"), e.reason)),
        }
    }
    Ok(if found {
        Known::Read(start)
    } else {
        Known::NoContent
    })
}

/// How the integration flow in the artifact zip `zip` (downloaded from `tenant`) starts.
pub fn from_zip(zip: &[u8], tenant: &str, key: &str) -> Known {
    let entries = match crate::wire::artifact::zip::read(zip) {
        Ok(e) => e,
        Err(e) => {
            return Known::Unreadable(
                format!("integration flow {key} on tenant `{tenant}`"),
                e.to_string(),
            );
        }
    };
    match adapters::read_artifact(entries.iter().map(|e| (e.name.as_str(), &e.data[..]))) {
        Ok(s) if entries.iter().any(|e| adapters::is_flow_file(&e.name)) => Known::Read(s),
        Ok(_) => Known::NoContent,
        Err((file, e)) => Known::Unreadable(
            format!("{file} of integration flow {key} on tenant `{tenant}`"),
            e.reason,
        ),
    }
}

/// How the integration flow `key` on the tenant of `client` starts: its content downloaded.
pub async fn from_tenant(client: &Client, key: &str) -> Result<Known, ClientError> {
    let zip = client
        .download_artifact(ArtifactKind::IntegrationFlow, key)
        .await?;
    Ok(from_zip(&zip, client.name(), key))
}
