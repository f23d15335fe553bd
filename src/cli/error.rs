//! The command-line error, and the one place that turns the library's errors into it: what went
//! wrong, its causes, a hint saying what to do next, and the kind that decides the exit code.

use super::Outcome;
use crate::config::ConfigError;
use crate::export::ExportError;
use crate::git::GitError;
use crate::read::ReadError;
use crate::scaffold::ScaffoldError;
use crate::store::worktree::SecretFileError;
use crate::sync::apply::ApplyError;
use crate::sync::desired::DesiredError;
use crate::sync::target::TargetError;
use std::fmt;

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad flags or input files.
    User,
    /// Missing or wrong configuration or credentials.
    Config,
    /// The tenant refused or failed.
    Tenant,
    /// The target differs from git and the command refuses to overwrite it (exit code 2).
    Drift,
    /// A bug or an environment failure.
    Internal,
}

/// An error as shown to the user: `error: <message>`, the causes, then `hint: <hint>`.
#[derive(Debug)]
pub struct CliError {
    /// What kind of failure (decides the exit code).
    pub kind: ErrorKind,
    /// What went wrong.
    pub message: String,
    /// Why, one line each.
    pub causes: Vec<String>,
    /// What to do next.
    pub hint: Option<String>,
}

impl CliError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    /// A user error.
    pub fn user(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::User, message)
    }

    /// An internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Adds the chain of an underlying error as causes.
    pub fn caused_by(mut self, err: &dyn std::error::Error) -> Self {
        let mut source: Option<&dyn std::error::Error> = Some(err);
        while let Some(e) = source {
            self.causes.push(e.to_string());
            source = e.source();
        }
        self
    }

    /// Adds a hint.
    pub fn hinted(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the hint when there is one.
    fn maybe_hinted(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// What the command's outcome is: refused because of drift (exit code 2), or failed (1).
    pub fn outcome(&self) -> Outcome {
        match self.kind {
            ErrorKind::Drift => Outcome::Differences,
            _ => Outcome::Failed,
        }
    }

    /// An export's failure (reading the tenant is most of an export): nothing was written.
    pub fn export(e: ExportError, state_dir: &str) -> CliError {
        match e {
            ExportError::Git(g) => g.into(),
            ExportError::Tenant(t) => {
                let companion = t
                    .request()
                    .is_some_and(|r| r.path.contains("cpi-gitops/security-material"));
                let hint = match (t.status(), companion) {
                    (Some(401), _) => Some("check the tenant's credentials in the environment".to_string()),
                    (Some(403), true) => Some(
                        "the companion endpoint refused the API user; grant it the endpoint's role, or set companion_path = \"\" for this tenant to export without it".to_string(),
                    ),
                    (Some(403), false) => Some("the API user needs read roles for packages, artifacts, security material and the Partner Directory".to_string()),
                    _ => None,
                };
                let mut err = CliError::new(ErrorKind::Tenant, t.to_string()).maybe_hinted(hint);
                err.causes
                    .push("nothing was written: the repository is as it was".into());
                err
            }
            ExportError::NoRecipients { .. } => CliError::new(ErrorKind::Config, e.to_string()).hinted(format!(
                "create {state_dir}/recipients.txt with one age public key (age1...) or SSH public key per line, commit it, and export again"
            )),
            ExportError::TenantData { .. } => CliError::new(ErrorKind::Tenant, e.to_string())
                .hinted("the tenant answered something cpi-gitops cannot store; nothing was written"),
            ExportError::Content(c) => CliError::new(ErrorKind::Tenant, c.to_string()).hinted(
                "fix the artifact on the tenant (its zip holds an unsafe entry name); nothing was written",
            ),
            other => CliError::new(ErrorKind::Internal, other.to_string()),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> CliError {
        let hint = e.hint();
        CliError::new(ErrorKind::Config, e.to_string()).maybe_hinted(hint)
    }
}

impl From<GitError> for CliError {
    fn from(e: GitError) -> CliError {
        let hint = match &e {
            GitError::Dirty { state_dir, .. } => Some(format!(
                "commit or discard the changes in {state_dir}/ first (git status {state_dir})"
            )),
            _ => None,
        };
        CliError::new(ErrorKind::User, e.to_string()).maybe_hinted(hint)
    }
}

impl From<DesiredError> for CliError {
    fn from(e: DesiredError) -> CliError {
        let hint = match &e {
            DesiredError::Git(_) => None,
            DesiredError::NoState { .. } => Some("export a tenant first, or pass --rev with a revision that has the state".to_string()),
            DesiredError::BadJson { .. } | DesiredError::Invalid { .. } => {
                Some("fix the file (git show, git diff) or restore it from the export that wrote it, commit, and run again; nothing was written to the tenant".into())
            }
            DesiredError::UnknownFile { .. } => Some("move the file out of the state folder, or correct its path; nothing was written to the tenant".into()),
            DesiredError::Override { .. } => Some("correct the overrides file and commit; nothing was written to the tenant".into()),
        };
        CliError::new(ErrorKind::User, e.to_string()).maybe_hinted(hint)
    }
}

impl From<ReadError> for CliError {
    /// A problem reading a target (plan, apply, drift).
    fn from(e: ReadError) -> CliError {
        match e {
            ReadError::Git(g) => g.into(),
            ReadError::Tenant(t) => {
                let hint = (t.status() == Some(401))
                    .then(|| "check the tenant's credentials in the environment".to_string());
                CliError::new(ErrorKind::Tenant, t.to_string()).maybe_hinted(hint)
            }
            other => CliError::new(ErrorKind::Tenant, other.to_string()),
        }
    }
}

impl From<TargetError> for CliError {
    fn from(e: TargetError) -> CliError {
        match e {
            TargetError::Desired(d) => d.into(),
            TargetError::Base(g) => g.into(),
            TargetError::Read(r) => r.into(),
        }
    }
}

impl From<ApplyError> for CliError {
    fn from(e: ApplyError) -> CliError {
        match e {
            ApplyError::Drift { tenant, objects } => {
                let mut err = CliError::new(
                    ErrorKind::Drift,
                    format!(
                        "refusing to apply to tenant `{tenant}`: {} changed there since the last apply, or never applied",
                        crate::report::count(objects.len(), "object", "objects")
                    ),
                );
                err.causes = objects.iter().take(20).cloned().collect();
                if objects.len() > 20 {
                    err.causes.push(format!("and {} more", objects.len() - 20));
                }
                err.hinted(format!(
                    "review with `cpi-gitops drift --tenant {tenant}`, then run apply again with --overwrite-drift; nothing was changed"
                ))
            }
            ApplyError::Prune { .. } => CliError::new(ErrorKind::User, e.to_string()).hinted(
                "check that the revision is the one you mean; raise --max-prune-share to allow a larger prune; nothing was changed",
            ),
            ApplyError::NoIdentity { .. } => CliError::new(ErrorKind::Config, e.to_string()).hinted(
                "set CPI_GITOPS_AGE_IDENTITY (the key text) or CPI_GITOPS_AGE_IDENTITY_FILE (a path) to an identity of recipients.txt; nothing was changed",
            ),
            ApplyError::Incomplete { .. } => CliError::new(ErrorKind::User, e.to_string()).hinted(
                "restore the file from the commit that exported it (`git log -- FILE`), or export the primary again; nothing was written to the tenant",
            ),
            ApplyError::Secret { .. } => CliError::new(ErrorKind::Config, e.to_string())
                .hinted("nothing was written to the tenant"),
            ApplyError::Read(r) => r.into(),
            ApplyError::Git(g) => g.into(),
        }
    }
}

impl From<SecretFileError> for CliError {
    fn from(e: SecretFileError) -> CliError {
        let message = e.to_string();
        match e {
            SecretFileError::NotInState { .. } => CliError::user(message)
                .hinted("export the tenant first, or check the kind and name"),
            SecretFileError::NoRecipientsFile { file, .. } => CliError::new(ErrorKind::Config, message)
                .hinted(format!(
                    "create {file} with one age public key (age1...) or SSH public key per line"
                )),
            SecretFileError::Recipients(_) => CliError::new(ErrorKind::Config, message),
            SecretFileError::Decrypt(_) => CliError::new(ErrorKind::Config, message).hinted(
                "rekey with an identity that is one of the files' current recipients; nothing was changed",
            ),
            SecretFileError::Marks { .. } => CliError::user(message)
                .hinted("restore it from git (git checkout -- the file) and run rekey again"),
            SecretFileError::Io { .. } | SecretFileError::Encrypt { .. } => {
                CliError::internal(message)
            }
        }
    }
}

impl From<ScaffoldError> for CliError {
    fn from(e: ScaffoldError) -> CliError {
        let message = e.to_string();
        match e {
            ScaffoldError::NotEmpty(_) => {
                CliError::user(message).hinted("give --dir a new or empty folder")
            }
            ScaffoldError::CreateDir { .. } => CliError::user(message),
            ScaffoldError::Io { .. } | ScaffoldError::Git(_) => CliError::internal(message),
        }
    }
}
