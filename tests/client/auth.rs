//! Credentials: OAuth tokens fetched once, reused, renewed after a `401`; Basic on every
//! request; a refused client secret reported with the token endpoint's own message.

use super::{NAME, answers, basic, client, oauth, reset_stats, route};
use crate::common::Tenant;
use cpi_gitops::client::Auth;
use cpi_gitops::emulator::{DEFAULT_CLIENT_ID, Seed};
use cpi_gitops::secrets::Secret;
use reqwest::Method;

const TOKEN_ROUTE: &str = "POST /oauth/token";

#[tokio::test]
async fn oauth_token_is_fetched_once_and_reused() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(oauth(&t));
    c.packages().await.expect("packages with a bearer token");
    c.runtime_artifacts().await.expect("runtime artifacts");
    c.user_credentials().await.expect("user credentials");
    let clone = c.clone();
    clone
        .number_ranges()
        .await
        .expect("a clone shares the token");
    let stats = t.stats().await;
    assert_eq!(
        route(&stats, TOKEN_ROUTE),
        1,
        "cache the token: one token request for four API requests"
    );
    assert_eq!(
        route(&stats, SERVICE_ROOT),
        0,
        "bearer clients do not fetch a CSRF token up front"
    );
    assert_eq!(
        c.stats().requests,
        5,
        "client stats count the token request and the four reads"
    );
}

const SERVICE_ROOT: &str = super::SERVICE_ROOT_ROUTE;

#[tokio::test]
async fn oauth_token_is_renewed_after_a_401() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(oauth(&t));
    let before = c.packages().await.expect("packages with the first token");
    t.admin(Method::POST, "expire", None).await;
    reset_stats(&t).await;
    let after = c
        .packages()
        .await
        .expect("refresh on a 401: the read succeeds with a new token");
    assert_eq!(before, after, "the repeated read gives the same packages");
    let stats = t.stats().await;
    assert_eq!(answers(&stats, 401), 1, "the expired token is refused once");
    assert_eq!(
        route(&stats, TOKEN_ROUTE),
        1,
        "refresh on a 401: exactly one new token"
    );
    assert_eq!(
        route(&stats, "GET IntegrationPackages"),
        2,
        "the refused request is repeated once"
    );
}

#[tokio::test]
async fn basic_credentials_go_on_every_request() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(basic(&t));
    assert!(
        !c.packages().await.expect("packages with Basic").is_empty(),
        "Basic: the demo packages are read"
    );
    c.partners().await.expect("Basic: a second read");
    let stats = t.stats().await;
    assert_eq!(answers(&stats, 401), 0, "Basic: no request is refused");
    assert_eq!(route(&stats, TOKEN_ROUTE), 0, "Basic: no token request");
}

#[tokio::test]
async fn a_refused_client_secret_names_the_token_request_and_is_not_retried() {
    let t = Tenant::start(Seed::Empty).await;
    let mut config = oauth(&t);
    config.auth = Auth::OAuth {
        token_url: t.handle.token_url(),
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: Secret::new("wrong-secret"),
    };
    let err = client(config)
        .packages()
        .await
        .expect_err("a wrong client secret fails");
    assert_eq!(err.status(), Some(401), "the token endpoint's 401 is kept");
    assert_eq!(
        err.tenant_message(),
        Some("bad client credentials"),
        "errors carry the token endpoint's own message"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("tenant `{NAME}`: POST {}", t.handle.token_url())),
        "errors name the tenant and the token request: {text}"
    );
    assert_eq!(
        route(&t.stats().await, TOKEN_ROUTE),
        1,
        "never retry other 4xx: the token request is sent once"
    );
}
