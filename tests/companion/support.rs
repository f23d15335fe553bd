//! Shared by the companion tests: fixtures, PEM, and posting a protocol request.

#![allow(dead_code)]

use base64::Engine;
use cpi_gitops::wire::companion::pkcs12::KeyPair;
use std::path::{Path, PathBuf};

/// `tests/fixtures/companion`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/companion")
}

/// The DER blocks of a PEM file, in order.
pub fn pem_blocks(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN") {
            body = Some(String::new());
        } else if line.starts_with("-----END") {
            if let Some(b) = body.take() {
                out.push(
                    base64::engine::general_purpose::STANDARD
                        .decode(b)
                        .expect("PEM base64"),
                );
            }
        } else if let Some(b) = body.as_mut() {
            b.push_str(line);
        }
    }
    out
}

/// A fixture key pair of `tests/fixtures/companion/keystore/<alias>.{key,chain}.pem`.
pub fn fixture_pair(alias: &str) -> KeyPair {
    let dir = fixtures().join("keystore");
    let key = std::fs::read_to_string(dir.join(format!("{alias}.key.pem"))).unwrap();
    let chain = std::fs::read_to_string(dir.join(format!("{alias}.chain.pem"))).unwrap();
    KeyPair {
        alias: alias.into(),
        key_der: pem_blocks(&key).remove(0),
        chain: pem_blocks(&chain),
    }
}

/// Base64 of bytes.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

use crate::common::{PASSWORD, Tenant, USER};
use cpi_gitops::client::{Auth, Client, ClientConfig};
use cpi_gitops::companion::install::{InstallOptions, InstallReport, install};
use cpi_gitops::companion::{Settings, releases};
use cpi_gitops::secrets::Secret;
use cpi_gitops::sync::apply::deploy::Timing;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// A client of `t` with the emulator's Basic credentials.
pub fn client(t: &Tenant) -> Client {
    Client::new(ClientConfig::new(
        "t",
        t.handle.url(),
        Auth::Basic {
            user: USER.into(),
            password: Secret::new(PASSWORD),
        },
    ))
    .unwrap()
}

/// Install options for `t` with `settings`.
pub fn options(t: &Tenant, settings: Settings, force: bool) -> InstallOptions {
    InstallOptions {
        tenant: "t".into(),
        settings,
        force,
        timing: Timing {
            poll: Duration::from_millis(1),
            timeout: Duration::from_secs(30),
        },
        runtime_url: t.handle.url().to_string(),
        releases: releases::RELEASES,
    }
}

/// `companion install` on `t` with the default settings.
pub async fn install_companion(t: &Tenant) -> InstallReport {
    install(&client(t), &options(t, Settings::default(), false))
        .await
        .expect("companion install")
}

/// The secrets the companion tests create through the API on an empty tenant, one of every kind
/// and every way a name can be unreadable; returns the matching secure-store fixture (the format
/// of docs/companion.md, PEM paths relative to `dir`, where it copies the PEM files).
pub async fn create_secrets(t: &Tenant, dir: &Path) -> Value {
    let created = |r: crate::common::Reply, what: &str| {
        assert!(r.status.is_success(), "{what}: {} {}", r.status, r.text());
    };
    created(
        t.send(Method::POST, "UserCredentials", Some(json!({"Name": "ERP_Basic", "Kind": "default", "User": "erp-user", "Password": "pw-erp ü/+&=?\"#1"}))).await,
        "user credential",
    );
    created(
        t.send(Method::POST, "UserCredentials", Some(json!({"Name": "SF_API", "Kind": "successfactors", "User": "sf@CORP", "Password": "pw-sf <&>", "CompanyId": "CORP"}))).await,
        "successfactors credential",
    );
    created(
        t.send(
            Method::POST,
            "SecureParameters",
            Some(json!({"Name": "Bank_API_Key", "SecureParam": "value %41 \\n end"})),
        )
        .await,
        "secure parameter",
    );
    created(
        t.send(Method::POST, "OAuth2ClientCredentials", Some(json!({"Name": "S4_OAuth", "TokenServiceUrl": "https://auth.example.com/oauth/token", "ClientId": "s4-client", "ClientSecret": "secret-Zm9vYmFy=="}))).await,
        "OAuth2 client",
    );
    created(
        t.send(
            Method::POST,
            "UserCredentialParameters",
            Some(json!({"Pid": "ACME", "Id": "sftp", "User": "acme-user", "Password": "pw-pd €"})),
        )
        .await,
        "Partner Directory credential",
    );
    let dir_keystore = json!({});
    let mut keystore = dir_keystore.as_object().cloned().unwrap_or_default();
    for (alias, legacy) in [("cpigitops_signing", false), ("cpigitops_ec", true)] {
        let pair = fixture_pair(alias);
        let p12 = if legacy {
            cpi_gitops::wire::companion::pkcs12::build_legacy(&pair, "p12-pass").unwrap()
        } else {
            cpi_gitops::wire::companion::pkcs12::build(&pair, "p12-pass").unwrap()
        };
        created(
            t.send(Method::POST, "KeyPairResources", Some(json!({"Hexalias": hex::encode_upper(alias), "Alias": alias, "Password": "p12-pass", "Resource": b64(&p12)}))).await,
            alias,
        );
        for suffix in ["key", "chain"] {
            std::fs::copy(
                fixtures().join(format!("keystore/{alias}.{suffix}.pem")),
                dir.join(format!("{alias}.{suffix}.pem")),
            )
            .unwrap();
        }
        keystore.insert(
            alias.into(),
            json!({"key": format!("{alias}.key.pem"), "chain": format!("{alias}.chain.pem")}),
        );
    }
    let ca = std::fs::read(fixtures().join("keystore/cpigitops_test_ca.crt.pem")).unwrap();
    std::fs::write(dir.join("ca.crt.pem"), &ca).unwrap();
    created(
        t.send_bytes(
            Method::PUT,
            &format!(
                "CertificateResources('{}')/$value?fingerprintVerified=true&update=false",
                hex::encode("cpigitops_test_ca")
            ),
            "application/pkix-cert",
            pem_blocks(&String::from_utf8_lossy(&ca)).remove(0),
        )
        .await,
        "certificate",
    );
    keystore.insert("cpigitops_test_ca".into(), json!({"chain": "ca.crt.pem"}));
    json!({
        "credentials": {
            "ERP_Basic": {"kind": "default", "user": "erp-user", "password": "pw-erp ü/+&=?\"#1"},
            "SF_API": {"kind": "successfactors", "user": "sf@CORP", "password": "pw-sf <&>"},
            "Bank_API_Key": {"kind": "secure_param", "user": "", "password": "value %41 \\n end"},
            "S4_OAuth": {"kind": "oauth2:default", "grant_type": "client_credentials", "token_url": "https://auth.example.com/oauth/token", "user": "s4-client", "password": "secret-Zm9vYmFy=="},
            "pd:ACME:sftp:UserCredential": {"kind": "default", "user": "acme-user", "password": "pw-pd €"}
        },
        "keystore": keystore
    })
}

/// Every item kind and outcome both the emulator and the script can give.
pub fn every_item() -> Value {
    json!([
        {"kind": "user-credential", "name": "ERP_Basic"},
        {"kind": "user-credential", "name": "SF_API"},
        {"kind": "secure-parameter", "name": "Bank_API_Key"},
        {"kind": "oauth2-client-credential", "name": "S4_OAuth"},
        {"kind": "user-credential-parameter", "pid": "ACME", "id": "sftp"},
        {"kind": "key-pair", "name": "cpigitops_signing"},
        {"kind": "key-pair", "name": "cpigitops_ec"},
        {"kind": "key-pair", "name": "cpigitops_test_ca"},
        {"kind": "key-pair", "name": "Nobody"},
        {"kind": "user-credential", "name": "Nobody"},
        {"kind": "user-credential-parameter", "pid": "ACME", "id": "nobody"},
        {"kind": "secure-parameter", "name": "ERP_Basic"},
        {"kind": "oauth2-client-credential", "name": "Bank_API_Key"},
        {"kind": "user-credential", "name": "S4_OAuth"},
        {"kind": "certificate", "name": "cpigitops_test_ca"},
        {"kind": "user-credential"},
        {"kind": "user-credential-parameter", "pid": "ACME"},
        {"name": "no kind"},
        "not an object",
        {"kind": "user-credential", "name": "ERP_Basic"}
    ])
}

/// A stand-in for a tenant's runtime on a loopback port: every request gets what `answer` makes
/// of its body (status and JSON body). For answers a real companion never gives.
pub struct FakeRuntime {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeRuntime {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeRuntime {
    pub async fn start(
        answer: impl Fn(&Value) -> (u16, Value) + Send + Sync + 'static,
    ) -> FakeRuntime {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answer = std::sync::Arc::new(answer);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let (head_end, length) = loop {
                        let Ok(n) = stream.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (end + 4, length);
                        }
                    };
                    while buf.len() < head_end + length {
                        let Ok(n) = stream.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let request: Value =
                        serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
                    let (status, body) = answer(&request);
                    let body = body.to_string();
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        FakeRuntime { url, task }
    }
}

/// An envelope sealed to the request's public key holding `items` as the answer document.
pub fn sealed_to(request: &Value, items: Value, protocol: u32) -> Value {
    let key =
        cpi_gitops::wire::companion::crypto::recipient_public_key(request["public_key"].as_str())
            .unwrap();
    let plaintext = json!({ "items": items }).to_string();
    let envelope =
        cpi_gitops::wire::companion::crypto::seal(plaintext.as_bytes(), &key, 1, "1.0.0").unwrap();
    let mut v = serde_json::to_value(envelope).unwrap();
    v["protocol"] = json!(protocol);
    v
}

/// Every answer `unreadable`, repeating the request's identities.
pub fn all_unreadable(request: &Value) -> Value {
    Value::Array(
        request["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut item| {
                item["status"] = json!("unreadable");
                item["reason"] = json!("not revealed here");
                item
            })
            .collect(),
    )
}
