//! Answers that once crashed the client or were taken for good ones (issue 8.4): a huge
//! `Retry-After` or `expires_in`, an HTML sign-in page or garbage where JSON belongs, a `403`
//! that is not a CSRF refusal. Each is a clear error naming the tenant and the request.

use super::{basic, client, oauth, quick_retries, route};
use crate::common::{Tenant, config};
use cpi_gitops::client::{Body, ClientError};
use cpi_gitops::emulator::{EmulatorConfig, Seed};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_huge_retry_after_ends_the_retries_instead_of_overflowing() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"fault_429": 1.0, "retry_after_secs": u64::MAX}))
        .await;
    let c = client(basic(&t));
    let err = c
        .packages()
        .await
        .expect_err("the tenant asks to wait for ever");
    assert_eq!(err.status(), Some(429));
    let text = err.to_string();
    assert!(
        text.contains("asked to wait 18446744073709551615 s, beyond the retry budget of 300 s"),
        "the error says why the retries ended: {text}"
    );
    assert_eq!(
        route(&t.stats().await, "GET IntegrationPackages"),
        1,
        "nothing is retried that cannot be waited for"
    );
}

#[tokio::test]
async fn a_huge_expires_in_is_capped() {
    let t = Tenant::with(EmulatorConfig {
        token_ttl_secs: u64::MAX,
        ..config(Seed::Demo)
    })
    .await;
    let c = client(oauth(&t));
    c.packages()
        .await
        .expect("a token that claims to live for ever is used (for a day at most)");
    c.packages().await.expect("and kept");
    assert_eq!(
        route(&t.stats().await, "POST /oauth/token"),
        1,
        "one token for both reads"
    );
}

#[tokio::test]
async fn an_html_page_instead_of_json_is_refused_by_name() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"garbage_routes": {"GET IntegrationPackages": "html"}}))
        .await;
    let c = client(basic(&t));
    let err = c.packages().await.expect_err("a sign-in page is no answer");
    let text = err.to_string();
    assert!(
        matches!(err, ClientError::Unexpected { .. })
            && text.contains("tenant `primary`: GET IntegrationPackages")
            && text.contains("an HTML page titled `Sign in to your account`"),
        "the error names the tenant, the request and the page: {text}"
    );

    // A write answered with a sign-in page did not happen: it is an error, not a success.
    t.switches(json!({"garbage_routes": {"POST SecureParameters": "html"}}))
        .await;
    let err = c
        .send(
            Method::POST,
            "SecureParameters",
            Body::Json(json!({"Name": "P", "SecureParam": "s3cret-value"})),
        )
        .await
        .expect_err("an HTML answer to a write is refused");
    assert!(
        err.to_string().contains("POST SecureParameters") && err.to_string().contains("HTML"),
        "{err}"
    );
}

#[tokio::test]
async fn garbage_instead_of_json_is_refused_by_name() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"garbage_routes": {"GET UserCredentials": "garbage"}}))
        .await;
    let mut config = basic(&t);
    config.retry = quick_retries(2);
    let c = client(config);
    let err = c
        .user_credentials()
        .await
        .expect_err("garbage is not a collection");
    let text = err.to_string();
    assert!(
        text.contains("tenant `primary`: GET UserCredentials")
            && text.contains("not the expected OData JSON")
            && text.contains("it begins: `{{{ not json at all`"),
        "the error names the request and shows how the body begins: {text}"
    );
}

#[tokio::test]
async fn a_403_that_is_not_a_csrf_refusal_says_so() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"fail_routes": {"POST SecureParameters": 403}}))
        .await;
    let c = client(basic(&t));
    let err = c
        .send(
            Method::POST,
            "SecureParameters",
            Body::Json(json!({"Name": "P", "SecureParam": "s3cret-value"})),
        )
        .await
        .expect_err("a role 403");
    let text = err.to_string();
    assert!(
        text.contains(
            "tenant `primary`: POST SecureParameters failed with 403 Forbidden (not a CSRF refusal"
        ),
        "{text}"
    );
    assert_eq!(
        route(&t.stats().await, "POST SecureParameters"),
        1,
        "and is never repeated"
    );
}
