//! Export through the companion: the names listed through the API and a one-time key go to the
//! companion's flow, the answer is decrypted and its secrets written; what it cannot read keeps
//! git's copy and is listed; an answer that cannot be trusted stops the export with nothing
//! written; a tenant without the companion exports as before.

use super::support::{
    FakeRuntime, all_unreadable, create_secrets, fixture_pair, install_companion, sealed_to,
};
use crate::common::repo::{DEMO_IDENTITY, Login, StateRepo};
use crate::common::{PASSWORD, Tenant, USER};
use cpi_gitops::emulator::Seed;
use cpi_gitops::export::Change;
use cpi_gitops::read::Companion;
use cpi_gitops::secrets::Identity;
use cpi_gitops::wire::companion::pkcs12;
use reqwest::Method;
use serde_json::{Value, json};

/// The plaintext of a secret file of the work tree.
fn secret(repo: &StateRepo, path: &str) -> Vec<u8> {
    let sealed = std::fs::read(repo.path().join("tenant-state").join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    Identity::parse(DEMO_IDENTITY, "fixture")
        .unwrap()
        .decrypt(&sealed, path)
        .unwrap()
        .expose()
        .to_vec()
}

fn text(repo: &StateRepo, path: &str) -> String {
    String::from_utf8(secret(repo, path)).unwrap()
}

/// A tenant with the secrets of the companion tests and the companion installed.
async fn tenant() -> Tenant {
    let t = Tenant::start(Seed::Empty).await;
    let dir = tempfile::tempdir().unwrap();
    create_secrets(&t, dir.path()).await;
    install_companion(&t).await;
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_every_secret_the_companion_reveals() {
    let t = tenant().await;
    let repo = StateRepo::new(&t, Login::Basic, "");
    let report = repo.export_ok().await;
    assert_eq!(report.companion, Companion::Used);
    assert!(
        report.missing_secrets.is_empty(),
        "{:?}",
        report.missing_secrets
    );
    assert_eq!(
        text(&repo, "security/user-credentials/ERP_Basic.password.age"),
        "pw-erp ü/+&=?\"#1"
    );
    assert_eq!(
        text(&repo, "security/user-credentials/SF_API.password.age"),
        "pw-sf <&>"
    );
    assert_eq!(
        text(&repo, "security/secure-parameters/Bank_API_Key.value.age"),
        "value %41 \\n end"
    );
    assert_eq!(
        text(
            &repo,
            "security/oauth2-client-credentials/S4_OAuth.client-secret.age"
        ),
        "secret-Zm9vYmFy=="
    );
    assert_eq!(
        text(
            &repo,
            "partner-directory/ACME/user-credential-parameters/sftp.password.age"
        ),
        "pw-pd €"
    );
    for alias in ["cpigitops_signing", "cpigitops_ec"] {
        let p12 = secret(&repo, &format!("security/key-pairs/{alias}.p12.age"));
        let password = text(&repo, &format!("security/key-pairs/{alias}.password.age"));
        let pair = pkcs12::open(&p12, &password).unwrap();
        let fixture = fixture_pair(alias);
        assert_eq!(pair.key_fingerprint(), fixture.key_fingerprint(), "{alias}");
        assert_eq!(pair.chain, fixture.chain, "{alias}");
    }
    // The companion is ordinary content: exported like any package.
    assert!(
        repo.path()
            .join("tenant-state/packages/CPIGitOps/integration-flows/CPIGitOps_SecurityMaterial/artifact.json")
            .exists()
    );
    // An unchanged tenant: nothing to commit, although the PKCS#12 bytes differ every time.
    let again = repo.export_ok().await;
    assert!(!again.changed, "{:?}", again.objects);
    assert!(again.commit.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_companion_cannot_read_keeps_gits_copy_and_is_listed() {
    let t = tenant().await;
    let repo = StateRepo::new(&t, Login::Basic, "");
    repo.export_ok().await;
    let kept = "tenant-state/security/oauth2-client-credentials/S4_OAuth.client-secret.age";
    let before = std::fs::read(repo.path().join(kept)).unwrap();
    t.switches(json!({"companion_unreadable": ["oauth2-client-credential"]}))
        .await;
    let r = t
        .send(Method::POST, "OAuth2ClientCredentials", Some(json!({"Name": "New_OAuth", "TokenServiceUrl": "https://t", "ClientId": "n", "ClientSecret": "new-secret"})))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let report = repo.export_ok().await;
    assert_eq!(report.companion, Companion::Used);
    assert_eq!(
        std::fs::read(repo.path().join(kept)).unwrap(),
        before,
        "git's copy is kept"
    );
    assert_eq!(
        report.missing_secrets,
        ["oauth2-client-credential/New_OAuth#client-secret"]
    );
    let warning = |object: &str| {
        report
            .warnings
            .iter()
            .find(|w| w.object == object)
            .map(|w| w.message.clone())
            .unwrap_or_else(|| panic!("a warning for {object}: {:?}", report.warnings))
    };
    let w = warning("oauth2-client-credential/S4_OAuth");
    assert!(
        w.contains("unreadable") && w.contains("git's copy is kept"),
        "{w}"
    );
    let w = warning("oauth2-client-credential/New_OAuth");
    assert!(
        w.contains("unreadable") && w.contains("cpi-gitops secret set"),
        "{w}"
    );
    // Every other secret still came from the tenant.
    assert_eq!(
        text(&repo, "security/user-credentials/ERP_Basic.password.age"),
        "pw-erp ü/+&=?\"#1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_without_the_companion_exports_as_before() {
    let t = Tenant::start(Seed::Empty).await;
    let dir = tempfile::tempdir().unwrap();
    create_secrets(&t, dir.path()).await;
    let repo = StateRepo::new(&t, Login::Basic, "");
    let report = repo.export_ok().await;
    assert_eq!(report.companion, Companion::Absent);
    assert_eq!(
        report.missing_secrets.len(),
        9,
        "{:?}",
        report.missing_secrets
    );
    assert!(
        report.warnings.iter().any(|w| w.object == "tenant"
            && w.message
                .contains("CPIGitOps_SecurityMaterial is not deployed")
            && w.message.contains("companion install")),
        "{:?}",
        report.warnings
    );
    let stats = t.stats().await;
    let runtime_calls: Vec<_> = stats["by_route"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.contains("/http/"))
        .collect();
    assert!(
        runtime_calls.is_empty(),
        "no request to the runtime: {runtime_calls:?}"
    );
    // Deployed but not running (the emulator's switch): 404 at its address, as before.
    install_companion(&t).await;
    t.switches(json!({"companion": false})).await;
    let report = repo.export_ok().await;
    assert_eq!(report.companion, Companion::Absent);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.object == "tenant" && w.message.contains("(404)")),
        "{:?}",
        report.warnings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companion_path_empty_exports_without_it() {
    let t = tenant().await;
    let repo = StateRepo::new(&t, Login::Basic, "companion_path = \"\"");
    let report = repo.export_ok().await;
    assert_eq!(report.companion, Companion::NotAsked);
    assert_eq!(report.missing_secrets.len(), 9);
}

/// A repository whose runtime is `fake` while its API is the emulator, with git holding the
/// secrets of a first export through the real companion.
async fn repo_with_fake_runtime(t: &Tenant, fake: &FakeRuntime) -> StateRepo {
    let repo = StateRepo::new(t, Login::Basic, "");
    repo.export_ok().await;
    let toml = std::fs::read_to_string(repo.path().join("cpi-gitops.toml")).unwrap();
    std::fs::write(
        repo.path().join("cpi-gitops.toml"),
        format!(
            "{toml}runtime_url = \"{}\"\ncompanion_path = \"/http/fake\"\n",
            fake.url
        ),
    )
    .unwrap();
    repo.commit_all("the fake runtime");
    repo
}

/// An export refused with nothing written; the error names the tenant.
async fn refused(
    t: &Tenant,
    answer: impl Fn(&Value) -> (u16, Value) + Send + Sync + 'static,
) -> String {
    let fake = FakeRuntime::start(answer).await;
    let repo = repo_with_fake_runtime(t, &fake).await;
    let head = repo.head();
    let files = repo.state_files();
    let e = repo.export().await.expect_err("the answer is refused");
    assert_eq!(repo.head(), head, "no commit");
    assert_eq!(
        repo.state_files(),
        files,
        "nothing written, the secrets in git kept"
    );
    assert!(repo.is_clean());
    let message = e.to_string();
    assert!(message.contains("tenant `primary`"), "{message}");
    message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_cannot_be_trusted_stop_the_export() {
    let t = tenant().await;
    // Does not decrypt: another key's envelope.
    let m = refused(&t, |req| {
        let other = cpi_gitops::wire::companion::crypto::RecipientKey::generate().unwrap();
        let other_req = json!({"public_key": other.public_key_base64().unwrap()});
        (200, sealed_to(&other_req, all_unreadable(req), 1))
    })
    .await;
    assert!(m.contains("does not decrypt"), "{m}");
    // Altered on the way.
    let m = refused(&t, |req| {
        let mut e = sealed_to(req, all_unreadable(req), 1);
        e["ciphertext"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        (200, e)
    })
    .await;
    assert!(m.contains("ciphertext does not decrypt"), "{m}");
    // Not an envelope at all.
    let m = refused(&t, |_| (200, json!({"status": "UP"}))).await;
    assert!(m.contains("not the protocol's envelope"), "{m}");
    // An unknown version.
    let m = refused(&t, |req| (200, sealed_to(req, all_unreadable(req), 7))).await;
    assert!(
        m.contains("speaks protocol 7") && m.contains("reads protocol 1"),
        "{m}"
    );
    // Objects not asked for: one renamed, one too many.
    let m = refused(&t, |req| {
        let mut items = all_unreadable(req);
        items[0]["name"] = json!("Somebody_Else");
        (200, sealed_to(req, items, 1))
    })
    .await;
    assert!(
        m.contains("answered what was not asked") && m.contains("Somebody_Else"),
        "{m}"
    );
    let m = refused(&t, |req| {
        let mut items = all_unreadable(req);
        items.as_array_mut().unwrap().push(json!({"kind": "user-credential", "name": "Extra", "status": "ok", "user": "u", "password": "p"}));
        (200, sealed_to(req, items, 1))
    })
    .await;
    assert!(m.contains("answers to"), "{m}");
    // `ok` without its secret.
    let m = refused(&t, |req| {
        let mut items = all_unreadable(req);
        items[0]["status"] = json!("ok");
        (200, sealed_to(req, items, 1))
    })
    .await;
    assert!(m.contains("is `ok` but has no"), "{m}");
    // A companion of another protocol version refuses the request.
    let m = refused(&t, |_| {
        (400, json!({"protocol": 0, "companion_version": "0.1.0", "error": "unsupported_protocol", "message": "This companion speaks protocol 0 only."}))
    })
    .await;
    assert!(
        m.contains("speaks protocol 0") && m.contains("0.1.0"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_1_with_what_to_do() {
    let t = tenant().await;
    let fake = FakeRuntime::start(|req| (200, sealed_to(req, all_unreadable(req), 9))).await;
    let repo = repo_with_fake_runtime(&t, &fake).await;
    let out = repo
        .command()
        .args(["export", "--tenant", "primary"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: the companion of tenant `primary`"),
        "{err}"
    );
    assert!(
        err.contains("hint: update the companion") || err.contains("hint: use a cpi-gitops"),
        "{err}"
    );
    assert!(
        err.contains("nothing was written: the secrets in git are kept"),
        "{err}"
    );
    assert!(repo.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_credentials_reach_the_companion() {
    let t = tenant().await;
    t.switches(json!({"runtime_users": {
        "exporter": {"password": "rt-pw", "roles": ["CPIGitOps.SecurityMaterial"]},
        "prober": {"password": "rt-pw", "roles": ["CPIGitOps.Ping"]}
    }}))
    .await;
    // A runtime user holding the role.
    let mut repo = StateRepo::new(&t, Login::Basic, "");
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_PRIMARY_USER", USER),
        ("CPI_PRIMARY_PASSWORD", PASSWORD),
        ("CPI_PRIMARY_RUNTIME_USER", "exporter"),
        ("CPI_PRIMARY_RUNTIME_PASSWORD", "rt-pw"),
    ]);
    let report = repo.export_ok().await;
    assert_eq!(report.companion, Companion::Used);
    assert!(report.missing_secrets.is_empty());
    // A runtime OAuth client (an integration-flow service key) holding the role.
    let key = json!({"oauth": {"clientid": "exporter", "clientsecret": "rt-pw", "tokenurl": format!("{}/oauth/token", t.handle.url()), "url": t.handle.url()}});
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_PRIMARY_USER", USER.to_string()),
        ("CPI_PRIMARY_PASSWORD", PASSWORD.to_string()),
        ("CPI_PRIMARY_RUNTIME_SERVICE_KEY", key.to_string()),
    ]);
    t.send(
        Method::PUT,
        "SecureParameters('Bank_API_Key')",
        Some(json!({"Name": "Bank_API_Key", "SecureParam": "rotated"})),
    )
    .await;
    let report = repo.export_ok().await;
    assert_eq!(report.companion, Companion::Used);
    assert_eq!(
        text(&repo, "security/secure-parameters/Bank_API_Key.value.age"),
        "rotated"
    );
    assert!(
        report
            .objects
            .iter()
            .any(|o| o.id == "secure-parameter/Bank_API_Key" && o.outcome == Change::Changed)
    );
    // A runtime user without the role: refused, with what to do.
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_PRIMARY_USER", USER),
        ("CPI_PRIMARY_PASSWORD", PASSWORD),
        ("CPI_PRIMARY_RUNTIME_USER", "prober"),
        ("CPI_PRIMARY_RUNTIME_PASSWORD", "rt-pw"),
    ]);
    let e = repo.export().await.expect_err("403");
    let e = e.to_string();
    assert!(
        e.contains("refused the request") && e.contains("(403)"),
        "{e}"
    );
}
