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
