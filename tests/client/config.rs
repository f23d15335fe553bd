//! Configuration checks and secrecy: plain http only to loopback, and no secret in any `Debug`
//! output, error message or log line.

use super::{NAME, basic, client, oauth};
use crate::common::Tenant;
use cpi_gitops::client::{Auth, Client, ClientConfig, ClientError};
use cpi_gitops::emulator::{DEFAULT_CLIENT_ID, DEFAULT_USER, Seed};
use cpi_gitops::secrets::Secret;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[test]
fn plain_http_is_refused_unless_loopback() {
    let auth = || Auth::Basic {
        user: "u".into(),
        password: Secret::new("p"),
    };
    let err = Client::new(ClientConfig::new(NAME, "http://tenant.example.com", auth()))
        .expect_err("plain http to a remote host");
    match &err {
        ClientError::Config(message) => assert!(
            message.contains(NAME)
                && message.contains("plain http")
                && message.contains("loopback"),
            "the refusal says why and names the tenant: {message}"
        ),
        other => panic!("plain http is a config error, not {other:?}"),
    }
    let mut remote_runtime = ClientConfig::new(NAME, "https://tenant.example.com", auth());
    remote_runtime.runtime_url = "http://runtime.example.com".into();
    assert!(
        matches!(Client::new(remote_runtime), Err(ClientError::Config(_))),
        "the runtime URL follows the same rule"
    );
    let remote_token = ClientConfig::new(
        NAME,
        "https://tenant.example.com",
        Auth::OAuth {
            token_url: "http://auth.example.com/oauth/token".into(),
            client_id: "c".into(),
            client_secret: Secret::new("s"),
        },
    );
    assert!(
        matches!(Client::new(remote_token), Err(ClientError::Config(_))),
        "the token URL follows the same rule"
    );
    for ok in [
        "http://127.0.0.1:8080",
        "http://127.1.2.3:1/",
        "http://localhost:8080",
        "http://[::1]:8080",
        "https://tenant.example.com",
    ] {
        assert!(
            Client::new(ClientConfig::new(NAME, ok, auth())).is_ok(),
            "loopback http and https are accepted: {ok}"
        );
    }
}

const CANARY_PASSWORD: &str = "canary-password-5d1e";
const CANARY_SECRET: &str = "canary-client-secret-77aa";
/// Every bearer token the emulator issues starts with this.
const TOKEN_PREFIX: &str = "emu.";

/// A tracing subscriber that writes every event at DEBUG and above into a buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn assert_clean(what: &str, text: &str) {
    for canary in [CANARY_PASSWORD, CANARY_SECRET, TOKEN_PREFIX] {
        assert!(
            !text.contains(canary),
            "no secret in {what}: found `{canary}` in {text}"
        );
    }
}

#[tokio::test]
async fn secrets_never_show_in_debug_errors_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let t = Tenant::start(Seed::Demo).await;
    // Other tests' threads may register the client's log callsites while this thread's
    // subscriber registers, and tracing then caches "never" for them: compute their interest
    // again now that this subscriber exists (the test failed 1 run in about 10 without this).
    tracing::callsite::rebuild_interest_cache();

    // A working bearer client: its token must not show anywhere.
    let good = client(oauth(&t));
    good.packages().await.expect("a bearer read");
    assert_clean("Debug of a Client holding a token", &format!("{good:?}"));

    // A refused Basic password.
    let mut config = basic(&t);
    config.auth = Auth::Basic {
        user: DEFAULT_USER.into(),
        password: Secret::new(CANARY_PASSWORD),
    };
    assert_clean("Debug of ClientConfig", &format!("{config:?}"));
    assert_clean("Debug of Auth", &format!("{:?}", config.auth));
    let c = client(config);
    assert_clean("Debug of Client", &format!("{c:?}"));
    let err = c.packages().await.expect_err("a wrong password is refused");
    assert_eq!(err.status(), Some(401), "the 401 is reported");
    assert_clean("an error's Display", &err.to_string());
    assert_clean("an error's Debug", &format!("{err:?}"));
    let err = c
        .send(
            reqwest::Method::POST,
            "SecureParameters",
            cpi_gitops::client::Body::Json(
                serde_json::json!({"Name": "X", "SecureParam": CANARY_PASSWORD}),
            ),
        )
        .await
        .expect_err("a write with a wrong password is refused");
    assert_clean("a write error", &format!("{err} {err:?}"));

    // A refused client secret.
    let mut config = oauth(&t);
    config.auth = Auth::OAuth {
        token_url: t.handle.token_url(),
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: Secret::new(CANARY_SECRET),
    };
    assert_clean("Debug of an OAuth ClientConfig", &format!("{config:?}"));
    let c = client(config);
    let err = c
        .packages()
        .await
        .expect_err("a wrong client secret is refused");
    assert_clean("a token error's Display", &err.to_string());
    assert_clean("a token error's Debug", &format!("{err:?}"));
    assert_clean("Debug of an OAuth Client", &format!("{c:?}"));

    // That requests are logged at all is proven through the binary (tests/export/secrets.rs,
    // `-vv`): tracing's per-callsite interest cache is process-wide, and other tests' threads
    // make an in-process positive check flaky. What this subscriber caught must be clean.
    let logs = logs.text();
    assert_clean("the log", &logs);
}
