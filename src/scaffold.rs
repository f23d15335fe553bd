//! A new state repository on disk: a folder (a given empty one, or a temporary one), `git
//! init`, its files (configuration, recipients), and a first commit. The demo builds its
//! scratch repository with it.

use crate::git::{GitError, Repo};
use std::path::{Path, PathBuf};

/// Why a repository could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The folder is not empty.
    #[error("{} is not empty", .0.display())]
    NotEmpty(PathBuf),
    /// The given folder cannot be created.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        reason: std::io::Error,
    },
    /// A file or folder could not be made.
    #[error("cannot {action}")]
    Io {
        /// What was being done, naming the path.
        action: String,
        /// Why.
        #[source]
        reason: std::io::Error,
    },
    /// Git failed.
    #[error(transparent)]
    Git(#[from] GitError),
}

/// A folder for a new repository: `dir` (created if missing; it must be empty), or a temporary
/// folder removed when the returned guard is dropped.
pub fn folder(dir: Option<&Path>) -> Result<(PathBuf, Option<tempfile::TempDir>), ScaffoldError> {
    match dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|reason| ScaffoldError::CreateDir {
                path: d.to_path_buf(),
                reason,
            })?;
            if std::fs::read_dir(d)
                .map(|mut r| r.next().is_some())
                .unwrap_or(true)
            {
                return Err(ScaffoldError::NotEmpty(d.to_path_buf()));
            }
            Ok((d.to_path_buf(), None))
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("cpi-gitops-demo-")
                .tempdir()
                .map_err(|reason| ScaffoldError::Io {
                    action: "create a scratch folder".into(),
                    reason,
                })?;
            Ok((t.path().to_path_buf(), Some(t)))
        }
    }
}

/// Makes a repository in `dir` with `files` (paths relative to `dir`, and their text), all
/// committed with `message`.
pub fn repository(
    dir: &Path,
    files: &[(&str, &str)],
    message: &str,
) -> Result<Repo, ScaffoldError> {
    let repo = Repo::init(dir)?;
    for (path, text) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|reason| ScaffoldError::Io {
                action: format!("create {}", parent.display()),
                reason,
            })?;
        }
        std::fs::write(&p, text).map_err(|reason| ScaffoldError::Io {
            action: format!("write {}", p.display()),
            reason,
        })?;
    }
    repo.commit_all(message)?;
    Ok(repo)
}
