//! Sessions that end in the middle of a run (issue 8.3): a CSRF session can die at any moment;
//! a refused write is repeated with a fresh token, concurrent refusals share one fetch, one
//! request meets this at most three times; a refused OAuth token is renewed once per request.
//! The emulator ends sessions and tokens by count, never by wall time.

use super::{SERVICE_ROOT_ROUTE, answers, basic, client, oauth, reset_stats, route};
use crate::common::Tenant;
use cpi_gitops::client::{Body, ClientError};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::json;

fn secure_parameter(name: &str) -> Body {
    Body::Json(json!({"Name": name, "Description": "", "SecureParam": "s3cret-value"}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_survive_sessions_that_die_every_few_writes() {
    let t = Tenant::start(Seed::Empty).await;
    t.switches(json!({"session_max_writes": 10, "expire_sessions_every": 60}))
        .await;
    let mut config = basic(&t);
    config.concurrency = 8;
    let c = client(config);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..40 {
        let c = c.clone();
        tasks.spawn(async move {
            c.send(
                Method::POST,
                "SecureParameters",
                secure_parameter(&format!("P{n:02}")),
            )
            .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result
            .expect("the task ends")
            .expect("a write refused for its CSRF token is repeated with a fresh token");
    }
    let names = c.secure_parameters().await.expect("the parameters");
    assert_eq!(names.len(), 40, "every write reached the tenant once");
    let stats = t.stats().await;
    let refused = answers(&stats, 403);
    let fetches = route(&stats, SERVICE_ROOT_ROUTE);
    assert!(refused > 0, "sessions died during the run: {stats}");
    assert!(
        fetches < refused + 1,
        "concurrent refusals share one fetch: {fetches} fetches for {refused} refusals"
    );
}

#[tokio::test]
async fn a_write_refused_four_times_is_a_typed_error() {
    let t = Tenant::start(Seed::Empty).await;
    // Every request ends every session: each write arrives with a dead token.
    t.switches(json!({"expire_sessions_every": 1})).await;
    let c = client(basic(&t));
    reset_stats(&t).await;
    let err = c
        .send(Method::POST, "SecureParameters", secure_parameter("Never"))
        .await
        .expect_err("the session never lives long enough");
    assert!(
        matches!(err, ClientError::CsrfRefused { refusals: 4, .. }),
        "up to three repeats, then a typed error: {err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("tenant `primary`")
            && text.contains("POST SecureParameters")
            && text.contains("refused 4 times"),
        "the error names the tenant, the request and the count: {text}"
    );
    assert!(err.hint().is_some(), "and says what to do");
    assert_eq!(
        route(&t.stats().await, "POST SecureParameters"),
        4,
        "one write and three repeats"
    );
}

#[tokio::test]
async fn a_refused_oauth_token_is_renewed_once_per_request() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(oauth(&t));
    c.packages().await.expect("a first read fetches a token");
    // Every third API request ends every token: a request meets at most one dead token.
    t.switches(json!({"expire_tokens_every": 3})).await;
    for _ in 0..6 {
        c.packages()
            .await
            .expect("a 401 renews the token once and repeats the request");
    }
    assert!(
        answers(&t.stats().await, 401) > 0,
        "tokens died during the run"
    );

    // Every request ends every token: the renewed token is refused too.
    t.switches(json!({"expire_tokens_every": 1})).await;
    let err = c.packages().await.expect_err("no token lives long enough");
    assert!(
        matches!(err, ClientError::TokenRefused { .. }),
        "a 401 after a renewal is a typed error: {err:?}"
    );
    assert!(
        err.to_string().contains("GET IntegrationPackages"),
        "it names the request: {err}"
    );
    assert_eq!(err.status(), Some(401));
}
