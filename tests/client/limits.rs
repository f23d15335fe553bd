//! The per-tenant concurrency limit (design.md section 7).

use super::{basic, client, reset_stats};
use crate::common::Tenant;
use cpi_gitops::client::Client;
use cpi_gitops::emulator::Seed;
use serde_json::json;
use std::time::Duration;
use tokio::task::JoinSet;

#[test]
fn client_is_cheap_to_share_across_tasks() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Client>();
}

#[tokio::test]
async fn at_most_concurrency_requests_are_in_flight() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"latency_ms": 50})).await;
    let mut config = basic(&t);
    config.concurrency = 4;
    let c = client(config);
    reset_stats(&t).await;
    let mut tasks = JoinSet::new();
    for i in 0..30 {
        let c = c.clone();
        tasks.spawn(async move {
            if i % 2 == 0 {
                c.packages().await.map(|p| p.len())
            } else {
                c.number_ranges().await.map(|n| n.len())
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("the task ends")
            .expect("every concurrent read succeeds");
    }
    let stats = t.stats().await;
    let max = stats["max_in_flight"].as_u64().unwrap_or(0);
    assert!(
        max <= 4,
        "at most `concurrency` requests in flight per tenant: {max}"
    );
    assert!(
        max >= 2,
        "requests do run concurrently under the limit: {max}"
    );
    assert_eq!(stats["requests"], 30, "every read is one request");
}

#[tokio::test]
async fn a_request_waiting_to_retry_holds_no_permit() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"fault_429": 1.0, "retry_after_secs": 3600}))
        .await;
    let mut config = basic(&t);
    config.concurrency = 1;
    config.retry.max_total = Duration::from_secs(7200);
    let c = client(config);
    reset_stats(&t).await;
    let waiting = tokio::spawn({
        let c = c.clone();
        async move { c.packages().await }
    });
    // Wait (by observation, not by time) until the first request has its 429 and sleeps for
    // the hour that Retry-After asks for.
    let mut refused = false;
    for _ in 0..10_000 {
        if t.stats().await["faults"]["429"].as_u64().unwrap_or(0) >= 1 {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused, "the first request meets the 429");
    t.switches(json!({"fault_429": 0.0})).await;
    let other = tokio::time::timeout(Duration::from_secs(60), c.number_ranges())
        .await
        .expect("a task sleeping in back-off must not hold a permit (the read would wait an hour)")
        .expect("the second read succeeds");
    assert!(!other.is_empty(), "the demo seed has number ranges");
    assert!(
        !waiting.is_finished(),
        "the first request is still honouring Retry-After"
    );
    waiting.abort();
}
