//! `cpi-gitops init`: a team's state repository (design.md section 10). What it writes, and the
//! rule for what is already there:
//!
//! | file | kind | when it exists |
//! |---|---|---|
//! | `cpi-gitops.toml`, `README.md` | seed: people edit it afterwards | kept when init wrote it (its first line says so); else a conflict |
//! | `<state_dir>/recipients.txt` | the age recipient of a fresh identity | kept when it lists recipients; else a conflict |
//! | `<state_dir>/.gitattributes`, `.github/workflows/*.yml` | managed: init's text exactly | unchanged when equal; else a conflict |
//!
//! Conflicts are found before anything is written and fail the whole run, naming each file,
//! unless `force` (then init's text replaces them; a valid `recipients.txt` is never replaced).
//! The age identity goes to the user's configuration folder, never inside the repository.
//! The workflows are rendered from templates embedded in the binary, pinned to this binary's
//! release ([`ActionPin`]).

use crate::git::{GitError, Repo};
use crate::scaffold::{self, ScaffoldError};
use crate::secrets::{Identity, Recipients};
use crate::store::layout;
use std::path::{Path, PathBuf};

/// The first line of every seed file init writes (what tells its own output apart).
pub const MARK: &str = "Written by `cpi-gitops init`";

/// The repository the released binaries and the action come from, and the commit of the
/// release, as the release workflow set them at build time (`CPI_GITOPS_RELEASE_REPOSITORY`,
/// `CPI_GITOPS_RELEASE_SHA`).
const BUILT_REPOSITORY: Option<&str> = option_env!("CPI_GITOPS_RELEASE_REPOSITORY");
const BUILT_SHA: Option<&str> = option_env!("CPI_GITOPS_RELEASE_SHA");
/// The action's repository when the build names none (action.yml's default).
pub const DEFAULT_REPOSITORY: &str = "cpi-gitops/cpi-gitops";

/// Where the generated workflows take the action from: `uses: <repository>@<sha> # v<version>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPin {
    /// `owner/name`.
    pub repository: String,
    /// The release's commit; `None`: the tag `v<version>` (a build outside the release workflow).
    pub sha: Option<String>,
    /// The binary's version, without `v`.
    pub version: String,
}

impl ActionPin {
    /// This binary's pin: `repository` and `sha` override what the build recorded (the
    /// environment's `CPI_GITOPS_ACTION_REPOSITORY` and `CPI_GITOPS_ACTION_SHA`, read by
    /// [`crate::config`]).
    pub fn current(repository: Option<&str>, sha: Option<&str>) -> ActionPin {
        ActionPin {
            repository: repository
                .or(BUILT_REPOSITORY)
                .filter(|r| !r.is_empty())
                .unwrap_or(DEFAULT_REPOSITORY)
                .to_string(),
            sha: sha
                .or(BUILT_SHA)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// What follows `uses: `.
    pub fn uses(&self) -> String {
        match &self.sha {
            Some(sha) => format!("{}@{sha} # v{}", self.repository, self.version),
            None => format!("{}@v{}", self.repository, self.version),
        }
    }
}

/// What `init` is asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The repository's root (created when missing).
    pub dir: PathBuf,
    /// The tenants: the first is active, the others passive.
    pub tenants: Vec<String>,
    /// Replace files that differ from init's.
    pub force: bool,
    /// The action the workflows use.
    pub pin: ActionPin,
    /// The folder for the age identity (`$XDG_CONFIG_HOME/cpi-gitops`).
    pub key_dir: PathBuf,
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileAction {
    /// Written, it was missing.
    Created,
    /// Init's text already.
    Unchanged,
    /// Init wrote it before and people may have edited it since: left alone.
    Kept,
    /// Replaced with init's text (`--force`).
    Overwritten,
}

/// One file of the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileEntry {
    /// `/`-separated below the repository's root.
    pub path: String,
    /// What happened to it.
    pub action: FileAction,
}

/// What `init` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitReport {
    /// The repository's root.
    pub dir: PathBuf,
    /// Whether `git init` ran.
    pub git_initialized: bool,
    /// Every file and what happened to it.
    pub files: Vec<FileEntry>,
    /// The new age identity's file, when `recipients.txt` was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<PathBuf>,
    /// The tenant exported (active).
    pub active: String,
    /// The tenants applied to (passive).
    pub passive: Vec<String>,
    /// `uses:` of the workflows.
    pub uses: String,
    /// Whether the workflows pin the action by commit.
    pub pinned: bool,
}

impl InitReport {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        self.git_initialized
            || self
                .files
                .iter()
                .any(|f| matches!(f.action, FileAction::Created | FileAction::Overwritten))
    }
}

/// Why `init` stopped.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The tenant list cannot be used.
    #[error("--tenants {0}")]
    Tenants(String),
    /// Files differ from init's and `--force` was not given; nothing was written.
    #[error("{} not written by cpi-gitops init (or changed since): {}", if .0.len() == 1 { "a file was" } else { "files were" }, .0.iter().map(|(p, why)| format!("{p} ({why})")).collect::<Vec<_>>().join(", "))]
    Conflicts(Vec<(String, String)>),
    /// `dir` is inside a repository whose root is elsewhere.
    #[error("{} is inside the git repository {}", dir.display(), root.display())]
    NotRoot {
        /// The folder given.
        dir: PathBuf,
        /// The repository's root.
        root: PathBuf,
    },
    /// The identity would land inside the repository.
    #[error("the age identity would be written to {}, inside the repository", .0.display())]
    KeyInside(PathBuf),
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        reason: std::io::Error,
    },
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] ScaffoldError),
    /// Git failed.
    #[error(transparent)]
    Git(#[from] GitError),
}

impl InitError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            InitError::Tenants(_) => Some(
                "name the active tenant first, then one or more passive ones, e.g. --tenants primary,secondary,dr (letters, digits, - and _)".into(),
            ),
            InitError::Conflicts(_) => Some(
                "compare them with what init writes (e.g. in an empty folder), or run init again with --force to replace them".into(),
            ),
            InitError::NotRoot { root, .. } => Some(format!(
                "run init at the repository's root ({}), or in a folder outside any repository",
                root.display()
            )),
            InitError::KeyInside(_) => Some(
                "set XDG_CONFIG_HOME to a folder outside the repository".into(),
            ),
            _ => None,
        }
    }
}

/// One file init writes.
struct Planned {
    path: String,
    text: String,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Seed,
    Managed,
    Recipients,
}

const STATE_DIR: &str = "tenant-state";

/// The job that reads the roles (`cpi-gitops --format json roles`: the configuration and the
/// last failover's `refs/cpi-gitops/roles`), which export, plan, apply and drift start with.
const ROLES_JOB: &str = include_str!("templates/roles-job.yml");

/// The workflows, by file name, as templates.
pub const WORKFLOWS: &[(&str, &str)] = &[
    ("export.yml", include_str!("templates/export.yml")),
    (
        "plan-request.yml",
        include_str!("templates/plan-request.yml"),
    ),
    ("plan.yml", include_str!("templates/plan.yml")),
    ("apply.yml", include_str!("templates/apply.yml")),
    ("drift.yml", include_str!("templates/drift.yml")),
    ("failover.yml", include_str!("templates/failover.yml")),
];

/// Checks `--tenants`: at least an active and a passive one, unique names an environment and
/// a TOML key can hold.
pub fn check_tenants(tenants: &[String]) -> Result<(), InitError> {
    if tenants.len() < 2 {
        return Err(InitError::Tenants(format!(
            "names {} tenant(s): init needs an active one and at least one passive one",
            tenants.len()
        )));
    }
    for (i, t) in tenants.iter().enumerate() {
        if t.is_empty()
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(InitError::Tenants(format!("has the name `{t}`")));
        }
        if tenants[..i].contains(t) {
            return Err(InitError::Tenants(format!("names `{t}` twice")));
        }
        if t.ends_with("-read") || t == "failover" {
            return Err(InitError::Tenants(format!(
                "has `{t}`, which is a name of the pipeline's environments"
            )));
        }
    }
    Ok(())
}

/// The text of every file, for `tenants` (checked) and `pin`.
fn render(tenants: &[String], pin: &ActionPin) -> Vec<(String, String, Kind)> {
    let active = &tenants[0];
    let passive = &tenants[1..];
    let mut failover_secrets = String::new();
    let mut failover_list = Vec::new();
    for t in tenants {
        let p = crate::config::env_prefix(t);
        for name in [
            "SERVICE_KEY",
            "CLIENT_ID",
            "CLIENT_SECRET",
            "RUNTIME_SERVICE_KEY",
        ] {
            failover_secrets.push_str(&format!(
                "          {p}{name}: ${{{{ secrets.{p}{name} }}}}\n"
            ));
        }
        failover_list.push(format!("{p}SERVICE_KEY"));
    }
    let mut environments = String::new();
    for t in tenants {
        environments.push_str(&format!(
            "   - `{t}-read` (export while `{t}` is active; plan and drift while it is passive) and `{t}` (apply, with required reviewers)\n"
        ));
    }
    environments.push_str("   - `failover` (failover.yml, with required reviewers)\n");
    let and = |names: &[String]| -> String {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match names.len() {
            0 => String::new(),
            1 => names[0].clone(),
            n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
        }
    };
    let fill = |template: &str| -> String {
        template
            .replace("@@ROLES_JOB@@", ROLES_JOB)
            .replace("@@ACTION@@", &pin.uses())
            .replace("@@VERSION@@", &pin.version)
            .replace("@@REPOSITORY@@", &pin.repository)
            .replace("@@STATE_DIR@@", STATE_DIR)
            .replace("@@PRIMARY@@", active)
            .replace("@@ALL@@", &tenants.join(", "))
            .replace("@@ALL_TEXT@@", &and(tenants))
            .replace("@@PASSIVE_TEXT@@", &and(passive))
            .replace("@@FAILOVER_SECRETS@@\n", &failover_secrets)
            .replace("@@FAILOVER_SECRETS_LIST@@", &failover_list.join(", "))
            .replace("@@ENVIRONMENTS@@", &environments)
            .replace("@@TENANTS@@", &tenant_tables(tenants))
    };
    let mut files = vec![
        (
            crate::config::FILE_NAME.to_string(),
            fill(include_str!("templates/cpi-gitops.toml")),
            Kind::Seed,
        ),
        (
            "README.md".to_string(),
            fill(include_str!("templates/README.md")),
            Kind::Seed,
        ),
        (
            format!("{STATE_DIR}/{}", layout::GITATTRIBUTES),
            layout::GITATTRIBUTES_TEXT.to_string(),
            Kind::Managed,
        ),
    ];
    for (name, template) in WORKFLOWS {
        files.push((
            format!(".github/workflows/{name}"),
            fill(template),
            Kind::Managed,
        ));
    }
    files
}

fn tenant_tables(tenants: &[String]) -> String {
    let mut out = String::new();
    for (i, t) in tenants.iter().enumerate() {
        out.push_str(&format!("\n[tenants.{t}]\n"));
        if i == 0 {
            out.push_str("# Active: exported every hour into a pull request.\n");
        } else {
            out.push_str(
                "# Passive: the default branch is applied to it on every merge; a failover swaps the\n# roles (recorded in refs/cpi-gitops/roles, which wins over this key).\nrole = \"passive\"\n",
            );
        }
        out.push_str(&format!(
            "url = \"https://<{t} tenant host>\"  # the API is below <url>/api/v1\n\
             # With an OAuth client (CPI_CLIENT_ID): where its token comes from; a service key\n\
             # (CPI_SERVICE_KEY) names it itself; without either, Basic authentication.\n\
             token_url = \"https://<subdomain>.authentication.<region>.hana.ondemand.com/oauth/token\"\n\
             runtime_url = \"https://<{t} runtime host>\"  # the companion and the probe; default: url\n"
        ));
    }
    out
}

/// The identity file for repository `name` in `key_dir`: `<name>.key`, or `<name>-2.key` and
/// on when that exists (an identity is never overwritten).
fn identity_path(key_dir: &Path, name: &str) -> PathBuf {
    let mut n = 1;
    loop {
        let file = if n == 1 {
            format!("{name}.key")
        } else {
            format!("{name}-{n}.key")
        };
        let p = key_dir.join(file);
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

/// Runs `init`.
pub fn run(options: &InitOptions) -> Result<InitReport, InitError> {
    check_tenants(&options.tenants)?;
    let dir = &options.dir;
    std::fs::create_dir_all(dir).map_err(|reason| ScaffoldError::CreateDir {
        path: dir.clone(),
        reason,
    })?;
    let dir = dir.canonicalize().map_err(|reason| InitError::Read {
        path: dir.clone(),
        reason,
    })?;
    let existing = Repo::discover(&dir).ok();
    if let Some(repo) = &existing {
        let root = repo
            .workdir()
            .canonicalize()
            .unwrap_or(repo.workdir().into());
        if root != dir {
            return Err(InitError::NotRoot { dir, root });
        }
    }

    let mut planned: Vec<Planned> = render(&options.tenants, &options.pin)
        .into_iter()
        .map(|(path, text, kind)| Planned { path, text, kind })
        .collect();
    planned.insert(
        2,
        Planned {
            path: format!("{STATE_DIR}/{}", layout::RECIPIENTS),
            text: String::new(),
            kind: Kind::Recipients,
        },
    );

    // Decide every file before writing any.
    let mut decisions = Vec::new();
    let mut conflicts = Vec::new();
    for p in &planned {
        let file = dir.join(&p.path);
        let current = match std::fs::read(&file) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(reason) => return Err(InitError::Read { path: file, reason }),
        };
        let decision = match (&current, p.kind) {
            (None, _) => Some(FileAction::Created),
            (Some(bytes), Kind::Managed) if bytes == p.text.as_bytes() => {
                Some(FileAction::Unchanged)
            }
            (Some(bytes), Kind::Seed)
                if String::from_utf8_lossy(bytes)
                    .lines()
                    .next()
                    .is_some_and(|l| l.contains(MARK)) =>
            {
                Some(FileAction::Kept)
            }
            (Some(bytes), Kind::Recipients)
                if Recipients::parse(&String::from_utf8_lossy(bytes), &p.path).is_ok() =>
            {
                Some(FileAction::Kept)
            }
            (Some(_), kind) => {
                let why = match kind {
                    Kind::Managed => "differs from what init writes",
                    Kind::Seed => "init did not write it",
                    Kind::Recipients => "lists no age recipient",
                };
                if options.force {
                    Some(FileAction::Overwritten)
                } else {
                    conflicts.push((p.path.clone(), why.to_string()));
                    None
                }
            }
        };
        decisions.push(decision);
    }
    if !conflicts.is_empty() {
        return Err(InitError::Conflicts(conflicts));
    }

    let git_initialized = existing.is_none();
    if git_initialized {
        Repo::init(&dir)?;
    }
    let mut identity_file = None;
    let mut files = Vec::new();
    for (p, decision) in planned.iter_mut().zip(decisions) {
        let Some(action) = decision else { continue };
        if matches!(action, FileAction::Created | FileAction::Overwritten) {
            if p.kind == Kind::Recipients {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "repository".into());
                let key_dir = options
                    .key_dir
                    .canonicalize()
                    .unwrap_or(options.key_dir.clone());
                let key_file = identity_path(&key_dir, &name);
                if key_file.starts_with(&dir) {
                    return Err(InitError::KeyInside(key_file));
                }
                let (key, recipient) = Identity::generate();
                scaffold::write_private_file(
                    &key_file,
                    &format!(
                        "# The age identity of the repository {}, written by cpi-gitops init.\n# Store it as the secret CPI_GITOPS_AGE_IDENTITY of the write environments.\n{}\n",
                        dir.display(),
                        key.expose()
                    ),
                )?;
                p.text = format!(
                    "# {MARK}: the age recipients every secret in this folder is encrypted to, one a line.\n# Its identity is the secret CPI_GITOPS_AGE_IDENTITY of the write environments.\n{recipient}\n"
                );
                identity_file = Some(key_file);
            }
            scaffold::write_file(&dir, &p.path, &p.text)?;
        }
        files.push(FileEntry {
            path: p.path.clone(),
            action,
        });
    }
    Ok(InitReport {
        dir,
        git_initialized,
        files,
        identity_file,
        active: options.tenants[0].clone(),
        passive: options.tenants[1..].to_vec(),
        uses: options.pin.uses(),
        pinned: options.pin.sha.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin() -> ActionPin {
        ActionPin {
            repository: "acme/cpi-gitops".into(),
            sha: Some("0123456789abcdef0123456789abcdef01234567".into()),
            version: "1.2.3".into(),
        }
    }

    #[test]
    fn every_placeholder_is_filled_and_the_action_pinned() {
        let tenants: Vec<String> = ["primary", "secondary", "dr"].map(String::from).into();
        for (path, text, _) in render(&tenants, &pin()) {
            assert!(!text.contains("@@"), "{path} keeps a placeholder");
            if path.ends_with(".yml") && !path.ends_with("plan-request.yml") {
                assert!(
                    text.contains(
                        "uses: acme/cpi-gitops@0123456789abcdef0123456789abcdef01234567 # v1.2.3\n"
                    ) && text.contains("          version: \"1.2.3\"\n"),
                    "{path} pins the action with its version"
                );
                assert!(!text.contains("pull_request_target"), "{path}");
            }
        }
    }

    #[test]
    fn tenants_are_checked() {
        let t = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(check_tenants(&t(&["primary"])).is_err());
        assert!(check_tenants(&t(&["a", "a"])).is_err());
        assert!(check_tenants(&t(&["a", "b c"])).is_err());
        assert!(check_tenants(&t(&["a", "b-read"])).is_err());
        assert!(check_tenants(&t(&["primary", "secondary", "dr_2"])).is_ok());
    }

    #[test]
    fn without_a_release_commit_the_tag_is_used() {
        let p = ActionPin { sha: None, ..pin() };
        assert_eq!(p.uses(), "acme/cpi-gitops@v1.2.3");
    }
}
