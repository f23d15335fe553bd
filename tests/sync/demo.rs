//! `cpi-gitops demo` runs the whole loop on its own emulated tenants and exits 0.

use std::process::Command;

#[test]
fn demo_runs_the_whole_loop_and_keeps_the_repository_when_asked() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("demo-repo");
    let out = Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .args(["demo", "--dir"])
        .arg(&dir)
        .env_remove("CPI_GITOPS_AGE_IDENTITY")
        .env_remove("CPI_GITOPS_AGE_IDENTITY_FILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for step in [
        "1. Export",
        "4. Restore",
        "6. Someone changes",
        "9. Identical again",
        "11. The primary's region goes down",
        "12. The primary is back",
        "13. The runbook's step after an exit code 2",
        "15. Back to the primary",
    ] {
        assert!(stdout.contains(step), "missing step {step:?}:\n{stdout}");
    }
    assert_eq!(
        stdout
            .matches("verified: the tenant equals the revision")
            .count(),
        3,
        "{stdout}"
    );
    // The passive secondary holds back the timer and the poller; failover moves them.
    assert!(
        stdout.contains("integration-flow/Orders_Replicate_Timer: held back (passive)"),
        "{stdout}"
    );
    // Ticks: the active primary only; both while the primary is back but not fenced (the risk
    // exit code 2 warns of); the secondary only once it is fenced.
    let ran: Vec<(&str, &str)> = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("primary ran:"))
        .zip(
            stdout
                .lines()
                .filter_map(|l| l.trim().strip_prefix("secondary ran:")),
        )
        .map(|(p, s)| (p.trim(), s.trim()))
        .collect();
    let both = "Bank_Statements_SFTP_Poll, Orders_Replicate_Timer";
    assert_eq!(
        ran,
        [(both, "nothing"), (both, both), ("nothing", both)],
        "{stdout}"
    );
    assert!(
        stdout.contains("WARNING: switched to `secondary`, but `primary` could not be reached"),
        "{stdout}"
    );
    assert!(
        stdout.contains("switched: `primary` is active and runs the self-starting flows; `secondary` is passive and fenced"),
        "{stdout}"
    );
    assert!(stdout.contains("Configuration.Timeout"), "{stdout}");
    // The apply refused in step 6 is part of the story, reported on stderr.
    assert!(stderr.contains("refusing to apply"), "{stderr}");

    let repo = git2::Repository::open(&dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(
        head.parent_count(),
        1,
        "the export is one commit on top of the configuration"
    );
    assert!(
        head.tree()
            .unwrap()
            .get_path(std::path::Path::new(
                "tenant-state/security/user-credentials"
            ))
            .is_ok()
    );
    for r in [
        "refs/cpi-gitops/applied/secondary",
        "refs/cpi-gitops/applied/primary",
        "refs/cpi-gitops/roles",
    ] {
        assert!(repo.find_reference(r).is_ok(), "{r}");
    }
    let mut plaintext = Vec::new();
    head.tree()
        .unwrap()
        .walk(git2::TreeWalkMode::PreOrder, |root, entry| {
            if let Ok(blob) = entry.to_object(&repo).and_then(|o| o.peel_to_blob()) {
                let text = String::from_utf8_lossy(blob.content());
                if text.contains("demo-erp-password") || text.contains("demo-sf-password") {
                    plaintext.push(format!("{root}{}", entry.name().unwrap_or("?")));
                }
            }
            git2::TreeWalkResult::Ok
        })
        .unwrap();
    assert!(plaintext.is_empty(), "secrets in plaintext: {plaintext:?}");
}

#[test]
fn demo_refuses_a_folder_that_is_not_empty() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("keep.txt"), "mine").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .args(["demo", "--dir"])
        .arg(scratch.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("keep.txt")).unwrap(),
        "mine"
    );
}
