//! Shared test support: an emulated tenant on an ephemeral port with an HTTP client that speaks
//! to it as a client would (Basic auth with CSRF, or a bearer token), plus admin helpers.

#![allow(dead_code)]

pub mod pair;
pub mod process;
pub mod repo;

use cpi_gitops::emulator::{self, ClockMode, EmulatorConfig, EmulatorHandle, Seed};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Mutex;

/// Basic credentials of test tenants (the emulator defaults).
pub const USER: &str = emulator::DEFAULT_USER;
pub const PASSWORD: &str = emulator::DEFAULT_PASSWORD;

/// A running emulated tenant and a cookie-keeping client for it.
pub struct Tenant {
    pub handle: EmulatorHandle,
    pub http: reqwest::Client,
    csrf: Mutex<Option<String>>,
}

/// A reply, read completely.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (panics with the body text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("expected JSON ({e}), got {}: {}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The OData error message (`error.message.value`).
    pub fn error_message(&self) -> String {
        self.json()["error"]["message"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A config for a test tenant: loopback, ephemeral port, deterministic clock.
pub fn config(seed: Seed) -> EmulatorConfig {
    EmulatorConfig {
        seed,
        clock: ClockMode::Logical {
            start_ms: 1_750_000_000_000,
            step_ms: 1000,
        },
        ..Default::default()
    }
}

impl Tenant {
    /// A tenant with `seed` and default switches.
    pub async fn start(seed: Seed) -> Tenant {
        Tenant::with(config(seed)).await
    }

    /// A tenant with a full config.
    pub async fn with(config: EmulatorConfig) -> Tenant {
        let handle = emulator::start(config)
            .await
            .expect("the emulator starts on an ephemeral port");
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("a reqwest client");
        Tenant {
            handle,
            http,
            csrf: Mutex::new(None),
        }
    }

    /// `<api>/<path>`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/{}", self.handle.api_url(), path.trim_start_matches('/'))
    }

    /// Sends a raw request built by `f` and reads the reply.
    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Reply {
        let r = req.send().await.expect("the emulator answers");
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.bytes().await.expect("the body reads").to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A GET with Basic auth and `Accept: application/json`.
    pub async fn get(&self, path: &str) -> Reply {
        self.raw(
            self.http
                .get(self.api(path))
                .basic_auth(USER, Some(PASSWORD))
                .header("Accept", "application/json"),
        )
        .await
    }

    /// A GET that must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.text());
        r.json()
    }

    /// The `d.results` of a collection GET.
    pub async fn results(&self, path: &str) -> Vec<Value> {
        self.get_json(path).await["d"]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Fetches (once) and returns the session's CSRF token.
    pub async fn csrf(&self) -> String {
        if let Some(t) = self.csrf.lock().unwrap().clone() {
            return t;
        }
        let r = self
            .raw(
                self.http
                    .get(self.api(""))
                    .basic_auth(USER, Some(PASSWORD))
                    .header("X-CSRF-Token", "Fetch"),
            )
            .await;
        let token = r.header("x-csrf-token").expect("a CSRF token");
        *self.csrf.lock().unwrap() = Some(token.clone());
        token
    }

    /// Forgets the cached CSRF token.
    pub fn forget_csrf(&self) {
        *self.csrf.lock().unwrap() = None;
    }

    /// A modifying request with Basic auth and the session's CSRF token; `body` as JSON.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let token = self.csrf().await;
        let mut req = self
            .http
            .request(method, self.api(path))
            .basic_auth(USER, Some(PASSWORD))
            .header("Accept", "application/json")
            .header("X-CSRF-Token", token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.raw(req).await
    }

    /// A modifying request with raw bytes and a content type.
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let token = self.csrf().await;
        let req = self
            .http
            .request(method, self.api(path))
            .basic_auth(USER, Some(PASSWORD))
            .header("Accept", "application/json")
            .header("Content-Type", content_type)
            .header("X-CSRF-Token", token)
            .body(body);
        self.raw(req).await
    }

    /// A bearer token from the emulator's token endpoint.
    pub async fn token(&self) -> String {
        let r = self
            .raw(
                self.http
                    .post(self.handle.token_url())
                    .basic_auth(
                        emulator::DEFAULT_CLIENT_ID,
                        Some(emulator::DEFAULT_CLIENT_SECRET),
                    )
                    .form(&[("grant_type", "client_credentials")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "token endpoint: {}", r.text());
        r.json()["access_token"]
            .as_str()
            .expect("an access token")
            .to_string()
    }

    /// An admin request.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}/admin/{path}", self.handle.url()))
            .basic_auth(USER, Some(PASSWORD));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let r = self.raw(req).await;
        assert!(
            r.status.is_success(),
            "admin {path}: {} {}",
            r.status,
            r.text()
        );
        r
    }

    /// Changes switches.
    pub async fn switches(&self, patch: Value) {
        self.admin(Method::PUT, "switches", Some(patch)).await;
    }

    /// The canonical state dump.
    pub async fn dump(&self) -> Value {
        self.admin(Method::GET, "dump", None).await.json()
    }

    /// The request statistics.
    pub async fn stats(&self) -> Value {
        self.admin(Method::GET, "stats", None).await.json()
    }

    /// Downloads an artifact's `$value`.
    pub async fn download(&self, set: &str, id: &str) -> Vec<u8> {
        let r = self
            .get(&format!("{set}(Id='{id}',Version='active')/$value"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "download {id}: {}", r.text());
        r.body
    }
}

/// Asserts a status with a message naming the rule.
#[macro_export]
macro_rules! assert_status {
    ($reply:expr, $status:expr, $rule:expr) => {{
        let r = &$reply;
        assert_eq!(
            r.status.as_u16(),
            $status,
            "{}: expected {}, got {} with body {}",
            $rule,
            $status,
            r.status,
            r.text()
        );
    }};
}

/// A zip of `entries` (name, bytes) in Java style, for uploads.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let entries: Vec<cpi_gitops::wire::artifact::zip::Entry> = entries
        .iter()
        .map(|(n, d)| cpi_gitops::wire::artifact::zip::Entry::file(*n, d.to_vec()))
        .collect();
    cpi_gitops::wire::artifact::zip::write(
        &entries,
        cpi_gitops::wire::artifact::zip::DosTime::from_epoch_ms(1_700_000_000_000),
    )
    .unwrap()
}

/// A minimal integration flow zip whose manifest names `id` at `version`, with parameters.
pub fn flow_zip(id: &str, version: &str, params: &[(&str, &str)], iflw_extra: &str) -> Vec<u8> {
    let manifest = format!(
        "Manifest-Version: 1.0\r\nBundle-SymbolicName: {id}; singleton:=true\r\nBundle-Name: {id}\r\nBundle-Version: {version}\r\nSAP-BundleType: IntegrationFlow\r\n\r\n"
    );
    let prop: String = params
        .iter()
        .map(|(k, v)| format!("{}={v}\n", k.replace(' ', "\\ ")))
        .collect();
    let propdef: String = format!(
        "<parameters>{}</parameters>",
        params
            .iter()
            .map(|(k, _)| format!("<parameter><key>{k}</key><type>xsd:string</type></parameter>"))
            .collect::<String>()
    );
    let iflw = format!("<bpmn2:definitions>{iflw_extra}</bpmn2:definitions>");
    zip(&[
        ("META-INF/MANIFEST.MF", manifest.as_bytes()),
        (
            "src/main/resources/scenarioflows/integrationflow/flow.iflw",
            iflw.as_bytes(),
        ),
        ("src/main/resources/parameters.prop", prop.as_bytes()),
        ("src/main/resources/parameters.propdef", propdef.as_bytes()),
    ])
}

/// Base64 of bytes.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
