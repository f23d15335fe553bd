//! Export under faults, paging, interruption and hostile content: it succeeds with the same
//! result, or fails leaving the repository exactly as it was.

use crate::common::repo::{Login, StateRepo};
use crate::common::{Tenant, b64, zip};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::json;

fn files_without_age(repo: &StateRepo) -> Vec<(String, Vec<u8>)> {
    repo.state_files()
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".age"))
        .collect()
}

#[tokio::test]
async fn faults_and_small_pages_change_nothing_in_the_result() {
    let clean = Tenant::start(Seed::Demo).await;
    let reference = StateRepo::new(&clean, Login::OAuth, "");
    reference.export_ok().await;

    let faulty = Tenant::start(Seed::Demo).await;
    faulty.switches(json!({"fault_503": 0.1, "fault_429": 0.1, "fault_reset": 0.1, "fault_seed": 3, "retry_after_secs": 0, "page_cap": 2})).await;
    let repo = StateRepo::new(
        &faulty,
        Login::OAuth,
        "retry_base_ms = 1\nretry_attempts = 12\n",
    );
    let report = repo.export_ok().await;
    let stats = faulty.stats().await;
    for kind in ["503", "429", "reset"] {
        assert!(
            stats["faults"][kind].as_u64().unwrap_or(0) > 0,
            "faults of kind {kind} were injected: {}",
            stats["faults"]
        );
    }
    assert!(report.requests > 75, "retries are counted");
    assert_eq!(
        files_without_age(&repo),
        files_without_age(&reference),
        "with faults and a page cap of 2 the export equals the fault-free one"
    );
}

#[tokio::test]
async fn basic_auth_exports_the_same() {
    let t = Tenant::start(Seed::Demo).await;
    let oauth = StateRepo::new(&t, Login::OAuth, "");
    oauth.export_ok().await;
    let basic = StateRepo::new(&t, Login::Basic, "");
    basic.export_ok().await;
    assert_eq!(
        files_without_age(&basic),
        files_without_age(&oauth),
        "Basic and OAuth logins read the same state"
    );
}

#[tokio::test]
async fn a_failed_export_leaves_the_repository_as_it_was() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "retry_attempts = 1\n");
    repo.export_ok().await;
    t.send(Method::PUT, "IntegrationDesigntimeArtifacts(Id='Orders_Replicate_Timer',Version='active')/$links/Configurations('Page%20Size')", Some(json!({"ParameterValue": "1"}))).await;
    let head = repo.head();
    let before = repo.state_files();
    t.switches(json!({"fault_503": 0.5, "fault_seed": 11}))
        .await;
    let err = repo
        .export()
        .await
        .expect_err("an export whose requests fail for good fails");
    assert!(
        err.to_string().contains("primary") && err.to_string().contains("503"),
        "the error names the tenant and the status: {err}"
    );
    assert_eq!(repo.head(), head, "HEAD did not move");
    assert_eq!(repo.state_files(), before, "the work tree is as it was");
    assert!(repo.is_clean(), "the index is as it was");
}

#[tokio::test]
async fn an_interrupted_export_leaves_the_repository_as_it_was() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let head = repo.head();
    let before = repo.state_files();
    // Every request now takes long enough for the process to be caught in the middle.
    t.switches(json!({"latency_ms": 5000})).await;
    let mut child = repo
        .command()
        .args(["export", "--tenant", "primary"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    loop {
        let stats = t.stats().await;
        if stats["in_flight"].as_u64().unwrap_or(0) >= 1 {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the export ended before it could be interrupted: {status}");
        }
        tokio::task::yield_now().await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(repo.head(), head, "HEAD did not move");
    assert_eq!(repo.state_files(), before, "the work tree is as it was");
    assert!(repo.is_clean(), "the index is as it was");
}

#[tokio::test]
async fn zip_slip_entries_are_refused_and_nothing_is_written() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let manifest =
        b"Manifest-Version: 1.0\r\nBundle-SymbolicName: Evil_Flow\r\nBundle-Version: 1.0.0\r\n\r\n";
    for (i, bad) in ["../../escaped.txt", "/tmp/absolute.txt", "src/Readme"]
        .iter()
        .enumerate()
    {
        let mut files: Vec<(&str, &[u8])> =
            vec![("META-INF/MANIFEST.MF", manifest), (bad, b"pwned")];
        if *bad == "src/Readme" {
            files.push(("src/README", b"collides"));
        }
        let id = format!("Evil_Flow_{i}");
        let manifest_i = String::from_utf8_lossy(manifest).replace("Evil_Flow", &id);
        files[0] = ("META-INF/MANIFEST.MF", manifest_i.as_bytes());
        let content = b64(&zip(&files));
        let r = t.send(Method::POST, "IntegrationDesigntimeArtifacts", Some(json!({"Id": id, "Name": id, "PackageId": "Orders", "ArtifactContent": content}))).await;
        assert_eq!(r.status, 201, "the tenant accepts whatever it is given");
        let head = repo.head();
        let err = repo
            .export()
            .await
            .expect_err("an unsafe entry stops the export")
            .to_string();
        assert!(
            err.contains(&format!("integration-flow/{id}"))
                && err.contains(
                    bad.trim_start_matches('/')
                        .split('/')
                        .next_back()
                        .unwrap_or(bad)
                ),
            "the error names the artifact and the entry: {err}"
        );
        assert_eq!(repo.head(), head);
        assert!(repo.is_clean(), "nothing was written");
        t.send(
            Method::DELETE,
            &format!("IntegrationDesigntimeArtifacts(Id='{id}',Version='active')"),
            None,
        )
        .await;
    }
    assert!(
        !repo.path().join("escaped.txt").exists()
            && !repo.path().parent().unwrap().join("escaped.txt").exists(),
        "no file outside tenant-state/"
    );
    assert!(!std::path::Path::new("/tmp/absolute.txt").exists());
}

#[tokio::test]
async fn a_dirty_state_folder_is_refused_before_anything_is_read() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    std::fs::write(repo.path().join("tenant-state/notes.txt"), "mine").unwrap();
    t.admin(Method::DELETE, "stats", None).await;
    let err = repo
        .export()
        .await
        .expect_err("uncommitted changes are refused")
        .to_string();
    assert!(
        err.contains("uncommitted") && err.contains("notes.txt"),
        "{err}"
    );
    assert_eq!(
        t.stats().await["requests"],
        0,
        "the tenant was not even asked"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("tenant-state/notes.txt")).unwrap(),
        "mine",
        "nothing is lost"
    );
}
