//! Rate limits (issue 9.6, API reference 3.10): `Retry-After` pauses the requests of one API
//! area (not the others: design-time 429s must not stall a deploy's polling), `429`s are waited
//! out for as long as the time budget lasts whatever `retry_attempts` says, and a tenant limited
//! to a few requests per second is read completely.

use super::{basic, client, oauth, quick_retries, read_everything, route};
use crate::common::Tenant;
use cpi_gitops::emulator::Seed;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_design_time_pause_does_not_stall_runtime_reads() {
    let t = Tenant::start(Seed::Demo).await;
    // Design-time reads answer 429 asking for an hour's wait.
    t.switches(json!({
        "fail_routes": {"GET IntegrationPackages": 429},
        "retry_after_secs": 3600
    }))
    .await;
    let mut config = oauth(&t);
    config.retry.max_total = Duration::from_secs(7200);
    let c = client(config);
    let paused = {
        let c = c.clone();
        tokio::spawn(async move { c.packages().await })
    };
    // Wait until the 429 was answered (and the pause began), by the tenant's own count.
    while route(&t.stats().await, "GET IntegrationPackages") == 0 {
        tokio::task::yield_now().await;
    }
    let runtime = tokio::time::timeout(Duration::from_secs(60), c.runtime_artifacts())
        .await
        .expect("runtime reads go on while design-time reads are paused")
        .expect("the runtime artifacts");
    assert!(!runtime.is_empty());
    let other = tokio::time::timeout(
        Duration::from_millis(200),
        c.package_artifacts(
            "Orders",
            cpi_gitops::wire::designtime::ArtifactKind::IntegrationFlow,
        ),
    )
    .await;
    assert!(
        other.is_err(),
        "another design-time read waits for the area's pause"
    );
    assert_eq!(
        route(
            &t.stats().await,
            "GET IntegrationPackages(..)/IntegrationDesigntimeArtifacts"
        ),
        0,
        "and is not sent during the pause"
    );
    assert!(!paused.is_finished(), "the paused read is still waiting");
    paused.abort();
}

#[tokio::test]
async fn throttling_is_bounded_by_time_not_by_attempts() {
    let t = Tenant::start(Seed::Demo).await;
    t.admin(reqwest::Method::POST, "settle", None).await;
    t.switches(json!({"fault_429": 0.5, "fault_seed": 3, "retry_after_secs": 0}))
        .await;
    let mut config = basic(&t);
    // One attempt per failure: 429s are still waited out.
    config.retry = quick_retries(1);
    let c = client(config);
    read_everything(&c)
        .await
        .expect("every read succeeds although half the answers are 429");
    assert!(
        t.stats().await["faults"]["429"].as_u64().unwrap_or(0) > 10,
        "the run met many 429s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_limited_to_5_requests_per_second_is_read_completely() {
    let t = Tenant::start(Seed::Demo).await;
    t.admin(reqwest::Method::POST, "settle", None).await;
    let clean = read_everything(&client(oauth(&t)))
        .await
        .expect("every read without a limit");
    t.switches(json!({"rate_limit": 5, "retry_after_secs": 1}))
        .await;
    let c = client(oauth(&t));
    let limited = read_everything(&c)
        .await
        .expect("every read under the rate limit");
    assert_eq!(limited, clean, "the same reads, the same results");
    assert!(
        t.stats().await["faults"]["rate_limit"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "the limit was met"
    );
}
