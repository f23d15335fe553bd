//! Rules 12.2 (authentication) and 12.3 (CSRF).

use crate::assert_status;
use crate::common::{PASSWORD, Tenant, USER, config};
use cpi_gitops::emulator::{self, Credentials, EmulatorConfig, Seed};
use cpi_gitops::secrets::Secret;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn rule_12_2_requests_without_valid_credentials_are_401() {
    let t = Tenant::start(Seed::Demo).await;
    let none = t.raw(t.http.get(t.api("IntegrationPackages"))).await;
    assert_status!(none, 401, "12.2 no credentials");
    assert!(
        none.header("www-authenticate")
            .is_some_and(|v| v.starts_with("Basic")),
        "12.2 401 offers Basic"
    );
    let wrong = t
        .raw(
            t.http
                .get(t.api("IntegrationPackages"))
                .basic_auth(USER, Some("wrong")),
        )
        .await;
    assert_status!(wrong, 401, "12.2 wrong password");
    let unknown = t
        .raw(
            t.http
                .get(t.api("IntegrationPackages"))
                .bearer_auth("emu.0000"),
        )
        .await;
    assert_status!(unknown, 401, "12.2 unknown bearer token");
}

#[tokio::test]
async fn rule_12_2_token_endpoint_issues_expiring_bearer_tokens() {
    let t = Tenant::start(Seed::Demo).await;
    let by_header = t
        .raw(
            t.http
                .post(t.handle.token_url())
                .basic_auth(
                    emulator::DEFAULT_CLIENT_ID,
                    Some(emulator::DEFAULT_CLIENT_SECRET),
                )
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_status!(by_header, 200, "12.2 token by Basic header");
    let body = by_header.json();
    assert!(
        body["expires_in"].as_u64().is_some_and(|s| s > 0),
        "12.2 expires_in"
    );
    assert_eq!(body["token_type"], "bearer", "12.2 token_type");
    let by_form = t
        .raw(t.http.post(t.handle.token_url()).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", emulator::DEFAULT_CLIENT_ID),
            ("client_secret", emulator::DEFAULT_CLIENT_SECRET),
        ]))
        .await;
    assert_status!(by_form, 200, "12.2 token by form fields");
    let bad = t
        .raw(
            t.http
                .post(t.handle.token_url())
                .basic_auth(emulator::DEFAULT_CLIENT_ID, Some("nope"))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_status!(bad, 401, "12.2 bad client secret at the token endpoint");
    let grant = t
        .raw(
            t.http
                .post(t.handle.token_url())
                .basic_auth(
                    emulator::DEFAULT_CLIENT_ID,
                    Some(emulator::DEFAULT_CLIENT_SECRET),
                )
                .form(&[("grant_type", "password")]),
        )
        .await;
    assert_status!(grant, 400, "12.2 unsupported grant type");
    let token = body["access_token"].as_str().unwrap().to_string();
    let ok = t
        .raw(
            t.http
                .get(t.api("IntegrationPackages"))
                .bearer_auth(&token)
                .header("Accept", "application/json"),
        )
        .await;
    assert_status!(ok, 200, "12.2 the bearer token is accepted");
    t.admin(Method::POST, "expire", None).await;
    let expired = t
        .raw(t.http.get(t.api("IntegrationPackages")).bearer_auth(&token))
        .await;
    assert_status!(expired, 401, "12.2 an expired token is 401");
}

#[tokio::test]
async fn rule_12_2_tokens_expire_by_the_clock() {
    let t = Tenant::with(EmulatorConfig {
        token_ttl_secs: 3,
        ..config(Seed::Empty)
    })
    .await;
    let token = t.token().await;
    assert_status!(
        t.raw(t.http.get(t.api("")).bearer_auth(&token)).await,
        200,
        "12.2 fresh token"
    );
    // The logical clock moves one second per request: three more requests outlive the token.
    for _ in 0..3 {
        t.raw(t.http.get(t.api("")).bearer_auth(&token)).await;
    }
    assert_status!(
        t.raw(t.http.get(t.api("")).bearer_auth(&token)).await,
        401,
        "12.2 a token past expires_in is 401"
    );
}

#[tokio::test]
async fn rule_12_2_read_only_users_get_403_on_writes() {
    let creds = Credentials {
        read_only: Some(("viewer".into(), Secret::new("view"))),
        ..Credentials::default()
    };
    let t = Tenant::with(EmulatorConfig {
        credentials: creds,
        ..config(Seed::Demo)
    })
    .await;
    let read = t
        .raw(
            t.http
                .get(t.api("IntegrationPackages"))
                .basic_auth("viewer", Some("view"))
                .header("Accept", "application/json"),
        )
        .await;
    assert_status!(read, 200, "12.2 a read-only user reads");
    let write = t
        .raw(
            t.http
                .delete(t.api("IntegrationPackages('Orders')"))
                .basic_auth("viewer", Some("view")),
        )
        .await;
    assert_status!(write, 403, "12.2 a read-only user's write is 403");
    assert!(write.body.is_empty(), "12.2 the role 403 has an empty body");
    assert!(
        write.header("x-csrf-token").is_none(),
        "12.2 a role 403 is not a CSRF 403"
    );
}

#[tokio::test]
async fn rule_12_3_basic_writes_need_the_sessions_csrf_token_and_cookie() {
    let t = Tenant::start(Seed::Demo).await;
    let body = json!({"Name": "P1", "SecureParam": "v"});
    let bare = t
        .raw(
            t.http
                .post(t.api("SecureParameters"))
                .basic_auth(USER, Some(PASSWORD))
                .json(&body),
        )
        .await;
    assert_status!(bare, 403, "12.3 POST without a token");
    assert_eq!(
        bare.header("x-csrf-token").as_deref(),
        Some("Required"),
        "12.3 the CSRF 403 says X-CSRF-Token: Required"
    );

    let fetch = t
        .raw(
            t.http
                .get(t.api(""))
                .basic_auth(USER, Some(PASSWORD))
                .header("X-CSRF-Token", "fetch"),
        )
        .await;
    let token = fetch
        .header("x-csrf-token")
        .expect("12.3 a token comes back for `fetch` in any case");
    assert!(
        fetch
            .header("set-cookie")
            .is_some_and(|c| c.starts_with("JSESSIONID=")),
        "12.3 the fetch sets a session cookie"
    );

    let cookieless = reqwest::Client::new();
    let no_cookie = t
        .raw(
            cookieless
                .post(t.api("SecureParameters"))
                .basic_auth(USER, Some(PASSWORD))
                .header("X-CSRF-Token", &token)
                .json(&body),
        )
        .await;
    assert_status!(no_cookie, 403, "12.3 a token without its session cookie");
    let wrong = t
        .raw(
            t.http
                .post(t.api("SecureParameters"))
                .basic_auth(USER, Some(PASSWORD))
                .header("X-CSRF-Token", "forged")
                .json(&body),
        )
        .await;
    assert_status!(wrong, 403, "12.3 a wrong token");
    let ok = t
        .raw(
            t.http
                .post(t.api("SecureParameters"))
                .basic_auth(USER, Some(PASSWORD))
                .header("X-CSRF-Token", &token)
                .json(&body),
        )
        .await;
    assert_status!(ok, 202, "12.3 token and cookie together");

    t.admin(Method::POST, "expire", None).await;
    let expired = t
        .raw(
            t.http
                .delete(t.api("SecureParameters('P1')"))
                .basic_auth(USER, Some(PASSWORD))
                .header("X-CSRF-Token", &token),
        )
        .await;
    assert_status!(expired, 403, "12.3 an expired token");
    assert_eq!(
        expired.header("x-csrf-token").as_deref(),
        Some("Required"),
        "12.3 an expired token says Required, so clients refresh"
    );
}

#[tokio::test]
async fn rule_12_3_function_imports_and_batch_need_csrf_too() {
    let t = Tenant::start(Seed::Demo).await;
    let deploy = t
        .raw(
            t.http
                .post(
                    t.api("DeployIntegrationDesigntimeArtifact?Id='Health_Ping'&Version='active'"),
                )
                .basic_auth(USER, Some(PASSWORD)),
        )
        .await;
    assert_status!(deploy, 403, "12.3 a function import without a token");
    let batch = t
        .raw(
            t.http
                .post(t.api("$batch"))
                .basic_auth(USER, Some(PASSWORD))
                .header("Content-Type", "multipart/mixed; boundary=batch_1")
                .body("--batch_1--\r\n"),
        )
        .await;
    assert_status!(batch, 403, "12.3 $batch without a token");
}

#[tokio::test]
async fn rule_12_3_bearer_writes_are_exempt_unless_strict() {
    let t = Tenant::start(Seed::Empty).await;
    let token = t.token().await;
    let body = json!({"Name": "B1", "SecureParam": "v"});
    let ok = t
        .raw(
            t.http
                .post(t.api("SecureParameters"))
                .bearer_auth(&token)
                .json(&body),
        )
        .await;
    assert_status!(ok, 202, "12.3 bearer writes need no CSRF token by default");
    t.switches(json!({"csrf_for_bearer": true})).await;
    let strict = t
        .raw(
            t.http
                .post(t.api("SecureParameters"))
                .bearer_auth(&token)
                .json(&json!({"Name": "B2", "SecureParam": "v"})),
        )
        .await;
    assert_status!(
        strict,
        403,
        "12.3 the strict switch requires CSRF from bearer clients"
    );
    assert_eq!(
        strict.header("x-csrf-token").as_deref(),
        Some("Required"),
        "12.3 strict mode answers Required"
    );
    let fetch = t
        .raw(
            t.http
                .get(t.api(""))
                .bearer_auth(&token)
                .header("X-CSRF-Token", "Fetch"),
        )
        .await;
    let csrf = fetch.header("x-csrf-token").unwrap();
    let with = t
        .raw(
            t.http
                .post(t.api("SecureParameters"))
                .bearer_auth(&token)
                .header("X-CSRF-Token", csrf)
                .json(&json!({"Name": "B2", "SecureParam": "v"})),
        )
        .await;
    assert_status!(
        with,
        202,
        "12.3 strict mode accepts bearer writes with a token"
    );
}
