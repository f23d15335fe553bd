//! The export marks live outside the branch (`refs/cpi-gitops/marks/<tenant>`): a pull request
//! shows tenant state only; a clone that fetched the refs exports quietly; one that did not keeps
//! the secret files it cannot prove changed and says so; a mark is trusted only while the tree
//! still holds what it recorded; marks of older versions are taken over once.

use crate::common::Tenant;
use crate::common::repo::{DEMO_IDENTITY, Login, StateRepo};
use cpi_gitops::emulator::Seed;
use cpi_gitops::export::Change;
use reqwest::Method;
use serde_json::json;

const MARKS: &str = "refs/cpi-gitops/marks/primary";
const PASSWORD: &str = "tenant-state/security/user-credentials/ERP_Basic.password.age";

fn changed(report: &cpi_gitops::export::ExportReport) -> Vec<String> {
    report
        .objects
        .iter()
        .filter(|o| o.outcome != Change::Unchanged)
        .map(|o| o.id.clone())
        .collect()
}

async fn rotate(t: &Tenant, password: &str) {
    let r = t
        .send(Method::PUT, "UserCredentials('ERP_Basic')", Some(json!({"Name": "ERP_Basic", "Kind": "default", "Description": "ERP technical user", "User": "ERP_RFC", "Password": password})))
        .await;
    assert_eq!(r.status, 202);
}

fn decrypt(repo: &StateRepo, path: &str) -> Vec<u8> {
    cpi_gitops::secrets::Identity::parse(DEMO_IDENTITY, "fixture")
        .unwrap()
        .decrypt(&std::fs::read(repo.path().join(path)).unwrap(), path)
        .unwrap()
        .expose()
        .to_vec()
}

#[tokio::test]
async fn the_branch_holds_tenant_state_only_and_a_clone_with_the_refs_exports_quietly() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    assert!(
        !repo.path().join("tenant-state/.export-marks.json").exists(),
        "no bookkeeping in the tree"
    );
    let marks = repo.ref_target(MARKS).expect("the marks ref is written");
    let head = repo.head();
    assert!(
        !repo.export_ok().await.changed && repo.ref_target(MARKS).as_ref() == Some(&marks),
        "an unchanged tenant moves neither the branch nor the marks"
    );
    assert_eq!(repo.head(), head);

    let clone = repo.clone_of(true);
    t.admin(Method::DELETE, "stats", None).await;
    let report = clone.export_ok().await;
    assert!(
        !report.changed && report.commit.is_none(),
        "no commit: {:?}",
        changed(&report)
    );
    assert!(report.unverified_secrets.is_empty());
    assert!(
        t.stats().await["by_route"]
            .get("GET IntegrationDesigntimeArtifacts(..)/$value")
            .is_none(),
        "the fetched marks prove the flows unchanged"
    );
    assert_eq!(
        clone.ref_target(MARKS),
        Some(marks),
        "and the marks are as fetched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_refs_secret_files_are_kept_and_listed_as_unverified() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let clone = repo.clone_of(false);
    let before = std::fs::read(clone.path().join(PASSWORD)).unwrap();
    let report = clone.export_ok().await;
    assert!(!report.changed, "no commit: {:?}", changed(&report));
    assert_eq!(std::fs::read(clone.path().join(PASSWORD)).unwrap(), before);
    assert!(
        report
            .unverified_secrets
            .contains(&"user-credential/ERP_Basic#password".to_string()),
        "{:?}",
        report.unverified_secrets
    );
    assert_eq!(report.unverified_secrets.len(), 8);
    for (format, needle) in [
        ("text", "unverified secrets (8)"),
        ("json", "\"unverified_secrets\""),
        ("markdown", "**Unverified secrets**"),
    ] {
        let again = repo.clone_of(false);
        let out = again
            .command()
            .args(["--format", format, "export", "--tenant", "primary"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(needle) && text.contains("user-credential/ERP_Basic#password"),
            "{format}: {text}"
        );
    }
    // A password rotated on the tenant since is a proven change: written, and verified again.
    rotate(&t, "rotated-after-clone").await;
    let rotated = clone.export_ok().await;
    assert_eq!(changed(&rotated), ["user-credential/ERP_Basic"]);
    assert_eq!(decrypt(&clone, PASSWORD), b"rotated-after-clone");
    assert!(
        !rotated
            .unverified_secrets
            .contains(&"user-credential/ERP_Basic#password".to_string())
    );
    assert_eq!(
        rotated.unverified_secrets.len(),
        7,
        "the others stay unverified"
    );
}

#[tokio::test]
async fn a_mark_whose_commit_never_reached_the_branch_proves_nothing() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let main = repo.head();
    rotate(&t, "rotated-on-a-closed-branch").await;
    t.send(Method::PUT, "IntegrationDesigntimeArtifacts(Id='Orders_Replicate_Timer',Version='active')/$links/Configurations('Page%20Size')", Some(json!({"ParameterValue": "42"}))).await;
    let on_branch = repo.export_ok().await;
    assert_eq!(
        changed(&on_branch),
        [
            "integration-flow/Orders_Replicate_Timer",
            "user-credential/ERP_Basic"
        ]
    );
    // The pull request is closed unmerged: the next export starts from main again, with the
    // marks of the closed branch.
    repo.reset_hard(&main);
    let again = repo.export_ok().await;
    assert_eq!(
        changed(&again),
        [
            "integration-flow/Orders_Replicate_Timer",
            "user-credential/ERP_Basic"
        ],
        "the tenant's changes are not hidden by marks of files the branch never got"
    );
    assert_eq!(decrypt(&repo, PASSWORD), b"rotated-on-a-closed-branch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_rekey_and_set_update_the_marks() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let second = age::x25519::Identity::generate();
    let recipients = format!(
        "{}\n{}\n",
        crate::common::repo::DEMO_RECIPIENT.trim(),
        second.to_public()
    );
    std::fs::write(repo.path().join("tenant-state/recipients.txt"), recipients).unwrap();
    let before_marks = repo.ref_target(MARKS);
    let out = repo
        .command()
        .args(["secret", "rekey"])
        .env("CPI_GITOPS_AGE_IDENTITY", DEMO_IDENTITY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        repo.ref_target(MARKS),
        before_marks,
        "rekey moved the marks"
    );
    repo.commit_all("rekeyed");
    let rekeyed = std::fs::read(repo.path().join(PASSWORD)).unwrap();
    let report = repo.export_ok().await;
    assert!(
        !report.changed,
        "the rekeyed files are what the marks record: {:?}",
        changed(&report)
    );
    assert_eq!(std::fs::read(repo.path().join(PASSWORD)).unwrap(), rekeyed);

    let mut child = repo
        .command()
        .args(["secret", "set", "user-credential/ERP_Basic"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"set-by-hand")
        .unwrap();
    assert!(child.wait().unwrap().success());
    repo.commit_all("set by hand");
    let doc = git2::Repository::open(repo.path())
        .unwrap()
        .revparse_single(&format!("{MARKS}:marks.json"))
        .unwrap()
        .peel_to_blob()
        .unwrap()
        .content()
        .to_vec();
    let marks: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    assert!(
        marks["secrets"].get("user-credential/ERP_Basic").is_none(),
        "secret set drops the object's mark: {}",
        marks["secrets"]
    );
}

#[tokio::test]
async fn marks_of_an_older_version_are_taken_over_once() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    // What an older version committed: the marks in the tree (without the files they describe).
    let git = git2::Repository::open(repo.path()).unwrap();
    let doc = git
        .revparse_single(&format!("{MARKS}:marks.json"))
        .unwrap()
        .peel_to_blob()
        .unwrap()
        .content()
        .to_vec();
    let mut marks: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    for mark in marks["secrets"].as_object_mut().unwrap().values_mut() {
        mark.as_object_mut().unwrap().remove("files");
    }
    std::fs::write(
        repo.path().join("tenant-state/.export-marks.json"),
        serde_json::to_vec_pretty(&marks).unwrap(),
    )
    .unwrap();
    git.find_reference(MARKS).unwrap().delete().unwrap();
    repo.commit_all("as an older version left it");
    let age_before: Vec<_> = repo
        .state_files()
        .into_iter()
        .filter(|(p, _)| p.ends_with(".age"))
        .collect();
    let report = repo.export_ok().await;
    assert!(report.commit.is_some());
    assert_eq!(
        repo.last_diff()
            .iter()
            .map(|(p, _, _)| p.as_str())
            .collect::<Vec<_>>(),
        ["tenant-state/.export-marks.json"],
        "the first export after upgrading removes the marks file and nothing else"
    );
    let message = git
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .message()
        .unwrap()
        .to_string();
    assert!(
        message.contains("refs/cpi-gitops/marks/primary"),
        "{message}"
    );
    assert!(
        report.unverified_secrets.is_empty(),
        "the old marks are trusted"
    );
    let age_after: Vec<_> = repo
        .state_files()
        .into_iter()
        .filter(|(p, _)| p.ends_with(".age"))
        .collect();
    assert_eq!(age_before, age_after, "no secret re-encrypted");
    assert!(repo.ref_target(MARKS).is_some());
    assert!(!repo.export_ok().await.changed);
}
