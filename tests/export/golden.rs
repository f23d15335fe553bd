//! The fixture `tests/fixtures/demo-state/` is, byte for byte, the export of the emulator's
//! `demo` seed, encrypted to the demo recipient (identity: tests/fixtures/age). It is a fixture,
//! not the repository's own `tenant-state/`, so that a repository holding real tenant data never
//! breaks this test.
//! When a change to the exporter or the seed makes these tests fail, regenerate it as README.md
//! says ("The committed tenant-state/") and review the diff.
//!
//! The copy has no export marks (they live outside the branch, in `refs/cpi-gitops/marks/`), so
//! the export downloads and unpacks every artifact and compares it file by file, and keeps the
//! secret files it cannot prove changed, listing them as unverified.

use crate::common::Tenant;
use crate::common::repo::{DEMO_IDENTITY, Login, StateRepo};
use cpi_gitops::emulator::Seed;
use cpi_gitops::export::Change;
use cpi_gitops::secrets::Identity;
use std::path::{Path, PathBuf};

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo-state")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn the_demo_state_fixture_is_the_export_of_the_demo_seed() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    copy_tree(&committed(), &repo.path().join("tenant-state"));
    repo.commit_all("the demo state fixture");
    t.admin(reqwest::Method::DELETE, "stats", None).await;
    let report = repo.export_ok().await;
    let stats = t.stats().await;
    let with_content = std::fs::read_dir(committed().join("packages"))
        .unwrap()
        .filter_map(|p| std::fs::read_dir(p.unwrap().path().join("integration-flows")).ok())
        .flatten()
        .filter(|f| f.as_ref().unwrap().path().join("content").is_dir())
        .count();
    assert!(with_content >= 5);
    assert_eq!(
        stats["by_route"]["GET IntegrationDesigntimeArtifacts(..)/$value"],
        serde_json::json!(with_content),
        "without marks every integration flow with content is downloaded and unpacked: {}",
        stats["by_route"]
    );
    let stale: Vec<String> = report
        .objects
        .iter()
        .filter(|o| o.outcome != Change::Unchanged)
        .map(|o| format!("{} {:?} {:?}", o.id, o.outcome, o.files))
        .collect();
    assert!(
        !report.changed,
        "tests/fixtures/demo-state/ is not the current export of the demo seed (regenerate it as README.md says): {stale:?}"
    );
    assert_eq!(
        report.unverified_secrets.len(),
        8,
        "without marks the secret files are kept and listed as unverified: {:?}",
        report.unverified_secrets
    );
    let again = repo.export_ok().await;
    assert!(!again.changed);
    assert_eq!(
        again.unverified_secrets, report.unverified_secrets,
        "they stay unverified until the tenant's marker moves or `secret set` replaces them"
    );
}

#[tokio::test]
async fn the_fixture_secrets_decrypt_to_the_demo_tenants_values() {
    let t = Tenant::start(Seed::Demo).await;
    let fresh = StateRepo::new(&t, Login::OAuth, "");
    fresh.export_ok().await;
    let identity = Identity::parse(DEMO_IDENTITY, "tests/fixtures/age/demo-identity.txt").unwrap();
    let mut seen = 0;
    for (path, bytes) in fresh
        .state_files()
        .into_iter()
        .filter(|(p, _)| p.ends_with(".age"))
    {
        let committed_bytes = std::fs::read(committed().join(&path))
            .unwrap_or_else(|_| panic!("tests/fixtures/demo-state/{path} exists"));
        let want = identity.decrypt(&bytes, &path).unwrap();
        let have = identity.decrypt(&committed_bytes, &path).unwrap();
        assert_eq!(
            have.expose(),
            want.expose(),
            "tenant-state/{path} decrypts to the demo tenant's value"
        );
        seen += 1;
    }
    assert_eq!(
        seen, 8,
        "the demo seed has eight secrets: 2 user credentials, 1 OAuth secret, 2 secure parameters, a key pair's PKCS#12 and password, 1 Partner Directory password"
    );
}
