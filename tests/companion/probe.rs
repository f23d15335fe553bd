//! `cpi-gitops probe`, through the binary against emulated tenants and stand-in runtimes: healthy
//! and not, unreachable, expected statuses, runtime users and roles, and `--watch` reporting the
//! moments a traffic manager would mark the endpoint degraded and recovered.

use super::support::{FakeRuntime, install_companion};
use crate::common::Tenant;
use crate::common::repo::{Login, StateRepo};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn probe(repo: &StateRepo, args: &[&str]) -> Run {
    let out = repo
        .command()
        .args(["probe", "--tenant", "primary"])
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_is_healthy_while_the_ping_runs_and_not_after_it_is_undeployed() {
    let t = Tenant::start(Seed::Empty).await;
    install_companion(&t).await;
    let repo = StateRepo::new(&t, Login::Basic, "");
    let r = probe(&repo, &[]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("/http/cpi-gitops/ping: 200 in") && r.stdout.contains("healthy"),
        "{}",
        r.stdout
    );
    let r = probe(&repo, &["--format", "json"]);
    assert_eq!(r.code, Some(0));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["healthy"], true);
    assert_eq!(doc["probe"]["status"], 200);
    assert_eq!(doc["expect"], "200-299");

    let undeployed = t
        .send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('CPIGitOps_Ping')",
            None,
        )
        .await;
    assert!(undeployed.status.is_success(), "{}", undeployed.text());
    t.admin(Method::POST, "settle", None).await;
    let r = probe(&repo, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(
        r.stdout.contains("404") && r.stdout.contains("FAILED"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("expected 200-299"), "{}", r.stdout);
    // What counts as healthy is the caller's to say.
    assert_eq!(probe(&repo, &["--expect", "404"]).code, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_or_silent_tenant_is_not_healthy() {
    let t = Tenant::start(Seed::Empty).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let repo = StateRepo::new(
        &t,
        Login::Basic,
        &format!("runtime_url = \"http://{closed}\""),
    );
    let r = probe(&repo, &[]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stdout.contains("no answer") && r.stdout.contains("FAILED"),
        "{}",
        r.stdout
    );

    // A listener that never answers: connections wait in its backlog.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let repo = StateRepo::new(
        &t,
        Login::Basic,
        &format!(
            "runtime_url = \"http://{}\"\nprobe_timeout_secs = 1",
            silent.local_addr().unwrap()
        ),
    );
    let r = probe(&repo, &["--timeout", "300ms"]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stdout.contains("no answer"), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_uses_the_configured_path_and_expected_statuses() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(
        &t,
        Login::Basic,
        "probe_path = \"/http/ping\"\nprobe_expect = \"200\"",
    );
    let r = probe(&repo, &[]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(r.stdout.contains("/http/ping: 200"), "{}", r.stdout);
    let repo = StateRepo::new(&t, Login::Basic, "probe_expect = \"201-299\"");
    let r = probe(&repo, &[]);
    assert_eq!(
        r.code,
        Some(1),
        "the demo ships the companion's ping: {}",
        r.stdout
    );
    let repo = StateRepo::new(&t, Login::Basic, "probe_expect = \"2xx\"");
    let r = probe(&repo, &[]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("probe_expect of [tenants.primary]"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_uses_the_runtime_credentials_and_needs_the_role() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"runtime_users": {
        "probe": {"password": "pp", "roles": ["CPIGitOps.Ping"]},
        "other": {"password": "pp", "roles": ["Something.Else"]}
    }}))
    .await;
    let mut repo = StateRepo::new(&t, Login::Basic, "");
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_PRIMARY_RUNTIME_USER", "probe"),
        ("CPI_PRIMARY_RUNTIME_PASSWORD", "pp"),
    ]);
    assert_eq!(
        probe(&repo, &[]).code,
        Some(0),
        "a role-restricted user, no API credentials"
    );
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_PRIMARY_RUNTIME_CLIENT_ID", "probe"),
        ("CPI_PRIMARY_RUNTIME_CLIENT_SECRET", "pp"),
    ]);
    let oauth = StateRepo::new(&t, Login::OAuth, "");
    let mut oauth = oauth;
    oauth.env = repo.env.clone();
    assert_eq!(
        probe(&oauth, &[]).code,
        Some(0),
        "an OAuth client of the runtime"
    );
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_PRIMARY_RUNTIME_USER", "other"),
        ("CPI_PRIMARY_RUNTIME_PASSWORD", "pp"),
    ]);
    let r = probe(&repo, &[]);
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.contains("403"), "{}", r.stdout);
    // A runtime user's token does not open the API.
    let token = t
        .raw(
            t.http
                .post(t.handle.token_url())
                .basic_auth("probe", Some("pp"))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let api = t
        .raw(t.http.get(t.api("IntegrationPackages")).bearer_auth(token))
        .await;
    assert_eq!(api.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reports_when_the_endpoint_degrades_and_recovers() {
    let t = Tenant::start(Seed::Empty).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    // Probes 2, 3 and 4 fail, the others answer.
    let runtime = FakeRuntime::start(move |_| {
        let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
        if (2..=4).contains(&n) {
            (503, json!({}))
        } else {
            (200, json!({"status": "UP"}))
        }
    })
    .await;
    let repo = StateRepo::new(
        &t,
        Login::Basic,
        &format!("runtime_url = \"{}\"", runtime.url),
    );
    let r = probe(
        &repo,
        &[
            "--watch",
            "--interval",
            "0s",
            "--tolerated-failures",
            "2",
            "--count",
            "6",
        ],
    );
    assert_eq!(r.code, Some(0), "healthy at the end: {}", r.stdout);
    assert!(r.stdout.contains("#4 503"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("DEGRADED at probe 4: 3 consecutive failures, more than the 2 tolerated"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("RECOVERED at probe 5"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("is healthy at the end: 6 probes, 3 failed"),
        "{}",
        r.stdout
    );
    assert_eq!(calls.load(Ordering::SeqCst), 6);

    // Degraded at the end: exit 1; the JSON document has every probe and event.
    calls.store(0, Ordering::SeqCst);
    let r = probe(
        &repo,
        &[
            "--watch",
            "--interval",
            "0s",
            "--tolerated-failures",
            "1",
            "--count",
            "3",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["degraded"], true);
    assert_eq!(doc["probes"].as_array().unwrap().len(), 3);
    assert_eq!(
        doc["events"],
        json!([{"event": "degraded", "probe": 3, "failures": 2}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_flags_are_checked() {
    let t = Tenant::start(Seed::Empty).await;
    let repo = StateRepo::new(&t, Login::Basic, "");
    for args in [
        vec!["--interval", "1s"],
        vec!["--count", "2"],
        vec!["--watch", "--count", "0"],
        vec!["--watch", "--interval", "soon", "--count", "1"],
        vec!["--timeout", "-1s"],
        vec!["--expect", "abc"],
    ] {
        let r = probe(&repo, &args);
        assert_eq!(r.code, Some(1), "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(!r.stderr.is_empty(), "{args:?}: an error message");
    }
    // With --format json, a refusal after parsing is an error document on stdout.
    let r = probe(&repo, &["--watch", "--format", "json"]);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["command"], "probe", "{doc}");
    assert_eq!(doc["error"]["kind"], "user", "{doc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_needs_no_repository_with_config() {
    let t = Tenant::start(Seed::Demo).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("probe.toml");
    std::fs::write(
        &config,
        format!("[tenants.dr]\nurl = \"{}\"\n", t.handle.url()),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .current_dir(dir.path())
        .env_clear()
        .env("CPI_DR_USER", crate::common::USER)
        .env("CPI_DR_PASSWORD", crate::common::PASSWORD)
        .arg("--config")
        .arg(&config)
        .args(["probe", "--tenant", "dr"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A workflow matrix job holds one tenant's key under unprefixed names (`CPI_USER`, ...): the
/// tenant named on the command line uses them over HTTP, the runtime ones included, and a
/// complete prefixed set wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprefixed_credentials_reach_the_tenant_named_and_the_prefixed_win() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"runtime_users": {
        "probe": {"password": "pp", "roles": ["CPIGitOps.Ping"]}
    }}))
    .await;
    let mut repo = StateRepo::new(&t, Login::Basic, "");
    let plan = |repo: &StateRepo| {
        repo.command()
            .args(["plan", "--tenant", "primary"])
            .output()
            .unwrap()
    };
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_USER", crate::common::USER),
        ("CPI_PASSWORD", crate::common::PASSWORD),
    ]);
    let out = plan(&repo);
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan reads the tenant with unprefixed Basic credentials: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_USER", crate::common::USER),
        ("CPI_PASSWORD", "wrong"),
        ("CPI_PRIMARY_USER", crate::common::USER),
        ("CPI_PRIMARY_PASSWORD", crate::common::PASSWORD),
    ]);
    assert_eq!(plan(&repo).status.code(), Some(0), "the prefixed names win");
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_USER", crate::common::USER),
        ("CPI_PASSWORD", "wrong"),
    ]);
    let out = plan(&repo);
    assert_eq!(out.status.code(), Some(1), "the unprefixed ones are used");
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_USER", crate::common::USER),
        ("CPI_PASSWORD", crate::common::PASSWORD),
        ("CPI_RUNTIME_USER", "probe"),
        ("CPI_RUNTIME_PASSWORD", "pp"),
    ]);
    assert_eq!(probe(&repo, &[]).code, Some(0), "unprefixed runtime user");
    repo.env = cpi_gitops::config::Env::from_pairs([
        ("CPI_USER", crate::common::USER),
        ("CPI_PASSWORD", crate::common::PASSWORD),
        ("CPI_RUNTIME_USER", "probe"),
        ("CPI_RUNTIME_PASSWORD", "wrong"),
    ]);
    assert_eq!(
        probe(&repo, &[]).code,
        Some(1),
        "the runtime calls used the unprefixed runtime user, not the API's"
    );
}
