//! Apply under faults converges; what it records lets a second apply converge.

use crate::common::pair::Pair;
use cpi_gitops::emulator::Seed;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_during_apply_still_converge() {
    let p = Pair::new(Seed::Empty).await;
    p.secondary.switches(json!({"fault_503": 0.1, "fault_429": 0.1, "fault_reset": 0.1, "fault_seed": 5, "retry_after_secs": 0})).await;
    let mut runs = Vec::new();
    for n in 0..3 {
        // Only the first run may overwrite (the empty tenant has no base): what a failed run
        // left is recorded, so the next runs converge without it.
        let args: &[&str] = if n == 0 {
            &["apply", "--tenant", "secondary", "--overwrite-drift"]
        } else {
            &["apply", "--tenant", "secondary"]
        };
        let r = p.run(args);
        let done = r.code == 0;
        runs.push(r);
        if done {
            break;
        }
    }
    let last = runs.last().unwrap();
    assert_eq!(
        last.code,
        0,
        "apply under 503, 429 and connection resets converges: {}",
        runs.iter()
            .map(|r| r.all())
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    let stats = p.secondary.stats().await;
    for kind in ["503", "429", "reset"] {
        assert!(
            stats["faults"][kind].as_u64().unwrap_or(0) > 0,
            "faults of kind {kind} were injected"
        );
    }
    p.secondary
        .switches(json!({"fault_503": 0.0, "fault_429": 0.0, "fault_reset": 0.0}))
        .await;
    assert_eq!(
        p.run(&["drift", "--tenant", "secondary"]).code,
        0,
        "and the tenant equals the revision"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_verification_is_exit_1_with_every_outcome_and_the_next_apply_converges() {
    let p = Pair::new(Seed::Empty).await;
    // The empty secondary's first read downloads nothing; the verification after the writes
    // downloads every integration flow, and those downloads fail.
    p.secondary
        .switches(json!({"fail_routes": {"GET IntegrationDesigntimeArtifacts(..)/$value": 500}}))
        .await;
    let first = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(first.code, 1, "{}", first.all());
    assert!(
        first.stdout.contains("could not be read again to verify"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("done    user-credential/ERP_Basic"),
        "every object's outcome is reported: {}",
        first.stdout
    );
    p.secondary.switches(json!({"fail_routes": {}})).await;
    let second = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(
        second.code,
        0,
        "what the failed run wrote is its own, not drift: {}",
        second.all()
    );
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_failing_in_the_middle_then_a_second_apply_converges() {
    let p = Pair::new(Seed::Empty).await;
    p.secondary
        .switches(json!({"fail_routes": {"POST SecureParameters": 500, "POST ValueMappingDesigntimeArtifacts": 500}}))
        .await;
    let first = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(first.code, 1, "{}", first.all());
    for failed in [
        "failed  secure-parameter/Bank_API_Key",
        "failed  value-mapping/Orders_Country_Codes",
    ] {
        assert!(first.stdout.contains(failed), "{failed}: {}", first.stdout);
    }
    assert!(
        first
            .stdout
            .contains("done    integration-flow/Orders_Inbound_HTTPS"),
        "the other objects were written: {}",
        first.stdout
    );
    p.secondary.switches(json!({"fail_routes": {}})).await;
    let plan = p.run(&["plan", "--tenant", "secondary"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("0 drifted or never applied") && !plan.stdout.contains("(drifted"),
        "what the failed run left is not drift: {}",
        plan.stdout
    );
    let second = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(second.code, 0, "{}", second.all());
    assert!(
        second
            .stdout
            .contains("done    secure-parameter/Bank_API_Key"),
        "{}",
        second.stdout
    );
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
}
