//! Writes cut by a connection reset after the tenant carried them out (issue 9.7): each kind is
//! finished safely as the table in `client/recovery.rs` says: read back, then done, replaced
//! with `PUT`, or deleted and created again; idempotent writes are sent again, and a repeated
//! `DELETE` that finds nothing is done.

use super::{basic, client, quick_retries, reset_stats, route};
use crate::common::Tenant;
use cpi_gitops::client::{Body, Client, ClientError};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::{Value, json};

/// A client whose first requests already fetched the CSRF token.
async fn warm(t: &Tenant) -> Client {
    let mut config = basic(t);
    config.retry = quick_retries(4);
    let c = client(config);
    c.send(
        Method::DELETE,
        "SecureParameters('Nothing_Here')",
        Body::None,
    )
    .await
    .expect_err("nothing to delete, but the session is made");
    c
}

/// Cuts the answer of the next request to `route` (after the tenant carried it out).
async fn cut_next(t: &Tenant, route: &str) {
    reset_stats(t).await;
    t.switches(json!({"cut_routes": {route: 1}})).await;
}

#[tokio::test]
async fn a_cut_security_create_is_read_back_and_written_again_with_put() {
    let t = Tenant::start(Seed::Empty).await;
    let c = warm(&t).await;
    cut_next(&t, "POST UserCredentials").await;
    c.send(
        Method::POST,
        "UserCredentials",
        Body::Json(json!({"Name": "ERP", "Kind": "default", "User": "u", "Password": "pw-ours-1"})),
    )
    .await
    .expect("the cut create is finished");
    let stats = t.stats().await;
    assert_eq!(stats["faults"]["reset_after"], 1, "the answer was cut");
    assert_eq!(
        route(&stats, "POST UserCredentials"),
        1,
        "not created twice"
    );
    assert_eq!(route(&stats, "GET UserCredentials(..)"), 1, "read back");
    assert_eq!(
        route(&stats, "PUT UserCredentials(..)"),
        1,
        "written again with PUT, so that the password is surely ours"
    );
    let dump = t.dump().await;
    assert!(
        dump["user_credentials"]["ERP"].is_object(),
        "the credential is there: {}",
        dump["user_credentials"]
    );
}

#[tokio::test]
async fn a_cut_oauth2_credential_create_is_created_again_with_its_custom_parameters() {
    let t = Tenant::start(Seed::Empty).await;
    let c = warm(&t).await;
    cut_next(&t, "POST OAuth2ClientCredentials").await;
    c.send(
        Method::POST,
        "OAuth2ClientCredentials",
        Body::Json(json!({
            "Name": "Api", "TokenServiceUrl": "https://auth.example.com/token",
            "ClientId": "id", "ClientSecret": "secret-ours-1", "ClientAuthentication": "body",
            "CustomParameters": [{"Key": "resource", "Value": "urn:x", "SendAsPartOf": "body"}]
        })),
    )
    .await
    .expect("the cut create is finished");
    let stats = t.stats().await;
    assert_eq!(route(&stats, "DELETE OAuth2ClientCredentials(..)"), 1);
    assert_eq!(
        route(&stats, "POST OAuth2ClientCredentials"),
        2,
        "deleted and created again: an update would drop the custom parameters"
    );
    let read: Vec<Value> = c
        .get_collection("OAuth2ClientCredentials?$expand=CustomParameters")
        .await
        .expect("the credentials");
    assert_eq!(read.len(), 1);
    assert_eq!(
        read[0]["CustomParameters"]["results"][0]["Key"], "resource",
        "with its custom parameters: {read:?}"
    );
}

#[tokio::test]
async fn a_cut_design_time_create_that_happened_is_done() {
    let t = Tenant::start(Seed::Empty).await;
    let c = warm(&t).await;
    cut_next(&t, "POST IntegrationPackages").await;
    c.send(
        Method::POST,
        "IntegrationPackages",
        Body::Json(json!({"Id": "Pkg", "Name": "Pkg", "ShortText": "s"})),
    )
    .await
    .expect("the cut create is finished");
    let stats = t.stats().await;
    assert_eq!(
        route(&stats, "POST IntegrationPackages"),
        1,
        "not created twice"
    );
    assert_eq!(route(&stats, "GET IntegrationPackages(..)"), 1, "read back");
}

#[tokio::test]
async fn a_create_cut_before_the_tenant_acted_is_created_again() {
    let t = Tenant::start(Seed::Empty).await;
    let c = warm(&t).await;
    reset_stats(&t).await;
    t.switches(json!({"reset_routes": {"POST NumberRanges": 1}}))
        .await;
    c.send(
        Method::POST,
        "NumberRanges",
        Body::Json(json!({"Name": "NR", "Description": "d", "MaxValue": "99", "MinValue": "1", "Rotate": "false", "FieldLength": "2"})),
    )
    .await
    .expect("read back, absent, created again");
    let stats = t.stats().await;
    assert_eq!(
        stats["faults"]["reset"], 1,
        "the connection was closed: {stats}"
    );
    assert_eq!(route(&stats, "GET NumberRanges(..)"), 1, "read back");
    assert_eq!(route(&stats, "POST NumberRanges"), 2, "created again");
    assert!(t.dump().await["number_ranges"]["NR"].is_object());
}

#[tokio::test]
async fn a_repeated_delete_that_finds_nothing_is_done() {
    let t = Tenant::start(Seed::Demo).await;
    let c = warm(&t).await;
    cut_next(&t, "DELETE SecureParameters(..)").await;
    let name = t.dump().await["secure_parameters"]
        .as_object()
        .and_then(|m| m.keys().next().cloned())
        .expect("the demo has a secure parameter");
    c.send(
        Method::DELETE,
        &format!("SecureParameters('{name}')"),
        Body::None,
    )
    .await
    .expect("the first DELETE did it: the 404 of the repeat is done");
    let stats = t.stats().await;
    assert_eq!(route(&stats, "DELETE SecureParameters(..)"), 2);
    assert!(t.dump().await["secure_parameters"].get(&name).is_none());
}

#[tokio::test]
async fn a_write_the_table_cannot_finish_says_it_may_have_happened() {
    let t = Tenant::start(Seed::Empty).await;
    t.switches(json!({"neo": true})).await;
    let c = warm(&t).await;
    cut_next(&t, "POST CertificateUserMappings").await;
    let err = c
        .send(
            Method::POST,
            "CertificateUserMappings",
            Body::Json(json!({"User": "u", "Certificate": "AAAA"})),
        )
        .await
        .expect_err("not repeated");
    assert!(matches!(err, ClientError::Transport { .. }), "{err:?}");
    assert_eq!(
        route(&t.stats().await, "POST CertificateUserMappings"),
        1,
        "a write the table does not know is never sent twice"
    );
}
