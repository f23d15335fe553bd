//! CSRF (API reference 2.3): Basic sessions fetch a token before their first write and renew it
//! once after `403` + `X-CSRF-Token: Required`; bearer clients fetch only when asked; a `403`
//! without the header is final.

use super::{SERVICE_ROOT_ROUTE, answers, basic, client, oauth, reset_stats, route};
use crate::common::{Tenant, config};
use cpi_gitops::client::Body;
use cpi_gitops::emulator::{Credentials, EmulatorConfig, Seed};
use cpi_gitops::secrets::Secret;
use reqwest::Method;
use serde_json::json;

fn secure_parameter(name: &str) -> Body {
    Body::Json(json!({"Name": name, "Description": "", "SecureParam": "s3cret-value"}))
}

#[tokio::test]
async fn basic_write_fetches_a_token_and_survives_its_expiry() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(basic(&t));
    let reply = c
        .send(
            Method::POST,
            "SecureParameters",
            secure_parameter("Client_One"),
        )
        .await
        .expect("a Basic write with a CSRF token succeeds");
    assert_eq!(reply.status, 202, "7.3 security writes answer 202");
    let stats = t.stats().await;
    assert_eq!(
        route(&stats, SERVICE_ROOT_ROUTE),
        1,
        "Basic: one CSRF fetch before the first write"
    );
    assert_eq!(answers(&stats, 403), 0, "the first write is not refused");

    t.admin(Method::POST, "expire", None).await;
    reset_stats(&t).await;
    c.send(
        Method::POST,
        "SecureParameters",
        secure_parameter("Client_Two"),
    )
    .await
    .expect("403 Required -> refetch -> success");
    let stats = t.stats().await;
    assert_eq!(
        answers(&stats, 403),
        1,
        "the expired session is refused once"
    );
    assert_eq!(
        route(&stats, SERVICE_ROOT_ROUTE),
        1,
        "exactly one refetch after 403 + X-CSRF-Token: Required"
    );
    assert_eq!(
        route(&stats, "POST SecureParameters"),
        2,
        "the refused write is repeated once"
    );

    let names: Vec<String> = c
        .secure_parameters()
        .await
        .expect("secure parameters")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(
        names.contains(&"Client_One".into()) && names.contains(&"Client_Two".into()),
        "both writes reached the tenant: {names:?}"
    );
    c.send(Method::DELETE, "SecureParameters('Client_One')", Body::None)
        .await
        .expect("a later write reuses the renewed token");
    assert_eq!(
        route(&t.stats().await, SERVICE_ROOT_ROUTE),
        1,
        "keep the token: no fetch for the next write"
    );
}

#[tokio::test]
async fn bearer_writes_fetch_a_token_only_when_the_tenant_requires_one() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(oauth(&t));
    c.send(
        Method::POST,
        "SecureParameters",
        secure_parameter("Bearer_One"),
    )
    .await
    .expect("a bearer write without CSRF");
    assert_eq!(
        route(&t.stats().await, SERVICE_ROOT_ROUTE),
        0,
        "bearer clients do not fetch a CSRF token up front"
    );

    t.switches(json!({"csrf_for_bearer": true})).await;
    reset_stats(&t).await;
    c.send(
        Method::POST,
        "SecureParameters",
        secure_parameter("Bearer_Two"),
    )
    .await
    .expect("bearer: 403 Required -> fetch -> success");
    let stats = t.stats().await;
    assert_eq!(
        answers(&stats, 403),
        1,
        "the write without a token is refused once"
    );
    assert_eq!(
        route(&stats, SERVICE_ROOT_ROUTE),
        1,
        "bearer clients handle 403 + Required with one fetch"
    );
    c.send(
        Method::POST,
        "SecureParameters",
        secure_parameter("Bearer_Three"),
    )
    .await
    .expect("bearer: the fetched token is sent from now on");
    assert_eq!(
        answers(&t.stats().await, 403),
        1,
        "the fetched token is kept for later writes"
    );
}

#[tokio::test]
async fn a_403_without_the_csrf_header_is_not_retried() {
    let t = Tenant::with(EmulatorConfig {
        credentials: Credentials {
            read_only: Some(("viewer".into(), Secret::new("view"))),
            ..Default::default()
        },
        ..config(Seed::Demo)
    })
    .await;
    let mut cfg = basic(&t);
    cfg.auth = cpi_gitops::client::Auth::Basic {
        user: "viewer".into(),
        password: Secret::new("view"),
    };
    let c = client(cfg);
    c.packages().await.expect("a read-only user reads");
    let err = c
        .send(Method::POST, "SecureParameters", secure_parameter("Denied"))
        .await
        .expect_err("a read-only user cannot write");
    assert_eq!(err.status(), Some(403), "the role 403 is reported");
    let stats = t.stats().await;
    assert_eq!(
        route(&stats, "POST SecureParameters"),
        1,
        "a 403 without X-CSRF-Token: Required is never retried"
    );
    assert_eq!(
        route(&stats, SERVICE_ROOT_ROUTE),
        1,
        "a 403 without the header fetches no new CSRF token"
    );
}
