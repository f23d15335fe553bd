//! What every command shares: the global flags, the process environment, and the repository,
//! configuration and tenant client they name.

use super::CliError;
use super::error::ErrorKind;
use crate::client::Client;
use crate::config::{self, Config, Env};
use crate::git::Repo;
use std::path::PathBuf;

pub use crate::report::Format;

/// The `--format` flag's values ([`Format`]'s; doc comments on them would become help text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[allow(missing_docs)]
pub enum FormatArg {
    Text,
    Json,
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

/// The global flags and the process environment.
pub struct Context {
    /// `--config`.
    pub config_path: Option<PathBuf>,
    /// `--repo`.
    pub repo_dir: PathBuf,
    /// `--format`.
    pub format: Format,
    /// The environment (credentials, the age identity).
    pub env: Env,
    /// `--quiet`: no progress lines.
    pub quiet: bool,
}

impl Context {
    /// The git repository (found from `--repo`).
    pub fn repo(&self) -> Result<Repo, CliError> {
        Repo::discover(&self.repo_dir).map_err(|e| {
            CliError::from(e).hinted(
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
        Ok(Config::load(&path)?)
    }

    /// The configuration for commands that need no repository (`probe`, `companion install`):
    /// `--config FILE`, else `cpi-gitops.toml` at the root of the repository of `--repo`.
    pub fn config_anywhere(&self) -> Result<Config, CliError> {
        match &self.config_path {
            Some(path) => Ok(Config::load(path)?),
            None => self.config(&self.repo()?),
        }
    }

    /// A client for `tenant`; `concurrency` overrides the configured request limit.
    pub fn client(
        &self,
        config: &Config,
        tenant: &str,
        concurrency: Option<usize>,
    ) -> Result<Client, CliError> {
        let mut cc = config.client(tenant, &self.env)?;
        if let Some(n) = concurrency {
            cc.concurrency = n;
        }
        Client::new(cc).map_err(|e| CliError::from_error(ErrorKind::Config, &e))
    }
}
