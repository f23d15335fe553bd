//! A git repository in a temporary folder, configured for one emulated tenant, and ways to run
//! export into it (in-process through the library, or through the binary).

#![allow(dead_code)]

use super::Tenant;
use cpi_gitops::client::Client;
use cpi_gitops::config::{Config, Env};
use cpi_gitops::export::{self, ExportOptions, ExportReport};
use cpi_gitops::git::Repo;
use cpi_gitops::read::Silent;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The demo age identity (a test fixture) and its recipient.
pub const DEMO_IDENTITY: &str = include_str!("../fixtures/age/demo-identity.txt");
pub const DEMO_RECIPIENT: &str = include_str!("../fixtures/age/demo-recipient.txt");

/// A repository holding `tenant-state/` for a tenant named `primary`.
pub struct StateRepo {
    pub dir: tempfile::TempDir,
    /// The environment of the commands (credentials, the age identity).
    pub env: Env,
    pub state_dir: String,
}

/// How a repository reaches its tenant.
pub enum Login {
    /// OAuth client credentials from the emulator's token endpoint.
    OAuth,
    /// Basic credentials (session with CSRF).
    Basic,
}

impl StateRepo {
    /// A repository for `tenant` with `recipients.txt` committed; `extra_toml` is appended to the
    /// tenant's table (e.g. `retry_base_ms = 1`).
    pub fn new(tenant: &Tenant, login: Login, extra_toml: &str) -> StateRepo {
        StateRepo::custom(tenant, login, extra_toml, "tenant-state", true)
    }

    /// A repository whose state folder is `state_dir`; without `initial_commit` nothing is
    /// committed (an unborn `HEAD`).
    pub fn custom(
        tenant: &Tenant,
        login: Login,
        extra_toml: &str,
        state_dir: &str,
        initial_commit: bool,
    ) -> StateRepo {
        let dir = tempfile::tempdir().expect("a temp dir");
        let repo = git2::Repository::init(dir.path()).expect("git init");
        {
            let mut cfg = repo.config().unwrap();
            cfg.set_str("user.name", "Test").unwrap();
            cfg.set_str("user.email", "test@example.com").unwrap();
        }
        let url = tenant.handle.url();
        let token = match login {
            Login::OAuth => format!("token_url = \"{url}/oauth/token\"\n"),
            Login::Basic => String::new(),
        };
        let toml = format!(
            "state_dir = \"{state_dir}\"\n[tenants.primary]\nurl = \"{url}\"\n{token}{extra_toml}\n"
        );
        std::fs::write(dir.path().join("cpi-gitops.toml"), toml).unwrap();
        if initial_commit {
            std::fs::create_dir_all(dir.path().join(state_dir)).unwrap();
            std::fs::write(
                dir.path().join(state_dir).join("recipients.txt"),
                DEMO_RECIPIENT,
            )
            .unwrap();
        }
        let env = match login {
            Login::OAuth => Env::from_pairs([
                (
                    "CPI_PRIMARY_CLIENT_ID",
                    cpi_gitops::emulator::DEFAULT_CLIENT_ID,
                ),
                (
                    "CPI_PRIMARY_CLIENT_SECRET",
                    cpi_gitops::emulator::DEFAULT_CLIENT_SECRET,
                ),
            ]),
            Login::Basic => Env::from_pairs([
                ("CPI_PRIMARY_USER", super::USER),
                ("CPI_PRIMARY_PASSWORD", super::PASSWORD),
            ]),
        };
        let state = StateRepo {
            dir,
            env,
            state_dir: state_dir.to_string(),
        };
        if initial_commit {
            state.commit_all("initial state");
        }
        state
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A fresh clone of this repository (its branches), as a pipeline's runner makes one; with
    /// `fetch_refs`, it also fetches `refs/cpi-gitops/*` as the pipeline does.
    pub fn clone_of(&self, fetch_refs: bool) -> StateRepo {
        let dir = tempfile::tempdir().expect("a temp dir");
        let repo = git2::Repository::clone(self.path().to_str().unwrap(), dir.path())
            .expect("a local clone");
        {
            let mut cfg = repo.config().unwrap();
            cfg.set_str("user.name", "Test").unwrap();
            cfg.set_str("user.email", "test@example.com").unwrap();
        }
        if fetch_refs {
            repo.find_remote("origin")
                .unwrap()
                .fetch(&["+refs/cpi-gitops/*:refs/cpi-gitops/*"], None, None)
                .expect("fetch refs/cpi-gitops/*");
        }
        StateRepo {
            dir,
            env: self.env.clone(),
            state_dir: self.state_dir.clone(),
        }
    }

    /// The commit a ref points at, if it exists.
    pub fn ref_target(&self, name: &str) -> Option<String> {
        git2::Repository::open(self.path())
            .unwrap()
            .refname_to_id(name)
            .ok()
            .map(|id| id.to_string())
    }

    /// `git reset --hard REV`.
    pub fn reset_hard(&self, rev: &str) {
        let repo = git2::Repository::open(self.path()).unwrap();
        let target = repo.revparse_single(rev).unwrap();
        repo.reset(&target, git2::ResetType::Hard, None).unwrap();
    }

    /// `git add -A && git commit`.
    pub fn commit_all(&self, message: &str) {
        let repo = git2::Repository::open(self.path()).unwrap();
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = repo.signature().unwrap();
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap();
    }

    /// Runs an export in-process.
    pub async fn export(&self) -> Result<ExportReport, export::ExportError> {
        self.export_with(true).await
    }

    /// Runs an export in-process, committing or only writing the work tree.
    pub async fn export_with(&self, commit: bool) -> Result<ExportReport, export::ExportError> {
        let repo = Repo::discover(self.path()).unwrap();
        let config = Config::load(&self.path().join("cpi-gitops.toml")).unwrap();
        let client = Client::new(config.client("primary", &self.env).unwrap()).unwrap();
        let options = ExportOptions {
            tenant: "primary".into(),
            state_dir: config.state_dir.clone(),
            companion: cpi_gitops::companion::export_call(&config, "primary", &self.env).unwrap(),
            commit,
            message: None,
            limits: config.content_limits(),
        };
        export::run(&repo, client, &options, Arc::new(Silent)).await
    }

    /// Runs an export that must succeed.
    pub async fn export_ok(&self) -> ExportReport {
        self.export()
            .await
            .unwrap_or_else(|e| panic!("export failed: {e}"))
    }

    /// The commit `HEAD` points at.
    pub fn head(&self) -> String {
        git2::Repository::open(self.path())
            .unwrap()
            .head()
            .unwrap()
            .peel_to_commit()
            .unwrap()
            .id()
            .to_string()
    }

    /// How many commits `HEAD` has (0 for an unborn `HEAD`).
    pub fn commit_count(&self) -> usize {
        let repo = git2::Repository::open(self.path()).unwrap();
        if repo.head().is_err() {
            return 0;
        }
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        walk.count()
    }

    /// Paths changed between `HEAD~1` and `HEAD`, with the lines added and removed in each.
    pub fn last_diff(&self) -> Vec<(String, usize, usize)> {
        let repo = git2::Repository::open(self.path()).unwrap();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let parent = head.parent(0).unwrap();
        let diff = repo
            .diff_tree_to_tree(
                Some(&parent.tree().unwrap()),
                Some(&head.tree().unwrap()),
                None,
            )
            .unwrap();
        let mut out = Vec::new();
        for i in 0..diff.deltas().len() {
            let patch = git2::Patch::from_diff(&diff, i).unwrap().unwrap();
            let path = patch
                .delta()
                .new_file()
                .path()
                .unwrap()
                .to_string_lossy()
                .to_string();
            let (_, added, removed) = patch.line_stats().unwrap();
            out.push((path, added, removed));
        }
        out
    }

    /// Whether the work tree and index equal `HEAD` (untracked files included).
    pub fn is_clean(&self) -> bool {
        let repo = git2::Repository::open(self.path()).unwrap();
        let mut opts = git2::StatusOptions::new();
        opts.include_untracked(true).recurse_untracked_dirs(true);
        repo.statuses(Some(&mut opts))
            .unwrap()
            .iter()
            .all(|s| s.status() == git2::Status::CURRENT)
    }

    /// Every file of the work tree under the state folder (relative path, bytes).
    pub fn state_files(&self) -> Vec<(String, Vec<u8>)> {
        let root = self.path().join(&self.state_dir);
        let mut out = Vec::new();
        if root.exists() {
            walk(&root, &root, &mut out);
        }
        out.sort();
        out
    }

    /// The binary, run in this repository with its environment. Tests that wait for it while an
    /// in-process emulator answers it must run on the multi-threaded runtime.
    pub fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"));
        cmd.current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in env_pairs(&self.env) {
            cmd.env(k, v);
        }
        cmd
    }
}

fn env_pairs(env: &Env) -> Vec<(String, String)> {
    env.pairs()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path: PathBuf = entry.path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&path).unwrap()));
        }
    }
}
