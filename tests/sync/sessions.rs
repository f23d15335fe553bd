//! A whole tenant applied over Basic auth while its sessions die (issue 8.3): a CSRF session
//! ends after every few writes and all of them end again and again; the apply still writes
//! everything, and the secondary equals the primary.

use super::restore::comparable;
use crate::common::pair::Pair;
use cpi_gitops::emulator::Seed;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_applied_over_basic_while_sessions_die_equals_the_source() {
    let mut p = Pair::new(Seed::Empty).await;
    p.basic_secondary();
    p.secondary
        .switches(json!({"session_max_writes": 10, "expire_sessions_every": 40}))
        .await;
    let r = p.run(&[
        "apply",
        "--tenant",
        "secondary",
        "--overwrite-drift",
        "--concurrency",
        "8",
    ]);
    let stats = p.secondary.stats().await;
    assert_eq!(
        r.code,
        0,
        "every refused write is repeated with a fresh token: {}\n{stats}",
        r.all()
    );
    let refused = stats["by_status"]["403"].as_u64().unwrap_or(0);
    assert!(
        refused >= 3,
        "sessions died again and again during the apply ({refused} refusals): {stats}"
    );
    p.secondary
        .switches(json!({"session_max_writes": null, "expire_sessions_every": null}))
        .await;
    let drift = p.run(&["drift", "--tenant", "secondary"]);
    assert_eq!(drift.code, 0, "no drift after the apply: {}", drift.all());
    let (primary, secondary) = (
        comparable(p.primary.dump().await),
        comparable(p.secondary.dump().await),
    );
    for section in primary.as_object().unwrap().keys() {
        assert_eq!(
            secondary[section], primary[section],
            "the secondary equals the source in {section}"
        );
    }
}
