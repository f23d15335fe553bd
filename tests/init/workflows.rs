//! This repository's own pipeline is what `init` writes (so the demo shows what a team gets),
//! pinned to the commit that brought the action to main.

use super::{Scratch, files, text};

/// The commit of this repository the own workflows pin the action to.
const OWN_SHA: &str = "9987157c354836c1ca78830670f7851cfa550114";

#[test]
fn this_repositorys_workflows_are_inits() {
    let s = Scratch::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .env_clear()
        .env("XDG_CONFIG_HOME", s.config_home())
        .env("CPI_GITOPS_ACTION_REPOSITORY", "cpi-gitops/cpi-gitops")
        .env("CPI_GITOPS_ACTION_SHA", OWN_SHA)
        .arg("init")
        .arg(s.repo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let own = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, bytes) in files(&s.repo()) {
        if !path.starts_with(".github/workflows/") {
            continue;
        }
        let committed = std::fs::read(own.join(&path)).unwrap_or_default();
        assert!(
            committed == bytes,
            "{path} is not what init writes; regenerate: XDG_CONFIG_HOME=$(mktemp -d) CPI_GITOPS_ACTION_REPOSITORY=cpi-gitops/cpi-gitops CPI_GITOPS_ACTION_SHA={OWN_SHA} cargo run -- init \"$(mktemp -d)/r\", then copy its .github/workflows/*.yml here"
        );
    }
}
