//! An apply stopped at every named step (fail points) by SIGINT, SIGTERM or SIGKILL: the next
//! run of the same revision converges without `--overwrite-drift` (the interrupted run's writes
//! are its own work, recorded as it goes), while a change made on the tenant by someone else
//! stays drift. Two applies to one tenant at once: the second is refused, naming the first.

use crate::common::pair::Pair;
use crate::common::process::{Sig, Stopped};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::json;

const POINTS: [&str; 3] = [
    "apply:intent-recorded",
    "apply:object-written",
    "apply:writes-done",
];

fn journal(p: &Pair) -> std::path::PathBuf {
    p.repo
        .path()
        .join(".git/cpi-gitops/journal/apply.secondary.json")
}

async fn stop_apply_everywhere(sig: Sig) {
    for point in POINTS {
        let p = Pair::new(Seed::Empty).await;
        let mut cmd = p.repo.command();
        cmd.args(["apply", "--tenant", "secondary", "--overwrite-drift"]);
        let (status, stderr) = Stopped::at(cmd, point).signal(sig);
        let context = format!("{sig:?} at {point}: {status:?}\n{}", stderr.join("\n"));
        assert_eq!(status.code(), sig.exit_code(), "{context}");
        if sig != Sig::Kill {
            assert!(
                !journal(&p).exists(),
                "a stopped apply leaves no journal: {context}"
            );
            assert!(stderr.join("\n").contains("stopped by SIG"), "{context}");
        }
        // The same revision again, as a pipeline runs it: no --overwrite-drift.
        let again = p.run(&["apply", "--tenant", "secondary"]);
        assert_eq!(again.code, 0, "{context}\nagain: {}", again.all());
        if sig == Sig::Kill && point != "apply:intent-recorded" {
            assert!(
                again
                    .stderr
                    .contains("note: an apply to tenant `secondary`"),
                "the next command says what it recovered: {}",
                again.stderr
            );
        }
        assert!(!journal(&p).exists());
        let drift = p.run(&["drift", "--tenant", "secondary"]);
        assert_eq!(drift.code, 0, "{context}\ndrift: {}", drift.all());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_apply_then_apply_again_converges() {
    stop_apply_everywhere(Sig::Int).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_apply_then_apply_again_converges() {
    stop_apply_everywhere(Sig::Term).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_apply_then_apply_again_converges() {
    stop_apply_everywhere(Sig::Kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_journal_the_pushed_progress_still_converges_and_others_changes_stay_drift() {
    let p = Pair::new(Seed::Empty).await;
    p.restore();
    // A new revision: a password and a timer's page size changed on the primary, exported.
    p.primary
        .send(Method::PUT, "UserCredentials('ERP_Basic')", Some(json!({"Name": "ERP_Basic", "Kind": "default", "Description": "ERP technical user", "User": "ERP_RFC", "Password": "rotated"})))
        .await;
    p.primary.send(Method::PUT, "IntegrationDesigntimeArtifacts(Id='Orders_Replicate_Timer',Version='active')/$links/Configurations('Page%20Size')", Some(json!({"ParameterValue": "321"}))).await;
    p.repo.export_ok().await;
    // The runner dies after the first objects are written: only the pushed base (with the
    // objects in progress) reaches the next runner, not the journal.
    let mut cmd = p.repo.command();
    cmd.args(["apply", "--tenant", "secondary"]);
    let (status, _) = Stopped::at(cmd, "apply:object-written").signal(Sig::Kill);
    assert!(status.code().is_none());
    std::fs::remove_file(journal(&p)).unwrap();
    let base = p.run(&["plan", "--tenant", "secondary"]);
    assert_eq!(base.code, 2, "{}", base.all());
    assert!(
        base.all().contains("0 drifted or never applied"),
        "the interrupted run's writes are not drift: {}",
        base.all()
    );
    // Someone else deletes a number range the last full apply wrote: that stays drift.
    let r = p
        .secondary
        .send(Method::DELETE, "NumberRanges('IDoc_Control')", None)
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let refused = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(refused.code, 2, "{}", refused.all());
    assert!(
        refused.stderr.contains("number-range/IDoc_Control")
            && !refused.stderr.contains("user-credential/ERP_Basic"),
        "only the change by someone else is drift: {}",
        refused.stderr
    );
    let forced = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(forced.code, 0, "{}", forced.all());
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_apply_to_the_same_tenant_is_refused_naming_the_first() {
    let p = Pair::new(Seed::Empty).await;
    let mut cmd = p.repo.command();
    cmd.args(["apply", "--tenant", "secondary", "--overwrite-drift"]);
    let first = Stopped::at(cmd, "apply:intent-recorded");
    for command in [
        vec!["apply", "--tenant", "secondary"],
        vec!["drift", "--tenant", "secondary"],
    ] {
        let second = p.run(&command);
        assert_eq!(second.code, 1, "{}", second.all());
        assert!(
            second
                .stderr
                .contains("tenant `secondary` is locked by another cpi-gitops run")
                && second.stderr.contains(&format!("pid {}", first.pid())),
            "{}",
            second.stderr
        );
    }
    let plan = p.run(&["plan", "--tenant", "secondary"]);
    assert_eq!(plan.code, 2, "plan takes no lock: {}", plan.all());
    let (status, _) = first.signal(Sig::Int);
    assert_eq!(status.code(), Some(130));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_progress_puts_the_intent_on_the_remote_before_the_first_write() {
    let p = Pair::new(Seed::Empty).await;
    let remote = tempfile::tempdir().unwrap();
    git2::Repository::init_bare(remote.path()).unwrap();
    git2::Repository::open(p.repo.path())
        .unwrap()
        .remote("origin", remote.path().to_str().unwrap())
        .unwrap();
    let base_on_remote = || -> Option<serde_json::Value> {
        let bare = git2::Repository::open_bare(remote.path()).unwrap();
        let blob = bare
            .revparse_single("refs/cpi-gitops/applied/secondary:base.json")
            .ok()?
            .peel_to_blob()
            .ok()?;
        serde_json::from_slice(blob.content()).ok()
    };
    let mut cmd = p.repo.command();
    cmd.args([
        "apply",
        "--tenant",
        "secondary",
        "--overwrite-drift",
        "--push-progress",
        "origin",
    ]);
    let stopped = Stopped::at(cmd, "apply:intent-recorded");
    let pushed = base_on_remote().expect("the intent is on the remote before the first write");
    assert!(
        pushed["in_progress"]["objects"]
            .as_array()
            .is_some_and(|o| o.iter().any(|id| id == "user-credential/ERP_Basic")),
        "{pushed}"
    );
    let stats = p.secondary.stats().await;
    let writes: Vec<&String> = stats["by_route"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with("GET ") && !k.contains("/oauth/token"))
        .collect();
    assert!(writes.is_empty(), "nothing was written yet: {writes:?}");
    let (status, _) = stopped.signal(Sig::Kill);
    assert!(status.code().is_none());
    let done = p.run(&[
        "apply",
        "--tenant",
        "secondary",
        "--push-progress",
        "origin",
    ]);
    assert_eq!(done.code, 0, "{}", done.all());
    let last = base_on_remote().unwrap();
    assert!(
        last.get("in_progress").is_none(),
        "the final base is pushed: {last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_format_json_a_stopped_run_still_prints_one_document() {
    let p = Pair::new(Seed::Empty).await;
    // An apply cut short prints its report, which says so.
    let mut cmd = p.repo.command();
    cmd.args([
        "--format",
        "json",
        "apply",
        "--tenant",
        "secondary",
        "--overwrite-drift",
    ]);
    let (status, stderr, stdout) =
        Stopped::at(cmd, "apply:object-written").signal_with_stdout(Sig::Term);
    assert_eq!(status.code(), Some(143), "{}", stderr.join("\n"));
    let doc: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("one JSON document ({e}): {stdout}"));
    assert_eq!(doc["command"], "apply", "{doc}");
    assert_eq!(doc["stopped"], "SIGTERM", "{doc}");
    // An export stopped while reading rolls back and prints an error document of kind `stopped`.
    let mut cmd = p.repo.command();
    cmd.args(["--format", "json", "export", "--tenant", "primary"]);
    let (status, stderr, stdout) = Stopped::at(cmd, "export:read").signal_with_stdout(Sig::Int);
    assert_eq!(status.code(), Some(130), "{}", stderr.join("\n"));
    let doc: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("one JSON document ({e}): {stdout}"));
    assert_eq!(doc["command"], "export", "{doc}");
    assert_eq!(doc["error"]["kind"], "stopped", "{doc}");
    assert!(p.repo.is_clean());
}
