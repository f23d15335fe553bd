//! Issue 11's "done when", through the binary: against `cpi-gitops emulator --seed empty` with a
//! user credential, a secure parameter, an OAuth2 client and a key pair created through the API,
//! `companion install` then `export` gets every secret the emulator's stand-ins reveal through
//! the deployed flow; `probe` exits 0, and 1 after the ping flow is undeployed.

use super::support::{b64, fixture_pair};
use crate::common::repo::{DEMO_IDENTITY, DEMO_RECIPIENT};
use crate::common::{PASSWORD, USER};
use cpi_gitops::secrets::Identity;
use cpi_gitops::wire::companion::pkcs12;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator() -> Emulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--seed", "empty"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let first = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    Emulator { child, url }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CPI_T_USER", USER)
        .env("CPI_T_PASSWORD", PASSWORD)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A session with the emulator's API (Basic with a CSRF token).
struct Api {
    http: reqwest::Client,
    root: String,
    token: String,
}

impl Api {
    async fn new(url: &str) -> Api {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let root = format!("{url}/api/v1");
        let r = http
            .get(format!("{root}/"))
            .basic_auth(USER, Some(PASSWORD))
            .header("X-CSRF-Token", "Fetch")
            .send()
            .await
            .unwrap();
        let token = r.headers()["x-csrf-token"].to_str().unwrap().to_string();
        Api { http, root, token }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> u16 {
        let mut req = self
            .http
            .request(method, format!("{}/{path}", self.root))
            .basic_auth(USER, Some(PASSWORD))
            .header("Accept", "application/json")
            .header("X-CSRF-Token", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap().status().as_u16()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companion_install_export_and_probe_against_an_empty_emulator() {
    let emu = emulator();
    let api = Api::new(&emu.url).await;
    use reqwest::Method;
    for (path, body) in [
        (
            "UserCredentials",
            json!({"Name": "ERP_Basic", "Kind": "default", "User": "erp", "Password": "done-user-pw"}),
        ),
        (
            "SecureParameters",
            json!({"Name": "Bank_Key", "SecureParam": "done-secure-value"}),
        ),
        (
            "OAuth2ClientCredentials",
            json!({"Name": "S4_OAuth", "TokenServiceUrl": "https://auth.example.com/token", "ClientId": "s4", "ClientSecret": "done-client-secret"}),
        ),
    ] {
        let status = api.send(Method::POST, path, Some(body)).await;
        assert!((200..300).contains(&status), "{path}: {status}");
    }
    let pair = fixture_pair("cpigitops_signing");
    let p12 = pkcs12::build(&pair, "done-p12-pw").unwrap();
    let status = api
        .send(Method::POST, "KeyPairResources", Some(json!({"Hexalias": hex::encode_upper("signing"), "Alias": "signing", "Password": "done-p12-pw", "Resource": b64(&p12)})))
        .await;
    assert_eq!(status, 204);

    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    {
        let mut cfg = repo.config().unwrap();
        cfg.set_str("user.name", "Test").unwrap();
        cfg.set_str("user.email", "test@example.com").unwrap();
    }
    std::fs::write(
        dir.path().join("cpi-gitops.toml"),
        format!("[tenants.t]\nurl = \"{}\"\ndeploy_poll_ms = 10\n", emu.url),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("tenant-state")).unwrap();
    std::fs::write(
        dir.path().join("tenant-state/recipients.txt"),
        DEMO_RECIPIENT,
    )
    .unwrap();
    {
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = repo.signature().unwrap();
        repo.commit(Some("HEAD"), &sig, &sig, "start", &tree, &[])
            .unwrap();
    }

    let install = run(dir.path(), &["companion", "install", "--tenant", "t"]);
    assert_eq!(
        install.status.code(),
        Some(0),
        "{}{}",
        stdout(&install),
        String::from_utf8_lossy(&install.stderr)
    );
    let text = stdout(&install);
    assert!(
        text.contains("installed companion 1.0.0 on tenant `t`"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}/http/cpi-gitops/security-material", emu.url)),
        "{text}"
    );
    assert!(
        text.contains("role CPIGitOps.SecurityMaterial: assign it to the export's runtime user"),
        "{text}"
    );
    let again = run(dir.path(), &["companion", "install", "--tenant", "t"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).contains("nothing to change"),
        "{}",
        stdout(&again)
    );

    let export = run(dir.path(), &["export", "--tenant", "t"]);
    assert_eq!(
        export.status.code(),
        Some(0),
        "{}{}",
        stdout(&export),
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(
        !stdout(&export).contains("missing secrets"),
        "{}",
        stdout(&export)
    );
    let identity = Identity::parse(DEMO_IDENTITY, "fixture").unwrap();
    let plain = |path: &str| {
        let sealed = std::fs::read(dir.path().join("tenant-state").join(path)).unwrap();
        identity.decrypt(&sealed, path).unwrap().expose().to_vec()
    };
    assert_eq!(
        plain("security/user-credentials/ERP_Basic.password.age"),
        b"done-user-pw"
    );
    assert_eq!(
        plain("security/secure-parameters/Bank_Key.value.age"),
        b"done-secure-value"
    );
    assert_eq!(
        plain("security/oauth2-client-credentials/S4_OAuth.client-secret.age"),
        b"done-client-secret"
    );
    let password = String::from_utf8(plain("security/key-pairs/signing.password.age")).unwrap();
    let read = pkcs12::open(&plain("security/key-pairs/signing.p12.age"), &password).unwrap();
    assert_eq!(read.key_fingerprint(), pair.key_fingerprint());
    assert_eq!(read.chain, pair.chain);
    assert!(
        dir.path()
            .join("tenant-state/packages/CPIGitOps/package.json")
            .exists()
    );

    let probe = run(dir.path(), &["probe", "--tenant", "t"]);
    assert_eq!(probe.status.code(), Some(0), "{}", stdout(&probe));
    assert_eq!(
        api.send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('CPIGitOps_Ping')",
            None
        )
        .await,
        202
    );
    // Each status read moves the undeploy one step; it is gone after a few.
    let mut gone = false;
    for _ in 0..20 {
        let s = api
            .http
            .get(format!(
                "{}/IntegrationRuntimeArtifacts('CPIGitOps_Ping')",
                api.root
            ))
            .basic_auth(USER, Some(PASSWORD))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap()
            .status();
        if s == 404 {
            gone = true;
            break;
        }
    }
    assert!(gone, "the ping flow is undeployed");
    let probe = run(dir.path(), &["probe", "--tenant", "t"]);
    assert_eq!(probe.status.code(), Some(1), "{}", stdout(&probe));
}
