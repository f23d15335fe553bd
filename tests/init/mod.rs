//! `cpi-gitops init` through the binary, in temporary folders: what it writes, that a second run
//! changes nothing, that files it did not write stop it (nothing written) unless --force, and
//! where the age identity goes.

mod pipeline;
mod runner;
mod workflows;

use cpi_gitops::config::Config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A folder for the repository and one for the user's configuration (XDG_CONFIG_HOME).
pub struct Scratch {
    pub root: tempfile::TempDir,
}

pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            root: tempfile::tempdir().unwrap(),
        }
    }
    pub fn repo(&self) -> PathBuf {
        self.root.path().join("team-state")
    }
    pub fn config_home(&self) -> PathBuf {
        self.root.path().join("config")
    }
    /// `cpi-gitops init <repo> args...` with a clean environment.
    pub fn init(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
            .current_dir(self.root.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("CPI_GITOPS_ACTION_REPOSITORY", "acme/cpi-gitops")
            .env("CPI_GITOPS_ACTION_SHA", SHA)
            .arg("init")
            .arg(self.repo())
            .args(args)
            .output()
            .unwrap()
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every file below `dir` except .git (relative path, bytes).
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == ".git" {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn init_writes_a_repository_and_a_second_run_changes_nothing() {
    let s = Scratch::new();
    let out = s.init(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let repo = s.repo();
    assert!(repo.join(".git").is_dir(), "git init ran");
    let written = files(&repo);
    let names: Vec<&str> = written.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".github/workflows/apply.yml",
            ".github/workflows/drift.yml",
            ".github/workflows/export.yml",
            ".github/workflows/failover.yml",
            ".github/workflows/plan-request.yml",
            ".github/workflows/plan.yml",
            "README.md",
            "cpi-gitops.toml",
            "tenant-state/.gitattributes",
            "tenant-state/recipients.txt",
        ]
    );
    assert_eq!(
        written["tenant-state/.gitattributes"],
        cpi_gitops::store::layout::GITATTRIBUTES_TEXT.as_bytes(),
        ".gitattributes as export writes it"
    );
    // The configuration loads, placeholders and all, with a primary and a passive secondary.
    let config = Config::load(&repo.join("cpi-gitops.toml")).unwrap();
    assert_eq!(
        config.tenants.keys().collect::<Vec<_>>(),
        ["primary", "secondary"]
    );
    let toml = String::from_utf8_lossy(&written["cpi-gitops.toml"]).into_owned();
    assert!(toml.contains("role = \"passive\""), "{toml}");
    // The identity: outside the repository, 0600, and it decrypts for the recipient written.
    let key = s.config_home().join("cpi-gitops/team-state.key");
    let key_text = std::fs::read_to_string(&key).expect("the identity file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let identity = cpi_gitops::secrets::Identity::parse(&key_text, "key").unwrap();
    let recipients = cpi_gitops::secrets::Recipients::parse(
        &String::from_utf8_lossy(&written["tenant-state/recipients.txt"]),
        "recipients.txt",
    )
    .unwrap();
    let sealed = recipients.encrypt(b"canary-value").unwrap();
    assert_eq!(
        identity.decrypt(&sealed, "x").unwrap().expose(),
        b"canary-value"
    );
    assert!(
        !written
            .values()
            .any(|b| String::from_utf8_lossy(b).contains("AGE-SECRET-KEY")),
        "no identity inside the repository"
    );
    let said = text(&out);
    for env in ["primary", "secondary"] {
        let cmd = format!(
            "gh secret set CPI_GITOPS_AGE_IDENTITY --env {env} < {}",
            key.display()
        );
        assert!(said.contains(&cmd), "prints `{cmd}`: {said}");
    }

    // Again: nothing changes, no second identity.
    let again = s.init(&[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("Nothing to do"), "{}", text(&again));
    assert_eq!(files(&repo), written, "a second run changes nothing");
    assert_eq!(
        std::fs::read_dir(s.config_home().join("cpi-gitops"))
            .unwrap()
            .count(),
        1,
        "no second identity"
    );

    // People fill in the hosts: the configuration is theirs now, and init keeps it.
    std::fs::write(
        repo.join("cpi-gitops.toml"),
        toml.replace("https://<primary tenant host>", "https://p.example"),
    )
    .unwrap();
    let kept = s.init(&["--format", "json"]);
    assert_eq!(kept.status.code(), Some(0), "{}", text(&kept));
    let doc: serde_json::Value = serde_json::from_slice(&kept.stdout).unwrap();
    assert_eq!(doc["command"], "init");
    let action = |path: &str| {
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["action"].as_str().unwrap().to_string())
    };
    assert_eq!(action("cpi-gitops.toml").as_deref(), Some("kept"));
    assert_eq!(
        action(".github/workflows/plan.yml").as_deref(),
        Some("unchanged")
    );
}

#[test]
fn files_init_did_not_write_stop_it_unless_forced() {
    let s = Scratch::new();
    let repo = s.repo();
    std::fs::create_dir_all(repo.join(".github/workflows")).unwrap();
    std::fs::write(repo.join("README.md"), "# Our own readme\n").unwrap();
    std::fs::write(repo.join(".github/workflows/plan.yml"), "name: ours\n").unwrap();
    let out = s.init(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("README.md")
            && said.contains(".github/workflows/plan.yml")
            && said.contains("--force"),
        "names each file and the way out: {said}"
    );
    assert!(!repo.join("cpi-gitops.toml").exists(), "nothing written");
    assert!(!repo.join(".git").exists(), "not even git init");
    assert!(!s.config_home().join("cpi-gitops").exists(), "no identity");

    let forced = s.init(&["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    assert!(
        text(&forced).contains("overwritten  README.md"),
        "{}",
        text(&forced)
    );
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    assert!(
        readme.contains("overwrite_drift"),
        "the team's README says the bootstrap"
    );
    assert_eq!(s.init(&[]).status.code(), Some(0));

    // A workflow edited afterwards is named again.
    let apply = repo.join(".github/workflows/apply.yml");
    let edited = std::fs::read_to_string(&apply).unwrap() + "# ours\n";
    std::fs::write(&apply, &edited).unwrap();
    let out = s.init(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains(".github/workflows/apply.yml"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&apply).unwrap(),
        edited,
        "left as it was"
    );
}

#[test]
fn more_tenants_and_bad_places() {
    let s = Scratch::new();
    let out = s.init(&["--tenants", "primary,secondary,dr"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let repo = s.repo();
    let apply = std::fs::read_to_string(repo.join(".github/workflows/apply.yml")).unwrap();
    assert!(
        apply.contains("options: [all, primary, secondary, dr]"),
        "{apply}"
    );
    let drift = std::fs::read_to_string(repo.join(".github/workflows/drift.yml")).unwrap();
    assert!(
        drift.contains("tenant: ${{ fromJSON(needs.roles.outputs.passive) }}"),
        "the passive tenants come from `cpi-gitops roles`: {drift}"
    );
    let failover = std::fs::read_to_string(repo.join(".github/workflows/failover.yml")).unwrap();
    assert!(failover.contains("CPI_DR_SERVICE_KEY: ${{ secrets.CPI_DR_SERVICE_KEY }}"));
    let config = Config::load(&repo.join("cpi-gitops.toml")).unwrap();
    assert_eq!(config.tenants.len(), 3);
    let roles = std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .current_dir(&repo)
        .args(["--format", "json", "roles"])
        .output()
        .unwrap();
    let roles: serde_json::Value = serde_json::from_slice(&roles.stdout).unwrap();
    assert_eq!(roles["active"], serde_json::json!(["primary"]));
    assert_eq!(roles["passive"], serde_json::json!(["dr", "secondary"]));

    // Inside a repository, below its root: refused.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .env("XDG_CONFIG_HOME", s.config_home())
        .args(["init"])
        .arg(repo.join("sub"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("inside the git repository"),
        "{}",
        text(&out)
    );

    // One tenant is not a pipeline.
    let other = Scratch::new();
    let out = other.init(&["--tenants", "primary"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("passive"), "{}", text(&out));
}
