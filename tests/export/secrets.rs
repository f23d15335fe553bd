//! Secrets: each its own armored age file readable by the reference `age` CLI; never in plaintext
//! anywhere else; kept when the tenant cannot reveal them; `secret set` and `secret rekey`.

use crate::common::Tenant;
use crate::common::repo::{DEMO_IDENTITY, DEMO_RECIPIENT, Login, StateRepo};
use cpi_gitops::emulator::Seed;
use cpi_gitops::secrets::{Identity, Recipients};
use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};

const CANARIES: [&str; 5] = [
    "canary-user-5c1e",
    "canary-oauth-8d2f",
    "canary-secure-3b7a",
    "canary-pd-9e4c",
    "canary-rotated-1f0d",
];

fn age_cli() -> Option<&'static str> {
    let present = Command::new("age")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present && std::env::var("CPI_GITOPS_REQUIRE_AGE_CLI").is_ok() {
        panic!(
            "the reference `age` CLI is required (CPI_GITOPS_REQUIRE_AGE_CLI is set) but not installed"
        );
    }
    present.then_some("age")
}

#[tokio::test]
async fn the_reference_age_cli_reads_our_files_and_we_read_its_files() {
    let Some(age) = age_cli() else {
        eprintln!("skipped: the reference `age` CLI is not installed (.ci/run installs it)");
        return;
    };
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let key = repo.path().join("demo-identity.txt");
    std::fs::write(&key, DEMO_IDENTITY).unwrap();
    let file = repo
        .path()
        .join("tenant-state/security/user-credentials/ERP_Basic.password.age");
    let out = Command::new(age)
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "age -d: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout, b"demo-erp-password",
        "age decrypts our file to the password"
    );
    let p12 = Command::new(age)
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg(
            repo.path()
                .join("tenant-state/security/key-pairs/demo_signing.p12.age"),
        )
        .output()
        .unwrap();
    assert_eq!(
        p12.stdout,
        include_bytes!("../../crates/emulator/src/seed/certs/demo_signing.p12"),
        "binary secrets round-trip through age"
    );

    let mut child = Command::new(age)
        .args(["-a", "-r", DEMO_RECIPIENT.trim()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"written by age")
        .unwrap();
    let sealed = child.wait_with_output().unwrap().stdout;
    let plain = Identity::parse(DEMO_IDENTITY, "fixture")
        .unwrap()
        .decrypt(&sealed, "age-made.age")
        .unwrap();
    assert_eq!(
        plain.expose(),
        b"written by age",
        "we decrypt the age CLI's files"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_secrets_appear_only_in_age_files() {
    let t = Tenant::start(Seed::Demo).await;
    t.send(
        Method::POST,
        "UserCredentials",
        Some(
            json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": CANARIES[0]}),
        ),
    )
    .await;
    t.send(Method::POST, "OAuth2ClientCredentials", Some(json!({"Name": "Canary_OAuth", "TokenServiceUrl": "https://t", "ClientId": "c", "ClientSecret": CANARIES[1]}))).await;
    t.send(
        Method::POST,
        "SecureParameters",
        Some(json!({"Name": "Canary_Param", "SecureParam": CANARIES[2]})),
    )
    .await;
    t.send(
        Method::POST,
        "UserCredentialParameters",
        Some(json!({"Pid": "ACME", "Id": "Canary", "User": "u", "Password": CANARIES[3]})),
    )
    .await;
    let repo = StateRepo::new(&t, Login::Basic, "");
    let mut outputs = Vec::new();
    for args in [
        vec!["-vv", "export", "--tenant", "primary"],
        vec!["--format", "json", "export", "--tenant", "primary"],
        vec!["--format", "markdown", "export", "--tenant", "primary"],
    ] {
        let out = repo.command().args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "export {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if args[0] == "-vv" {
            let log = String::from_utf8_lossy(&out.stderr);
            assert!(
                log.contains("tenant answered") && log.contains("IntegrationPackages"),
                "-vv logs each request with its path and status: {log}"
            );
        }
        outputs.push(out.stdout);
        outputs.push(out.stderr);
        t.send(Method::PUT, "UserCredentials('Canary_User')", Some(json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": CANARIES[4]}))).await;
    }
    for canary in CANARIES {
        for output in &outputs {
            assert!(
                !String::from_utf8_lossy(output).contains(canary),
                "{canary} appears in the command's output"
            );
        }
        for (path, bytes) in repo.state_files() {
            if !path.ends_with(".age") {
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(canary),
                    "{canary} appears in tenant-state/{path}"
                );
            }
        }
        let git = git2::Repository::open(repo.path()).unwrap();
        let odb = git.odb().unwrap();
        odb.foreach(|id| {
            let object = odb.read(*id).unwrap();
            assert!(
                !String::from_utf8_lossy(object.data()).contains(canary),
                "{canary} appears in git object {id}"
            );
            true
        })
        .unwrap();
    }
}

#[tokio::test]
async fn without_the_companion_secrets_are_kept_and_missing_ones_listed() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let before = std::fs::read(
        repo.path()
            .join("tenant-state/security/user-credentials/ERP_Basic.password.age"),
    )
    .unwrap();
    t.switches(json!({"companion": false})).await;
    t.send(
        Method::POST,
        "SecureParameters",
        Some(json!({"Name": "New_Token", "SecureParam": "x"})),
    )
    .await;
    let report = repo.export_ok().await;
    assert_eq!(
        report.missing_secrets,
        ["secure-parameter/New_Token#value"],
        "objects whose secret is missing are listed"
    );
    let after = std::fs::read(
        repo.path()
            .join("tenant-state/security/user-credentials/ERP_Basic.password.age"),
    )
    .unwrap();
    assert_eq!(
        before, after,
        "existing secret files are kept when the tenant cannot reveal them"
    );
    let changed: Vec<_> = report
        .objects
        .iter()
        .filter(|o| o.outcome != cpi_gitops::export::Change::Unchanged)
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(
        changed,
        ["secure-parameter/New_Token"],
        "and nothing else changes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_without_recipients_names_the_file() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    std::fs::remove_file(repo.path().join("tenant-state/recipients.txt")).unwrap();
    repo.commit_all("no recipients");
    let out = repo
        .command()
        .args(["export", "--tenant", "primary"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tenant-state/recipients.txt does not exist")
            && err.contains("hint: create tenant-state/recipients.txt"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_set_and_rekey() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"companion": false})).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let report = repo.export_ok().await;
    assert_eq!(
        report.missing_secrets.len(),
        8,
        "without the companion every secret is missing at first"
    );

    let mut child = repo
        .command()
        .args(["secret", "set", "user-credential/ERP_Basic"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"set-by-hand\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = repo
        .path()
        .join("tenant-state/security/user-credentials/ERP_Basic.password.age");
    let identity = Identity::parse(DEMO_IDENTITY, "fixture").unwrap();
    assert_eq!(
        identity
            .decrypt(&std::fs::read(&path).unwrap(), "f")
            .unwrap()
            .expose(),
        b"set-by-hand",
        "secret set writes the value (one trailing newline dropped)"
    );

    let unknown = repo
        .command()
        .args(["secret", "set", "user-credential/Nobody"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("user-credential/Nobody is not in tenant-state/"),
        "unknown objects are refused"
    );
    let bad_slot = repo
        .command()
        .args(["secret", "set", "key-pair/demo_signing#pin"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad_slot.stderr).contains("its secrets: p12, password"));

    repo.commit_all("secret set by hand");
    let set_by_hand = std::fs::read(&path).unwrap();
    let again = repo.export_ok().await;
    assert!(
        !again
            .missing_secrets
            .iter()
            .any(|m| m.starts_with("user-credential/ERP_Basic")),
        "export keeps a secret set by hand"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        set_by_hand,
        "and does not touch its file"
    );
    assert!(
        !again.changed,
        "only the baseline of its change marker is recorded, outside the branch"
    );
    assert!(
        !repo.export_ok().await.changed,
        "after that, exports are quiet"
    );
    t.send(Method::PUT, "UserCredentials('ERP_Basic')", Some(json!({"Name": "ERP_Basic", "Kind": "default", "User": "ERP_RFC", "Password": "changed-on-tenant"}))).await;
    let stale = repo.export_ok().await;
    assert!(
        stale
            .warnings
            .iter()
            .any(|w| w.object == "user-credential/ERP_Basic" && w.message.contains("secret set")),
        "a secret changed on a tenant that cannot reveal it is reported: {:?}",
        stale.warnings
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        set_by_hand,
        "git's copy is kept"
    );

    let second = age::x25519::Identity::generate();
    let mut recipients = DEMO_RECIPIENT.trim().to_string();
    recipients.push_str(&format!("\n{}\n", second.to_public()));
    std::fs::write(repo.path().join("tenant-state/recipients.txt"), &recipients).unwrap();
    let no_identity = repo.command().args(["secret", "rekey"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&no_identity.stderr).contains("CPI_GITOPS_AGE_IDENTITY"),
        "rekey asks for an identity"
    );
    let out = repo
        .command()
        .args(["secret", "rekey"])
        .env("CPI_GITOPS_AGE_IDENTITY", DEMO_IDENTITY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use age::secrecy::ExposeSecret;
    let by_second = Identity::parse(second.to_string().expose_secret(), "second").unwrap();
    assert_eq!(
        by_second
            .decrypt(&std::fs::read(&path).unwrap(), "f")
            .unwrap()
            .expose(),
        b"set-by-hand",
        "after rekey the new recipient reads the secret"
    );
    assert_eq!(Recipients::parse(&recipients, "r").unwrap().len(), 2);
}
