//! Retries (design.md section 7): seeded 503, 429 and connection resets do not change what a
//! client reads; other 4xx are never retried; give-up is reported with the attempt count; a
//! `POST` cut by a reset is never sent again blindly (`resets.rs` has how each kind finishes).

use super::{
    SERVICE_ROOT_ROUTE, basic, client, oauth, quick_retries, read_everything, reset_stats, route,
};
use crate::common::Tenant;
use cpi_gitops::client::{Body, ClientError};
use cpi_gitops::emulator::Seed;
use cpi_gitops::wire::packages::IntegrationPackage;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn faults_do_not_change_what_is_read() {
    let t = Tenant::start(Seed::Demo).await;
    t.admin(Method::POST, "settle", None).await;
    let clean = read_everything(&client(oauth(&t)))
        .await
        .expect("every read of the demo seed without faults");

    t.switches(json!({
        "fault_503": 0.1, "fault_429": 0.1, "fault_reset": 0.1,
        "fault_seed": 7, "retry_after_secs": 0
    }))
    .await;
    reset_stats(&t).await;
    let mut config = oauth(&t);
    config.retry = quick_retries(12);
    let c = client(config);
    let faulty = read_everything(&c)
        .await
        .expect("retries on 429, 503 and resets: every read succeeds");
    assert_eq!(
        faulty.len(),
        clean.len(),
        "retries: the same reads are made"
    );
    for (got, want) in faulty.iter().zip(&clean) {
        assert_eq!(got, want, "retries: complete, correct results under faults");
    }

    let stats = t.stats().await;
    for kind in ["503", "429", "reset"] {
        assert!(
            stats["faults"][kind].as_u64().unwrap_or(0) > 0,
            "the run met injected {kind} faults: {}",
            stats["faults"]
        );
    }
    assert!(c.stats().retries > 0, "client stats count retries");
    assert_eq!(
        stats["without_json_accept"], 0,
        "always ask for JSON: Accept: application/json on every read"
    );
}

#[tokio::test]
async fn a_404_is_requested_once() {
    let t = Tenant::start(Seed::Demo).await;
    let mut config = basic(&t);
    config.retry = quick_retries(6);
    let c = client(config);
    let err = c
        .get_json::<IntegrationPackage>("IntegrationPackages('Nope')")
        .await
        .expect_err("an unknown package is 404");
    assert_eq!(err.status(), Some(404), "the 404 is reported");
    assert_eq!(
        route(&t.stats().await, "GET IntegrationPackages(..)"),
        1,
        "never retry other 4xx: a 404 is requested once"
    );
    assert_eq!(
        c.get_optional::<IntegrationPackage>("IntegrationPackages('Nope')")
            .await
            .expect("get_optional maps 404"),
        None,
        "get_optional: 404 is None"
    );
    assert_eq!(c.stats().retries, 0, "no retry was made");
}

#[tokio::test]
async fn retries_end_at_max_attempts_with_the_last_answer() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"fault_503": 1.0})).await;
    let mut config = basic(&t);
    config.retry = quick_retries(3);
    let c = client(config);
    let err = c.packages().await.expect_err("every answer is 503");
    assert_eq!(err.status(), Some(503), "the last answer is reported");
    assert!(
        err.to_string().ends_with("(gave up after 3 attempts)"),
        "errors say how many attempts were made: {err}"
    );
    assert_eq!(
        route(&t.stats().await, "GET IntegrationPackages"),
        3,
        "retries are bounded by max_attempts"
    );
}

#[tokio::test]
async fn post_is_repeated_on_503_but_not_after_a_reset() {
    let t = Tenant::start(Seed::Demo).await;
    let mut config = basic(&t);
    config.retry = quick_retries(3);
    let c = client(config);
    c.secure_parameters().await.expect("a first read");
    // Fetch the CSRF token before the faults, so that only the POST meets them.
    c.send(
        Method::POST,
        "SecureParameters",
        Body::Json(json!({"Name": "Warm_Up", "SecureParam": "x"})),
    )
    .await
    .expect("a write without faults");

    t.switches(json!({"fault_503": 1.0})).await;
    reset_stats(&t).await;
    let err = c
        .send(
            Method::POST,
            "SecureParameters",
            Body::Json(json!({"Name": "Retried", "SecureParam": "x"})),
        )
        .await
        .expect_err("every answer is 503");
    assert_eq!(err.status(), Some(503), "the 503 is reported");
    assert_eq!(
        route(&t.stats().await, "POST SecureParameters"),
        3,
        "POST retries on 503 (the server did not act)"
    );

    t.switches(json!({"fault_503": 0.0, "fault_reset": 1.0}))
        .await;
    reset_stats(&t).await;
    let err = c
        .send(
            Method::POST,
            "SecureParameters",
            Body::Json(json!({"Name": "Not_Retried", "SecureParam": "x"})),
        )
        .await
        .expect_err("the connection is closed");
    assert!(
        matches!(err, ClientError::Transport { .. }),
        "a transport error on POST is reported: {err:?}"
    );
    let stats = t.stats().await;
    assert_eq!(
        route(&stats, "POST SecureParameters"),
        1,
        "only idempotent methods retry on transport errors: POST is sent once"
    );
    assert_eq!(
        route(&stats, "GET SecureParameters(..)"),
        3,
        "a cut create is read back before anything else (the reads are cut too here)"
    );
    reset_stats(&t).await;
    let err = c
        .send(Method::DELETE, "SecureParameters('Warm_Up')", Body::None)
        .await
        .expect_err("the connection is closed every time");
    assert!(
        matches!(err, ClientError::Transport { attempts: 3, .. }),
        "DELETE retries on transport errors: {err:?}"
    );
    assert_eq!(
        route(&t.stats().await, SERVICE_ROOT_ROUTE),
        0,
        "the held CSRF token is reused"
    );
}
