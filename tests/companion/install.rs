//! `companion install`: creates, configures, deploys and starts; changes nothing when run again;
//! updates an older unmodified companion; refuses a package with other content unless forced.

use super::support::{b64, client, install_companion, options};
use crate::common::{PASSWORD, Tenant, USER};
use cpi_gitops::companion::install::{InstallError, install};
use cpi_gitops::companion::releases::Release;
use cpi_gitops::companion::{Settings, zips};
use cpi_gitops::emulator::Seed;
use cpi_gitops::wire::artifact::zip::{self, DosTime, Entry};
use cpi_gitops::wire::companion::source::{self, Flow};
use cpi_gitops::wire::companion::{PACKAGE_ID, PING_FLOW};
use reqwest::Method;
use serde_json::json;

async fn http(t: &Tenant, method: Method, path: &str) -> u16 {
    t.raw(
        t.http
            .request(method, format!("{}/http{path}", t.handle.url()))
            .basic_auth(USER, Some(PASSWORD))
            .body("{}"),
    )
    .await
    .status
    .as_u16()
}

async fn runtime_status(t: &Tenant, id: &str) -> String {
    t.get_json(&format!("IntegrationRuntimeArtifacts('{id}')"))
        .await["d"]["Status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn install_creates_deploys_and_a_second_run_changes_nothing() {
    let t = Tenant::start(Seed::Empty).await;
    assert_eq!(http(&t, Method::GET, "/cpi-gitops/ping").await, 404);
    let first = install_companion(&t).await;
    assert!(first.changed);
    assert_eq!(first.found, "none");
    assert_eq!(first.version, "1.0.0");
    let done: Vec<String> = first
        .actions
        .iter()
        .map(|a| format!("{}: {}", a.object, a.done))
        .collect();
    for want in [
        "package/CPIGitOps: created",
        "integration-flow/CPIGitOps_SecurityMaterial: created 1.0.0",
        "integration-flow/CPIGitOps_SecurityMaterial: deployed 1.0.0, STARTED",
        "integration-flow/CPIGitOps_Ping: created 1.0.0",
        "integration-flow/CPIGitOps_Ping: deployed 1.0.0, STARTED",
    ] {
        assert!(done.contains(&want.to_string()), "{want} in {done:?}");
    }
    for id in ["CPIGitOps_SecurityMaterial", "CPIGitOps_Ping"] {
        assert_eq!(runtime_status(&t, id).await, "STARTED", "{id}");
    }
    assert_eq!(http(&t, Method::GET, "/cpi-gitops/ping").await, 200);
    assert_eq!(
        first.endpoints[0].url,
        format!("{}/http/cpi-gitops/security-material", t.handle.url())
    );
    assert_eq!(first.endpoints[0].role, "CPIGitOps.SecurityMaterial");
    assert_eq!(first.endpoints[1].role, "CPIGitOps.Ping");

    t.admin(Method::DELETE, "stats", None).await;
    let second = install_companion(&t).await;
    assert!(!second.changed, "{:?}", second.actions);
    assert!(second.actions.is_empty());
    assert_eq!(second.found, "current");
    let stats = t.stats().await;
    let writes: Vec<_> = stats["by_route"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with("GET "))
        .collect();
    assert!(
        writes.is_empty(),
        "a second install writes nothing: {writes:?}"
    );
}

#[tokio::test]
async fn install_sets_the_addresses_and_roles_it_is_given() {
    let t = Tenant::start(Seed::Empty).await;
    install_companion(&t).await;
    let custom = Settings {
        address: "/ops/secrets".into(),
        role: "Ops.Secrets".into(),
        ping_address: "/ops/ping".into(),
        ping_role: "Ops.Ping".into(),
    };
    let report = install(&client(&t), &options(&t, custom.clone(), false))
        .await
        .unwrap();
    assert!(report.changed);
    assert!(
        report
            .actions
            .iter()
            .any(|a| a.done == "configured SenderAddress = /ops/secrets, SenderRole = Ops.Secrets"),
        "{:?}",
        report.actions
    );
    assert_eq!(http(&t, Method::GET, "/ops/ping").await, 200);
    assert_eq!(http(&t, Method::GET, "/cpi-gitops/ping").await, 404);
    assert_eq!(
        report.endpoints[1].url,
        format!("{}/http/ops/ping", t.handle.url())
    );
    // The role is enforced: a runtime user with the old role is refused.
    t.switches(json!({"runtime_users": {"p": {"password": "x", "roles": ["CPIGitOps.Ping"]}, "q": {"password": "x", "roles": ["Ops.Ping"]}}})).await;
    let as_user = |user: &'static str| {
        t.http
            .get(format!("{}/http/ops/ping", t.handle.url()))
            .basic_auth(user, Some("x"))
    };
    assert_eq!(t.raw(as_user("p")).await.status, 403);
    assert_eq!(t.raw(as_user("q")).await.status, 200);
    let again = install(&client(&t), &options(&t, custom, false))
        .await
        .unwrap();
    assert!(!again.changed);
}

/// Uploads `flow` with `edit` applied to its files into the package, as someone else would.
async fn upload_edited(
    t: &Tenant,
    flow: &Flow,
    edit: impl Fn(&str, &mut Vec<u8>),
) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = zips::entries(flow)
        .into_iter()
        .filter(|e| !e.is_dir())
        .map(|e| (e.name, e.data))
        .collect();
    for (path, bytes) in files.iter_mut() {
        edit(path, bytes);
    }
    let entries: Vec<Entry> = files
        .iter()
        .map(|(p, b)| Entry::file(p.clone(), b.clone()))
        .collect();
    let bytes = zip::write(&entries, DosTime::from_epoch_ms(1_700_000_000_000)).unwrap();
    let r = t
        .send(
            Method::PUT,
            &format!(
                "IntegrationDesigntimeArtifacts(Id='{}',Version='active')",
                flow.fields.id
            ),
            Some(json!({"Name": flow.fields.name, "ArtifactContent": b64(&bytes)})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    files
}

fn older(path: &str, bytes: &mut Vec<u8>) {
    if path.ends_with("Ping.groovy") {
        *bytes = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("'1.0.0'", "'0.9.0'")
            .into_bytes();
    }
    if path == "META-INF/MANIFEST.MF" {
        *bytes = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("Bundle-Version: 1.0.0", "Bundle-Version: 0.9.0")
            .into_bytes();
    }
}

#[tokio::test]
async fn an_older_unmodified_companion_is_updated_without_force() {
    let t = Tenant::start(Seed::Empty).await;
    install_companion(&t).await;
    let package = source::package().unwrap();
    let ping = package.flow(PING_FLOW).unwrap();
    let old = upload_edited(&t, ping, older).await;
    let digest = source::digest(old.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    let digest: &'static str = Box::leak(digest.into_boxed_str());
    let mut releases = cpi_gitops::companion::releases::RELEASES.to_vec();
    releases.insert(
        0,
        Release {
            version: "0.9.0",
            flow: PING_FLOW,
            digest,
        },
    );
    let mut opts = options(&t, Settings::default(), false);
    opts.releases = Box::leak(releases.into_boxed_slice());
    let report = install(&client(&t), &opts)
        .await
        .expect("updated without --force");
    assert_eq!(report.found, "0.9.0");
    assert!(
        report
            .actions
            .iter()
            .any(|a| a.object == "integration-flow/CPIGitOps_Ping"
                && a.done == "updated from 0.9.0 to 1.0.0"),
        "{:?}",
        report.actions
    );
    assert!(report.forced.is_empty());
    assert!(!install(&client(&t), &opts).await.unwrap().changed);
}

#[tokio::test]
async fn a_package_with_other_content_is_refused_unless_forced() {
    let t = Tenant::start(Seed::Empty).await;
    install_companion(&t).await;
    let package = source::package().unwrap();
    upload_edited(&t, package.flow(PING_FLOW).unwrap(), |path, bytes| {
        if path.ends_with("Ping.groovy") {
            bytes.extend_from_slice(b"\n// edited on the tenant\n");
        }
    })
    .await;
    let other = crate::common::flow_zip("Team_Flow", "1.0.0", &[], "");
    let r = t
        .send(Method::POST, "IntegrationDesigntimeArtifacts", Some(json!({"Id": "Team_Flow", "Name": "Team Flow", "PackageId": PACKAGE_ID, "ArtifactContent": b64(&other)})))
        .await;
    assert!(r.status.is_success(), "{}", r.text());

    let e = install(&client(&t), &options(&t, Settings::default(), false))
        .await
        .expect_err("refused without --force");
    let InstallError::Modified { differences, .. } = &e else {
        panic!("{e}");
    };
    assert!(
        differences.contains(&"integration-flow/CPIGitOps_Ping: src/main/resources/script/Ping.groovy differs from companion 1.0.0".to_string()),
        "{differences:?}"
    );
    assert!(
        differences.contains(&"package CPIGitOps holds integration-flow Team_Flow, which is not part of the companion".to_string()),
        "{differences:?}"
    );
    let forced = install(&client(&t), &options(&t, Settings::default(), true))
        .await
        .expect("--force");
    assert_eq!(forced.found, "modified");
    assert_eq!(forced.forced.len(), 2, "{:?}", forced.forced);
    assert!(
        forced
            .actions
            .iter()
            .any(|a| a.done == "replaced with 1.0.0 (--force)")
    );
    // Our flow is ours again; the team's flow is left as it is (and keeps the refusal away only
    // with --force).
    let again = install(&client(&t), &options(&t, Settings::default(), true))
        .await
        .unwrap();
    assert!(!again.changed, "{:?}", again.actions);
}

#[tokio::test]
async fn a_flow_of_ours_in_another_package_is_refused() {
    let t = Tenant::start(Seed::Empty).await;
    let r = t
        .send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"Id": "Elsewhere", "Name": "Elsewhere", "ShortText": "Another team's"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let package = source::package().unwrap();
    let ping = package.flow(PING_FLOW).unwrap();
    let r = t
        .send(Method::POST, "IntegrationDesigntimeArtifacts", Some(json!({"Id": PING_FLOW, "Name": "Ping", "PackageId": "Elsewhere", "ArtifactContent": b64(&zips::zip(ping).unwrap())})))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let e = install(&client(&t), &options(&t, Settings::default(), true))
        .await
        .expect_err("in another package");
    assert!(
        e.to_string()
            .contains("CPIGitOps_Ping in package Elsewhere"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_flags_are_checked_before_anything_is_written() {
    let t = Tenant::start(Seed::Empty).await;
    let repo = crate::common::repo::StateRepo::new(&t, crate::common::repo::Login::Basic, "");
    t.admin(Method::DELETE, "stats", None).await;
    for args in [
        vec!["--role", "ESBMessaging.send"],
        vec!["--address", "/http/cpi-gitops/x"],
        vec!["--ping-address", "/cpi-gitops/security-material"],
        vec!["--address", "no-slash"],
    ] {
        let out = repo
            .command()
            .args(["companion", "install", "--tenant", "primary"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("nothing was changed"), "{args:?}: {err}");
    }
    assert_eq!(
        t.stats().await["requests"],
        0,
        "nothing was asked of the tenant"
    );
    // A refusal through the binary names the differences and --force.
    install_companion(&t).await;
    let package = source::package().unwrap();
    upload_edited(&t, package.flow(PING_FLOW).unwrap(), |path, bytes| {
        if path.ends_with("Ping.groovy") {
            bytes.push(b'\n');
        }
    })
    .await;
    let out = repo
        .command()
        .args(["companion", "install", "--tenant", "primary"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to install the companion on tenant `primary`")
            && err.contains("caused by: integration-flow/CPIGitOps_Ping: src/main/resources/script/Ping.groovy differs from companion 1.0.0")
            && err.contains("--force"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_install_the_companion_is_ordinary_content_that_apply_puts_on_the_twin() {
    use cpi_gitops::wire::companion::crypto::RecipientKey;
    use cpi_gitops::wire::companion::{Answers, Envelope};
    // The demo primary runs the companion; the pair exported it into git.
    let p = crate::common::pair::Pair::new(Seed::Empty).await;
    assert!(
        p.repo
            .path()
            .join("tenant-state/packages/CPIGitOps/integration-flows/CPIGitOps_Ping/artifact.json")
            .exists()
    );
    assert_eq!(
        http(&p.secondary, Method::GET, "/cpi-gitops/ping").await,
        404
    );
    p.restore();
    assert_eq!(
        http(&p.secondary, Method::GET, "/cpi-gitops/ping").await,
        200
    );
    // The twin's companion reveals the secrets apply wrote there.
    let key = RecipientKey::generate().unwrap();
    let r = p
        .secondary
        .raw(
            p.secondary
                .http
                .post(format!("{}/http/cpi-gitops/security-material", p.secondary.handle.url()))
                .basic_auth(USER, Some(PASSWORD))
                .json(&json!({"protocol": 1, "public_key": key.public_key_base64().unwrap(), "items": [{"kind": "user-credential", "name": "ERP_Basic"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let envelope: Envelope = serde_json::from_slice(&r.body).unwrap();
    let answers: Answers = serde_json::from_slice(&key.open(&envelope, 1).unwrap()).unwrap();
    assert_eq!(
        answers.items[0].password.as_ref().unwrap().expose(),
        "demo-erp-password"
    );
    // And it is the companion as install leaves it: nothing to change.
    let report = install(
        &client(&p.secondary),
        &options(&p.secondary, Settings::default(), false),
    )
    .await
    .unwrap();
    assert!(!report.changed, "{:?}", report.actions);
}
