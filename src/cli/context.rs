//! What every command shares: the global flags, the repository, the configuration, the
//! environment, and turning library errors into [`CliError`]s with hints.

use super::{CliError, ErrorKind};
use crate::client::Client;
use crate::config::{self, Config, ConfigError, Env};
use crate::git::{GitError, Repo};
use std::path::PathBuf;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// The global flags and the process environment.
pub struct Context {
    pub config_path: Option<PathBuf>,
    pub repo_dir: PathBuf,
    pub format: Format,
    pub env: Env,
    /// `--quiet`: no progress lines.
    pub quiet: bool,
}

impl Context {
    /// The git repository (found from `--repo`).
    pub fn repo(&self) -> Result<Repo, CliError> {
        Repo::discover(&self.repo_dir).map_err(|e| {
            git_error(e).hinted(
                "run inside the git repository that holds tenant-state/, or pass --repo DIR",
            )
        })
    }

    /// The configuration (`--config`, else `cpi-gitops.toml` at the repository root).
    pub fn config(&self, repo: &Repo) -> Result<Config, CliError> {
        let path = self
            .config_path
            .clone()
            .unwrap_or_else(|| repo.workdir().join(config::FILE_NAME));
        Config::load(&path).map_err(config_error)
    }

    /// A client for `tenant`; `concurrency` overrides the configured request limit.
    pub fn client(
        &self,
        config: &Config,
        tenant: &str,
        concurrency: Option<usize>,
    ) -> Result<Client, CliError> {
        let mut cc = config.client(tenant, &self.env).map_err(config_error)?;
        if let Some(n) = concurrency {
            cc.concurrency = n.max(1);
        }
        Client::new(cc).map_err(|e| CliError::new(ErrorKind::Config, e.to_string()))
    }
}

/// A configuration error with its hint.
pub fn config_error(e: ConfigError) -> CliError {
    let hint = e.hint();
    let mut err = CliError::new(ErrorKind::Config, e.to_string());
    err.hint = hint;
    err
}

/// A git error with its hint.
pub fn git_error(e: GitError) -> CliError {
    let hint = match &e {
        GitError::Dirty { state_dir, .. } => Some(format!(
            "commit or discard the changes in {state_dir}/ first (git status {state_dir})"
        )),
        _ => None,
    };
    let mut err = CliError::new(ErrorKind::User, e.to_string());
    err.hint = hint;
    err
}
