//! Export in repositories of every shape (no commits yet, detached HEAD, nested or invalid state
//! folders, unknown files), with awkward object names, and its JSON output.

use crate::common::Tenant;
use crate::common::repo::{DEMO_RECIPIENT, Login, StateRepo};
use cpi_gitops::emulator::Seed;
use cpi_gitops::export::Change;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn no_commit_writes_only_the_work_tree() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let head = repo.head();
    let report = repo.export_with(false).await.unwrap();
    assert!(
        report.changed && report.commit.is_none(),
        "--no-commit makes no commit"
    );
    assert_eq!(repo.head(), head);
    assert!(
        repo.path()
            .join("tenant-state/packages/Orders/package.json")
            .exists(),
        "the work tree has the export"
    );
    assert!(!repo.is_clean(), "as uncommitted changes");
}

#[tokio::test]
async fn a_repository_without_commits_gets_its_first() {
    let t = Tenant::start(Seed::Empty).await;
    t.send(Method::POST, "NumberRanges", Some(json!({"Name": "N", "MinValue": "1", "MaxValue": "9", "FieldLength": "1", "Rotate": "false"}))).await;
    let repo = StateRepo::custom(&t, Login::OAuth, "", "tenant-state", false);
    assert_eq!(repo.commit_count(), 0);
    let report = repo.export_ok().await;
    assert!(report.commit.is_some());
    assert_eq!(repo.commit_count(), 1, "the export is the first commit");
    assert!(
        repo.path().join("cpi-gitops.toml").exists(),
        "files outside the state folder are left alone"
    );
}

#[tokio::test]
async fn a_detached_head_moves_with_the_export() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let git = git2::Repository::open(repo.path()).unwrap();
    let head = git.head().unwrap().peel_to_commit().unwrap().id();
    git.set_head_detached(head).unwrap();
    let report = repo.export_ok().await;
    let commit = report.commit.unwrap();
    assert_eq!(
        git.head()
            .unwrap()
            .peel_to_commit()
            .unwrap()
            .id()
            .to_string(),
        commit
    );
    assert!(git.head_detached().unwrap(), "HEAD stays detached");
}

#[tokio::test]
async fn a_nested_state_folder_works_and_bad_ones_are_refused() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::custom(&t, Login::OAuth, "", "state/cpi", true);
    repo.export_ok().await;
    assert!(
        repo.path()
            .join("state/cpi/packages/Orders/package.json")
            .exists()
    );
    assert!(
        !repo.export_ok().await.changed,
        "and is quiet the second time"
    );
    for bad in ["", "../outside", "/abs", "."] {
        let repo = StateRepo::custom(&t, Login::OAuth, "", bad, false);
        let out = repo
            .command()
            .args(["export", "--tenant", "primary"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "state_dir = {bad:?}");
        assert!(
            err.contains("must be a relative folder inside the repository"),
            "state_dir = {bad:?}: {err}"
        );
    }
}

#[tokio::test]
async fn files_nobody_knows_are_kept_and_reported() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    std::fs::write(repo.path().join("tenant-state/README.md"), "Our notes").unwrap();
    std::fs::write(
        repo.path().join("tenant-state/.gitattributes"),
        "* -text\n*.jar binary\n",
    )
    .unwrap();
    repo.commit_all("notes");
    let report = repo.export_ok().await;
    assert_eq!(
        std::fs::read_to_string(repo.path().join("tenant-state/README.md")).unwrap(),
        "Our notes",
        "unknown files are kept"
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.object == "tenant-state/README.md"),
        "and reported: {:?}",
        report.warnings
    );
    assert!(
        std::fs::read_to_string(repo.path().join("tenant-state/.gitattributes"))
            .unwrap()
            .contains("*.jar binary"),
        "a .gitattributes of the user's is kept"
    );
}

#[tokio::test]
async fn a_recipients_change_re_encrypts_what_the_companion_reveals() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let second = age::x25519::Identity::generate();
    std::fs::write(
        repo.path().join("tenant-state/recipients.txt"),
        format!("{}\n{}\n", DEMO_RECIPIENT.trim(), second.to_public()),
    )
    .unwrap();
    repo.commit_all("a new team member");
    repo.export_ok().await;
    let ages = repo
        .last_diff()
        .into_iter()
        .filter(|(p, _, _)| p.ends_with(".age"))
        .count();
    assert_eq!(ages, 8, "every secret is encrypted to the new recipients");
    assert!(
        !repo.export_ok().await.changed,
        "and then exports are quiet again"
    );
}

#[tokio::test]
async fn awkward_names_round_trip() {
    let t = Tenant::start(Seed::Demo).await;
    for (set, body) in [
        (
            "SecureParameters",
            json!({"Name": "a b/c%d+e.f", "SecureParam": "v"}),
        ),
        (
            "UserCredentials",
            json!({"Name": "..", "Kind": "default", "User": "u", "Password": "p"}),
        ),
        (
            "StringParameters",
            json!({"Pid": "ACME", "Id": "x.json", "Value": "v"}),
        ),
        (
            "AlternativePartners",
            json!({"Agency": "http://sap.com/xi/XI", "Scheme": "BusinessSystem", "Id": "ERP+100", "Pid": "ACME"}),
        ),
    ] {
        let r = t.send(Method::POST, set, Some(body)).await;
        assert!(r.status.is_success(), "{set}: {}", r.text());
    }
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let report = repo.export_ok().await;
    for id in [
        "secure-parameter/a b/c%d+e.f",
        "user-credential/..",
        "string-parameter/ACME/x.json",
        "alternative-partner/http%3A%2F%2Fsap.com%2Fxi%2FXI/BusinessSystem/ERP%2B100",
    ] {
        assert!(
            report
                .objects
                .iter()
                .any(|o| o.id == id && o.outcome == Change::Added),
            "{id} is exported: {:?}",
            report.objects.iter().map(|o| &o.id).collect::<Vec<_>>()
        );
    }
    assert!(
        repo.path()
            .join("tenant-state/security/secure-parameters/a%20b%2Fc%25d%2Be.f.json")
            .exists()
    );
    assert!(
        repo.path()
            .join("tenant-state/security/user-credentials/%2E%2E.json")
            .exists()
    );
    assert!(
        !repo.export_ok().await.changed,
        "awkward names are quiet the second time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_lists_every_object_outcome() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let out = repo
        .command()
        .args(["--format", "json", "export", "--tenant", "primary"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["tenant"], "primary");
    assert_eq!(doc["changed"], true);
    assert!(doc["commit"].as_str().is_some_and(|c| c.len() == 40));
    let objects = doc["objects"].as_array().unwrap();
    assert_eq!(
        objects.len(),
        35,
        "every object of the demo tenant (its companion package and two flows included)"
    );
    assert!(
        objects
            .iter()
            .all(|o| o["id"].is_string() && o["outcome"] == "added")
    );
    assert!(doc["requests"].as_u64().unwrap() > 0);
    assert_eq!(doc["companion"], "used");
}

#[tokio::test]
async fn a_head_that_moved_is_not_overwritten() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let git = cpi_gitops::git::Repo::discover(repo.path()).unwrap();
    let started_at = git.commit_id("HEAD").unwrap();
    std::fs::write(repo.path().join("other.txt"), "someone else's commit").unwrap();
    repo.commit_all("meanwhile");
    let stored = cpi_gitops::git::Stored {
        files: Default::default(),
        pack: None,
        staged: None,
    };
    let mut prepared = git
        .prepare_commit(
            "tenant-state",
            stored,
            Default::default(),
            "export",
            true,
            started_at,
            "test",
        )
        .unwrap();
    prepared.install(&git).unwrap();
    let err = git
        .write_commit(prepared)
        .expect_err("a moved HEAD is refused");
    assert!(err.to_string().contains("HEAD moved"), "{err}");
    assert!(
        repo.path().join("other.txt").exists() && repo.is_clean(),
        "the other commit and the work tree are untouched"
    );
}
