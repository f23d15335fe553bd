//! The emulator answers the companion's flows natively; the real scripts must answer the same.
//! The same request for the same secrets goes to the emulator's deployed flow and, through
//! `tests/groovy/respond.groovy`, to the real script under Groovy 2.4 with SAP's script API
//! stood in; both answers are decrypted and compared item by item (PKCS#12 files by the key and
//! chain inside, since their bytes and passwords are random). Refusals are compared as they are.
//!
//! Needs `groovy` and the stand-ins `.ci/groovy-tests` compiles: without them the test says so
//! and passes, unless `CPI_GITOPS_REQUIRE_GROOVY=1` (set by `.ci/run`) makes it fail.

use super::support::{create_secrets, every_item, install_companion};
use crate::common::{PASSWORD, Tenant, USER};
use base64::Engine;
use cpi_gitops::emulator::Seed;
use cpi_gitops::wire::companion::crypto::RecipientKey;
use cpi_gitops::wire::companion::{Envelope, PROTOCOL, pkcs12};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A `groovy` command that runs the companion's scripts, or why there is none.
fn groovy() -> Result<Command, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let standins = root.join("target/groovy-tests/standins");
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("groovy").is_file()))
        .unwrap_or(false);
    if !on_path {
        return Err(
            "`groovy` is not installed (`.ci/groovy-tests` installs Debian's Groovy 2.4)".into(),
        );
    }
    if !standins.is_dir() {
        return Err(format!(
            "{} is missing: run `.ci/groovy-tests` first (it compiles the stand-ins of SAP's script API)",
            standins.display()
        ));
    }
    let mut cmd = Command::new("groovy");
    cmd.current_dir(root).arg("-cp").arg(format!(
        "{}:{}",
        standins.display(),
        root.join("tests/groovy").display()
    ));
    // Debian's launcher looks for /usr/lib/jvm/default-java unless JAVA_HOME is set.
    if std::env::var_os("JAVA_HOME").is_none() && !Path::new("/usr/lib/jvm/default-java").exists() {
        if let Some(home) = java_home() {
            cmd.env("JAVA_HOME", home);
        }
    }
    Ok(cmd)
}

fn java_home() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let java = std::env::split_paths(&path)
        .map(|d| d.join("javac"))
        .chain(std::env::split_paths(&path).map(|d| d.join("java")))
        .find(|p| p.is_file())?;
    let real = java.canonicalize().ok()?;
    Some(real.parent()?.parent()?.to_path_buf())
}

/// Skips (with a message) or fails when groovy is required.
fn groovy_or_skip(test: &str) -> Option<Command> {
    match groovy() {
        Ok(cmd) => Some(cmd),
        Err(why) if std::env::var("CPI_GITOPS_REQUIRE_GROOVY").as_deref() == Ok("1") => {
            panic!("{test}: Groovy is required (CPI_GITOPS_REQUIRE_GROOVY=1), but {why}")
        }
        Err(why) => {
            eprintln!(
                "SKIPPED {test}: {why}; set CPI_GITOPS_REQUIRE_GROOVY=1 to make this an error"
            );
            None
        }
    }
}

/// The script's answer to `body`: status and body.
fn script_answer(mut cmd: Command, store: &Path, method: &str, body: &[u8]) -> (u16, Value) {
    cmd.arg("tests/groovy/respond.groovy")
        .arg("security-material")
        .arg("--store")
        .arg(store)
        .arg("--method")
        .arg(method)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("groovy starts");
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "respond.groovy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "respond.groovy printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(
        printed["headers"]["Content-Type"], "application/json; charset=utf-8",
        "{printed}"
    );
    assert_eq!(printed["headers"]["Cache-Control"], "no-store", "{printed}");
    (
        printed["status"].as_u64().unwrap() as u16,
        serde_json::from_str(printed["body"].as_str().unwrap()).unwrap(),
    )
}

/// The emulator's answer to `body`.
async fn emulator_answer(t: &Tenant, method: reqwest::Method, body: &[u8]) -> (u16, Value) {
    let r = t
        .raw(
            t.http
                .request(
                    method,
                    format!("{}/http/cpi-gitops/security-material", t.handle.url()),
                )
                .basic_auth(USER, Some(PASSWORD))
                .header("Content-Type", "application/json")
                .body(body.to_vec()),
        )
        .await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    (r.status.as_u16(), r.json())
}

/// The decrypted items of an envelope, key pairs replaced by what their PKCS#12 holds.
fn opened(key: &RecipientKey, envelope: Value, random_passwords: bool) -> Vec<Value> {
    let envelope: Envelope = serde_json::from_value(envelope).unwrap();
    let plaintext = key.open(&envelope, PROTOCOL).unwrap();
    let doc: Value = serde_json::from_slice(&plaintext).unwrap();
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let mut item = item.clone();
            if let (Some(p12), Some(password)) =
                (item.get("pkcs12").cloned(), item.get("pkcs12_password").cloned())
            {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(p12.as_str().unwrap())
                    .unwrap();
                let password = password.as_str().unwrap();
                if random_passwords {
                    assert_eq!(password.len(), 24, "a 24-character password");
                }
                let pair = pkcs12::open(&bytes, password).unwrap();
                let map = item.as_object_mut().unwrap();
                map.remove("pkcs12_password");
                map.insert(
                    "pkcs12".into(),
                    json!({"alias": pair.alias, "key": pair.key_fingerprint(), "chain": pair.chain.iter().map(hex::encode).collect::<Vec<_>>()}),
                );
            }
            item
        })
        .collect()
}

#[tokio::test]
async fn the_emulator_answers_as_the_real_script() {
    let Some(_) = groovy_or_skip("the_emulator_answers_as_the_real_script") else {
        return;
    };
    let t = Tenant::start(Seed::Empty).await;
    let dir = tempfile::tempdir().unwrap();
    let fixture = create_secrets(&t, dir.path()).await;
    let store = dir.path().join("secure-store.json");
    std::fs::write(&store, serde_json::to_vec_pretty(&fixture).unwrap()).unwrap();
    install_companion(&t).await;

    let key = RecipientKey::generate().unwrap();
    let request = json!({
        "protocol": PROTOCOL,
        "public_key": key.public_key_base64().unwrap(),
        "items": every_item(),
    });
    let body = serde_json::to_vec(&request).unwrap();
    let (status, native) = emulator_answer(&t, reqwest::Method::POST, &body).await;
    assert_eq!(status, 200, "{native}");
    let (status, script) = script_answer(groovy().unwrap(), &store, "POST", &body);
    assert_eq!(status, 200, "{script}");
    for envelope in [&native, &script] {
        assert_eq!(envelope["protocol"], PROTOCOL);
        assert_eq!(envelope["alg"], "RSA-OAEP-256+A256GCM");
        assert_eq!(envelope["companion_version"], "1.0.0");
    }
    // The script builds each PKCS#12 anew with a random password; the emulator gives the one
    // uploaded: both hold the same key and chain under the alias.
    let native = opened(&key, native, false);
    let script = opened(&key, script, true);
    assert_eq!(native.len(), every_item().as_array().unwrap().len());
    for (i, (n, s)) in native.iter().zip(&script).enumerate() {
        assert_eq!(
            n, s,
            "item {i}: the emulator (left) and the script (right) differ"
        );
    }
    assert_eq!(native.len(), script.len());
    let statuses: Vec<&str> = native
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    for s in [
        "ok",
        "not_found",
        "unreadable",
        "wrong_kind",
        "unsupported_kind",
        "invalid",
    ] {
        assert!(
            statuses.contains(&s),
            "the request covers {s}: {statuses:?}"
        );
    }

    // Refusals, outside the envelope, before anything is read.
    // (Each run of the script starts a JVM: three refusals of different kinds.)
    let refusals: Vec<(&str, Vec<u8>)> = vec![
        ("GET", body.clone()),
        (
            "POST",
            serde_json::to_vec(&json!({"protocol": 2, "public_key": "x", "items": []})).unwrap(),
        ),
        (
            "POST",
            serde_json::to_vec(&json!({"protocol": 1, "public_key": "AAAA", "items": []})).unwrap(),
        ),
    ];
    let mut scripts = Vec::new();
    for (method, body) in &refusals {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let native = emulator_answer(&t, m, body).await;
        scripts.push((native, (*method, body.clone())));
    }
    for (native, (method, body)) in scripts {
        let script = script_answer(groovy().unwrap(), &store, method, &body);
        assert_eq!(
            native,
            script,
            "refusal of {method} {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn the_ping_answers_as_the_real_script() {
    let Some(mut cmd) = groovy_or_skip("the_ping_answers_as_the_real_script") else {
        return;
    };
    let t = Tenant::start(Seed::Empty).await;
    install_companion(&t).await;
    let r = t
        .raw(
            t.http
                .get(format!("{}/http/cpi-gitops/ping", t.handle.url()))
                .basic_auth(USER, Some(PASSWORD)),
        )
        .await;
    assert_eq!(r.status, 200);
    let native = r.json();
    let out = cmd
        .arg("tests/groovy/respond.groovy")
        .arg("ping")
        .arg("--url")
        .arg("https://mytenant.example.com/http/cpi-gitops/ping")
        .env_remove("TENANT_NAME")
        .env_remove("HC_ACCOUNT")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let script: Value = serde_json::from_str(printed["body"].as_str().unwrap()).unwrap();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&native), keys(&script));
    assert_eq!(native["status"], script["status"]);
    assert_eq!(native["companion_version"], script["companion_version"]);
    assert_eq!(native["tenant"], "127.0.0.1");
    assert_eq!(native["tenant_source"], "emulator");
    assert_eq!(script["tenant"], "mytenant.example.com");
    for v in [&native, &script] {
        let time = v["time"].as_str().unwrap();
        assert_eq!(time.len(), "2024-05-01T12:00:00.123Z".len(), "{time}");
        assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
    }
}
