//! An export stopped at every named step of its work (fail points), by SIGINT, SIGTERM or
//! SIGKILL, ends in an allowed state: the old commit or a complete new one with a clean work
//! tree (exit 130 or 143), or, after SIGKILL, a repository whose next command of ours restores a
//! clean tree, says so, and goes on. Two exports at once: the second is refused, naming the
//! first.

use crate::common::Tenant;
use crate::common::process::{Sig, Stopped};
use crate::common::repo::{Login, StateRepo};
use cpi_gitops::emulator::Seed;

/// Every fail point of an export, in order, and whether SIGINT or SIGTERM there rolls back
/// (`true`) or finishes the commit (`false`).
const POINTS: [(&str, bool); 7] = [
    ("export:read", true),
    ("export:pack-finished", true),
    ("export:journal-written", false),
    ("export:worktree-partial", false),
    ("export:worktree-written", false),
    ("export:head-moved", false),
    ("export:index-written", false),
];

fn without_age(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    files
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".age"))
        .collect()
}

/// Whether a journal or a temporary pack is left in the repository.
fn leftovers(repo: &StateRepo) -> Vec<String> {
    let mut out = Vec::new();
    let journal = repo.path().join(".git/cpi-gitops/journal");
    for dir in [journal, repo.path().join(".git/objects/pack")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.starts_with("pack-") {
                    out.push(name);
                }
            }
        }
    }
    if repo.path().join(".git/cpi-gitops/stage").exists() {
        out.push(".git/cpi-gitops/stage".into());
    }
    out
}

async fn stop_everywhere(sig: Sig) {
    let t = Tenant::start(Seed::Demo).await;
    let reference = StateRepo::new(&t, Login::OAuth, "");
    reference.export_ok().await;
    let complete = without_age(reference.state_files());
    for (point, rolls_back) in POINTS {
        let repo = StateRepo::new(&t, Login::OAuth, "");
        let old_head = repo.head();
        let old_files = repo.state_files();
        let mut cmd = repo.command();
        cmd.args(["export", "--tenant", "primary"]);
        let (status, stderr) = Stopped::at(cmd, point).signal(sig);
        let context = format!("{sig:?} at {point}: {status:?}\n{}", stderr.join("\n"));
        let head = repo.head();
        assert!(
            head == old_head || repo.commit_count() == 2,
            "HEAD is the old commit or the new one: {context}"
        );
        match sig.exit_code() {
            Some(code) => {
                assert_eq!(status.code(), Some(code), "{context}");
                assert!(repo.is_clean(), "a clean work tree and index: {context}");
                assert!(
                    leftovers(&repo).is_empty(),
                    "{:?}: {context}",
                    leftovers(&repo)
                );
                if rolls_back {
                    assert_eq!(head, old_head, "rolled back: {context}");
                    assert_eq!(repo.state_files(), old_files, "{context}");
                } else {
                    assert_ne!(head, old_head, "the commit was finished: {context}");
                    assert_eq!(without_age(repo.state_files()), complete, "{context}");
                }
                let said = stderr.join("\n");
                assert!(
                    said.contains(&format!(
                        "stopped by SIG{}",
                        if code == 130 { "INT" } else { "TERM" }
                    )),
                    "{context}"
                );
            }
            None => {
                // SIGKILL: HEAD, refs and index intact; the next command of ours recovers.
                let out = repo
                    .command()
                    .args(["export", "--tenant", "primary"])
                    .output()
                    .unwrap();
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(out.status.success(), "{context}\nnext: {err}");
                if point != "export:pack-finished" {
                    assert!(
                        err.contains("note: "),
                        "the next command says what it recovered: {context}\nnext: {err}"
                    );
                }
                assert!(repo.is_clean(), "{context}\nnext: {err}");
                assert!(
                    leftovers(&repo).is_empty(),
                    "{:?} {context}",
                    leftovers(&repo)
                );
                assert_eq!(without_age(repo.state_files()), complete, "{context}");
                assert_eq!(repo.commit_count(), 2, "one export commit: {context}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_at_every_step_rolls_back_or_finishes() {
    stop_everywhere(Sig::Int).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_at_every_step_rolls_back_or_finishes() {
    stop_everywhere(Sig::Term).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_every_step_is_recovered_by_the_next_command() {
    stop_everywhere(Sig::Kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_export_is_refused_while_the_first_runs_and_a_stale_lock_is_taken_over() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let mut cmd = repo.command();
    cmd.args(["export", "--tenant", "primary"]);
    let first = Stopped::at(cmd, "export:read");
    let out = repo
        .command()
        .args(["export", "--tenant", "primary"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("locked by another cpi-gitops run")
            && err.contains(&format!("pid {}", first.pid()))
            && err.contains("export --tenant primary")
            && err.contains("hint: wait until that run ends"),
        "the message names the holder: {err}"
    );
    assert!(!err.contains("uncommitted"), "{err}");
    // Under --format json, the refusal is an error document of kind `locked`.
    let out = repo
        .command()
        .args(["--format", "json", "export", "--tenant", "primary"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "locked", "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("pid {}", first.pid()))),
        "{doc}"
    );
    let (status, _) = first.signal(Sig::Kill);
    assert!(status.code().is_none());
    let out = repo
        .command()
        .args(["--format", "json", "export", "--tenant", "primary"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("took over the export lock") && err.contains("temporary pack"),
        "{err}"
    );
    // The JSON report says what was recovered too.
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let recovered = doc["recovered"].to_string();
    assert!(
        recovered.contains("took over the export lock") && recovered.contains("temporary pack"),
        "{doc}"
    );
    assert!(repo.is_clean());
}
