//! Apply under faults converges; what it records lets a second apply converge.

use crate::common::pair::Pair;
use cpi_gitops::emulator::Seed;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_during_apply_still_converge() {
    let p = Pair::new(Seed::Empty).await;
    p.secondary.switches(json!({"fault_503": 0.1, "fault_429": 0.1, "fault_reset": 0.1, "fault_seed": 5, "retry_after_secs": 0})).await;
    let mut runs = Vec::new();
    for _ in 0..3 {
        let r = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
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
