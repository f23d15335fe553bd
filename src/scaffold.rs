//! A new state repository on disk: a folder (a given empty one, or a temporary one), `git
//! init`, its files (configuration, recipients), and a first commit. The demo builds its
//! scratch repository with it; [`crate::init`] writes a team's repository with its file writers.

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
        write_file(dir, path, text)?;
    }
    repo.commit_all(message)?;
    Ok(repo)
}

/// Writes `text` to `path` below `dir` (`/`-separated), creating its folders.
pub fn write_file(dir: &Path, path: &str, text: &str) -> Result<(), ScaffoldError> {
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
    })
}

/// Writes a secret `text` to a new file `path` that only its owner may read (mode 0600 on
/// Unix), creating its folder (mode 0700); an existing file is never replaced.
pub fn write_private_file(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    use std::io::Write;
    let io = |action: String| move |reason| ScaffoldError::Io { action, reason };
    if let Some(parent) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(parent)
            .map_err(io(format!("create {}", parent.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(io(format!("create {}", path.display())))?;
    file.write_all(text.as_bytes())
        .map_err(io(format!("write {}", path.display())))
}
