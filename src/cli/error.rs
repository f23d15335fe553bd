//! The command-line error, and the one place that turns the library's errors into it: what went
//! wrong, its causes, a hint saying what to do next, and the kind that decides the exit code.

use super::Outcome;
use crate::config::ConfigError;
use crate::emulator::EmulatorError;
use crate::export::ExportError;
use crate::git::GitError;
use crate::read::ReadError;
use crate::scaffold::ScaffoldError;
use crate::store::worktree::SecretFileError;
use crate::sync::apply::ApplyError;
use crate::sync::desired::DesiredError;
use crate::sync::failover::FailoverError;
use crate::sync::passive::{HoldError, RoleCheckError};
use crate::sync::roles::RolesError;
use crate::sync::target::TargetError;
use std::error::Error;
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

impl ErrorKind {
    /// The kind's name in JSON error documents.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::User => "user",
            ErrorKind::Config => "config",
            ErrorKind::Tenant => "tenant",
            ErrorKind::Drift => "drift",
            ErrorKind::Internal => "internal",
        }
    }
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

    /// An error of `kind` saying what `e` says, with the chain of its sources as causes.
    pub fn from_error(kind: ErrorKind, e: &dyn Error) -> Self {
        let err = CliError::new(kind, e.to_string());
        match e.source() {
            Some(source) => err.caused_by(source),
            None => err,
        }
    }

    /// Adds `err` and the chain of its sources as causes, each once, leaving out what the
    /// message already says.
    pub fn caused_by(mut self, err: &dyn Error) -> Self {
        let mut source: Option<&dyn Error> = Some(err);
        while let Some(e) = source {
            let text = e.to_string();
            if !self.message.contains(&text) && !self.causes.contains(&text) {
                self.causes.push(text);
            }
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
                let companion = t.request().is_some_and(|r| r.path.starts_with("/http/"));
                let hint = match (t.status(), companion) {
                    (Some(401), _) => Some("check the tenant's credentials in the environment".to_string()),
                    (Some(403), true) => Some(
                        "the companion refused the runtime user; assign it the companion's role (default CPIGitOps.SecurityMaterial), or set companion_path = \"\" for this tenant to export without it".to_string(),
                    ),
                    (Some(403), false) => Some("the API user needs read roles for packages, artifacts, security material and the Partner Directory".to_string()),
                    _ => t.hint(),
                };
                let mut err = CliError::from_error(ErrorKind::Tenant, &t).maybe_hinted(hint);
                err.causes
                    .push("nothing was written: the repository is as it was".into());
                err
            }
            ExportError::NoRecipients { .. } => CliError::from_error(ErrorKind::Config, &e).hinted(format!(
                "create {state_dir}/recipients.txt with one age public key (age1...) or SSH public key per line, commit it, and export again"
            )),
            ExportError::Companion(c) => {
                let hint = c.hint();
                CliError::from_error(ErrorKind::Tenant, &c).hinted(hint)
            }
            ExportError::TenantData { .. } => CliError::from_error(ErrorKind::Tenant, &e)
                .hinted("the tenant answered something cpi-gitops cannot store; nothing was written"),
            ExportError::Content(c @ crate::store::content::ContentError::TooLarge { .. }) => {
                CliError::from_error(ErrorKind::Tenant, &c).hinted(
                    "raise max_artifact_bytes in cpi-gitops.toml if the file is meant to be that large, or remove it from the artifact on the tenant; nothing was written",
                )
            }
            ExportError::Content(c) => CliError::from_error(ErrorKind::Tenant, &c).hinted(
                "fix the artifact on the tenant (its zip holds an unsafe entry name); nothing was written",
            ),
            ExportError::StateFormat(f) => CliError::from_error(ErrorKind::User, &f).hinted(
                "upgrade cpi-gitops to the version that wrote this state; nothing was written",
            ),
            other => CliError::from_error(ErrorKind::Internal, &other),
        }
    }
}

impl CliError {
    /// The companion's client could not be set up (configuration or credentials).
    pub fn companion_setup(e: crate::companion::SetupError) -> CliError {
        match e {
            crate::companion::SetupError::Config(c) => c.into(),
            crate::companion::SetupError::Client(c) => CliError::from_error(ErrorKind::Config, &c),
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
        CliError::from_error(ErrorKind::Config, &e).maybe_hinted(hint)
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
        CliError::from_error(ErrorKind::User, &e).maybe_hinted(hint)
    }
}

impl From<DesiredError> for CliError {
    fn from(e: DesiredError) -> CliError {
        let hint = match &e {
            DesiredError::Git(_) => None,
            DesiredError::NoState { .. } => Some("export a tenant first, or pass --rev with a revision that has the state".to_string()),
            DesiredError::Format(crate::store::format::FormatError::Newer { .. }) => Some("upgrade cpi-gitops to the version that exported this state; nothing was written to the tenant".into()),
            DesiredError::Format(_) => Some("restore format.json from the export that wrote it (it must be {\"format_version\": 2}); nothing was written to the tenant".into()),
            DesiredError::BadJson { .. } | DesiredError::Invalid { .. } | DesiredError::Schema { .. } => {
                Some("fix the file (git show, git diff) or restore it from the export that wrote it, commit, and run again; nothing was written to the tenant".into())
            }
            DesiredError::UnknownFile { .. } => Some("move the file out of the state folder, or correct its path; nothing was written to the tenant".into()),
            DesiredError::Override { .. } => Some("correct the overrides file and commit; nothing was written to the tenant".into()),
        };
        CliError::from_error(ErrorKind::User, &e).maybe_hinted(hint)
    }
}

impl From<ReadError> for CliError {
    /// A problem reading a target (plan, apply, drift).
    fn from(e: ReadError) -> CliError {
        match e {
            ReadError::Git(g) => g.into(),
            ReadError::Tenant(t) => {
                let hint = t.hint();
                CliError::from_error(ErrorKind::Tenant, &t).maybe_hinted(hint)
            }
            other => CliError::from_error(ErrorKind::Tenant, &other),
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
            ApplyError::Prune { .. } => CliError::from_error(ErrorKind::User, &e).hinted(
                "check that the revision is the one you mean; raise --max-prune-share to allow a larger prune; nothing was changed",
            ),
            ApplyError::NoIdentity { .. } => CliError::from_error(ErrorKind::Config, &e).hinted(
                "set CPI_GITOPS_AGE_IDENTITY (the key text) or CPI_GITOPS_AGE_IDENTITY_FILE (a path) to an identity of recipients.txt; nothing was changed",
            ),
            ApplyError::Incomplete { .. } => CliError::from_error(ErrorKind::User, &e).hinted(
                "restore the file from the commit that exported it (`git log -- FILE`), or export the primary again; nothing was written to the tenant",
            ),
            ApplyError::Secret { .. } => CliError::from_error(ErrorKind::Config, &e)
                .hinted("nothing was written to the tenant"),
            ApplyError::Read(r) => r.into(),
            ApplyError::Git(g) => g.into(),
        }
    }
}

impl From<RolesError> for CliError {
    fn from(e: RolesError) -> CliError {
        match e {
            RolesError::Git(g) => g.into(),
            RolesError::Unreadable { .. } => CliError::from_error(ErrorKind::User, &e).hinted(
                "fetch it again (git fetch origin '+refs/cpi-gitops/*:refs/cpi-gitops/*'), or delete it (git update-ref -d refs/cpi-gitops/roles) to fall back to the roles in cpi-gitops.toml",
            ),
            RolesError::NoActive { .. } => CliError::from_error(ErrorKind::Config, &e).hinted(
                "mark the active twin with role = \"active\" in cpi-gitops.toml, or promote one with `cpi-gitops failover --to <tenant>`",
            ),
            RolesError::Ambiguous { .. } => CliError::from_error(ErrorKind::Config, &e).hinted(
                "mark the active twin of the pair with role = \"active\" in cpi-gitops.toml (or name it with --from)",
            ),
        }
    }
}

impl From<HoldError> for CliError {
    fn from(e: HoldError) -> CliError {
        match e {
            HoldError::Git(g) => g.into(),
        }
    }
}

impl From<RoleCheckError> for CliError {
    fn from(e: RoleCheckError) -> CliError {
        match &e {
            RoleCheckError::Unreadable { tenant, active, .. } => {
                let hint = format!(
                    "if `{active}` is down, promote this tenant with `cpi-gitops failover --to {tenant}`; to apply without the check, pass --role-check off; nothing was changed"
                );
                CliError::from_error(ErrorKind::Tenant, &e).hinted(hint)
            }
            RoleCheckError::Contradicts {
                tenant,
                active,
                flows,
            } => {
                let mut err = CliError::from_error(ErrorKind::User, &e);
                err.causes = flows
                    .iter()
                    .map(|f| {
                        if f.on_passive {
                            format!("{} runs on `{tenant}` only", f.id)
                        } else {
                            format!("{} runs on neither `{active}` nor `{tenant}`", f.id)
                        }
                    })
                    .collect();
                err.hinted(format!(
                    "the recorded roles may be stale (a clone without refs/cpi-gitops/roles, or a failover whose push failed): check them with `cpi-gitops roles`, fetch the refs (git fetch origin '+refs/cpi-gitops/*:refs/cpi-gitops/*'), apply to `{active}` first, or apply anyway with --role-check off; nothing was changed"
                ))
            }
        }
    }
}

impl From<FailoverError> for CliError {
    fn from(e: FailoverError) -> CliError {
        match e {
            FailoverError::Git(g) => g.into(),
            FailoverError::Desired(d) => d.into(),
        }
    }
}

impl From<SecretFileError> for CliError {
    fn from(e: SecretFileError) -> CliError {
        let of = |kind| CliError::from_error(kind, &e);
        match &e {
            SecretFileError::NotInState { .. } => of(ErrorKind::User)
                .hinted("export the tenant first, or check the kind and name"),
            SecretFileError::NoRecipientsFile { file, .. } => of(ErrorKind::Config).hinted(format!(
                "create {file} with one age public key (age1...) or SSH public key per line"
            )),
            SecretFileError::Recipients(_) => of(ErrorKind::Config),
            SecretFileError::Decrypt(_) => of(ErrorKind::Config).hinted(
                "rekey with an identity that is one of the files' current recipients; nothing was changed",
            ),
            SecretFileError::Marks { .. } => of(ErrorKind::User)
                .hinted("restore it from git (git checkout -- the file) and run rekey again"),
            SecretFileError::Io { .. } | SecretFileError::Encrypt { .. } => {
                of(ErrorKind::Internal)
            }
        }
    }
}

impl From<ScaffoldError> for CliError {
    fn from(e: ScaffoldError) -> CliError {
        let of = |kind| CliError::from_error(kind, &e);
        match &e {
            ScaffoldError::NotEmpty(_) => {
                of(ErrorKind::User).hinted("give --dir a new or empty folder")
            }
            ScaffoldError::CreateDir { .. } => of(ErrorKind::User),
            ScaffoldError::Io { .. } | ScaffoldError::Git(_) => of(ErrorKind::Internal),
        }
    }
}

impl From<EmulatorError> for CliError {
    fn from(e: EmulatorError) -> CliError {
        CliError::from_error(ErrorKind::User, &e)
            .hinted("pick another address with --listen, e.g. --listen 127.0.0.1:0 for a free port")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_show_their_sources_as_causes_once() {
        let e = SecretFileError::Io {
            action: "write tenant-state/x.age".into(),
            reason: std::io::Error::other("disk full"),
        };
        let err = CliError::from(e).hinted("free some space");
        assert_eq!(
            err.to_string(),
            "error: cannot write tenant-state/x.age\n  caused by: disk full\nhint: free some space"
        );
        // A source the message already says is not repeated.
        let inline = std::io::Error::other("disk full");
        let err = CliError::internal("cannot write x: disk full").caused_by(&inline);
        assert!(err.causes.is_empty());
        assert_eq!(err.outcome(), Outcome::Failed);
        assert_eq!(
            CliError::new(ErrorKind::Drift, "refused").outcome(),
            Outcome::Differences
        );
    }
}
