//! Switches and the admin API: rule 12.15 (rate limiting), seeded faults, latency, page cap
//! (in protocol.rs), reset/seed/dump/stats, `--data` persistence, the generated seed's quirks,
//! and the `cpi-gitops emulator` command itself.

use crate::assert_status;
use crate::common::{PASSWORD, Tenant, USER, config};
use cpi_gitops::emulator::{EmulatorConfig, Seed};
use cpi_gitops::wire::artifact::manifest::Manifest;
use cpi_gitops::wire::artifact::zip::read;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn rule_12_15_rate_limit_answers_429_with_retry_after() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"rate_limit": 2, "retry_after_secs": 7}))
        .await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(t.get("IntegrationPackages").await);
    }
    let limited = statuses
        .iter()
        .find(|r| r.status == 429)
        .expect("12.15 the third request in a second is refused");
    assert_eq!(
        limited.header("retry-after").as_deref(),
        Some("7"),
        "12.15 429 carries Retry-After"
    );
}

#[tokio::test]
async fn fail_routes_answers_one_route_with_the_given_status() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"fail_routes": {"GET IntegrationPackages(..)": 500}}))
        .await;
    let r = t.get("IntegrationPackages('Orders')").await;
    assert_status!(r, 500, "fail_routes: the named route fails");
    assert!(
        r.error_message().contains("fail_routes"),
        "with an OData error body that says why"
    );
    assert_status!(
        t.get("IntegrationPackages").await,
        200,
        "other routes are served"
    );
    t.switches(json!({"fail_routes": {}})).await;
    assert_status!(
        t.get("IntegrationPackages('Orders')").await,
        200,
        "and it can be lifted"
    );
}

#[tokio::test]
async fn faults_are_injected_as_configured_and_repeatable() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"fault_503": 1.0})).await;
    assert_status!(t.get("IntegrationPackages").await, 503, "faults: 503");
    t.switches(json!({"fault_503": 0.0, "fault_429": 1.0, "retry_after_secs": 3}))
        .await;
    let r = t.get("IntegrationPackages").await;
    assert_status!(r, 429, "faults: 429");
    assert_eq!(
        r.header("retry-after").as_deref(),
        Some("3"),
        "faults: 429 with Retry-After"
    );
    t.switches(json!({"fault_429": 0.0, "fault_reset": 1.0}))
        .await;
    let reset = t
        .http
        .get(t.api("IntegrationPackages"))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await;
    assert!(
        reset.is_err(),
        "faults: the connection is closed without an answer"
    );
    assert_status!(
        t.admin(Method::GET, "stats", None).await,
        200,
        "faults never touch /admin"
    );

    let sequence = |seed: u64| async move {
        let t = Tenant::start(Seed::Empty).await;
        t.switches(json!({"fault_503": 0.5, "fault_seed": seed}))
            .await;
        let mut out = Vec::new();
        for _ in 0..16 {
            out.push(t.get("").await.status.as_u16());
        }
        out
    };
    let (a, b) = (sequence(42).await, sequence(42).await);
    assert_eq!(a, b, "faults: the same seed gives the same faults");
    assert!(
        a.contains(&503) && a.contains(&200),
        "faults: a rate of 0.5 gives both: {a:?}"
    );
    let stats = t.stats().await;
    assert!(
        stats["faults"]["reset"].as_u64().unwrap() >= 1,
        "stats count injected faults"
    );
}

#[tokio::test]
async fn latency_lets_requests_overlap_and_stats_see_it() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"latency_ms": 100})).await;
    t.admin(Method::DELETE, "stats", None).await;
    let requests: Vec<_> = (0..6).map(|_| t.get("IntegrationPackages")).collect();
    let replies = futures_join(requests).await;
    assert!(replies.iter().all(|r| r.status == 200));
    let stats = t.stats().await;
    assert_eq!(stats["requests"], 6, "stats count requests");
    assert_eq!(
        stats["by_route"]["GET IntegrationPackages"], 6,
        "stats count per route"
    );
    assert!(
        stats["max_in_flight"].as_u64().unwrap() >= 2,
        "stats record the highest number in flight: {stats}"
    );
}

async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    // Poll all concurrently on this task.
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

#[tokio::test]
async fn admin_reset_seed_and_dump() {
    let t = Tenant::start(Seed::Demo).await;
    let dump = t.dump().await;
    assert!(
        dump["artifacts"]["Orders_Inbound_HTTPS"]["files"]["src/main/resources/parameters.prop"]["Timeout"]
            == "120000",
        "dump: parameters.prop as its values, configured ones written back"
    );
    assert!(
        dump["artifacts"]["Orders_Inbound_HTTPS"]["files"]["META-INF/MANIFEST.MF"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"),
        "dump: files as digests"
    );
    assert_eq!(
        dump["runtime"]["Health_Ping"]["live"]["status"], "STARTED",
        "dump: runtime state"
    );
    assert!(
        dump["user_credentials"]["ERP_Basic"]["Password"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"),
        "dump: secrets as digests"
    );
    let text = t.admin(Method::GET, "dump", None).await.text();
    assert_eq!(
        text,
        cpi_gitops::wire::canonical::to_string(&dump),
        "dump: canonical JSON"
    );
    t.admin(Method::POST, "reset", None).await;
    assert_eq!(
        t.results("IntegrationPackages").await.len(),
        0,
        "admin: reset empties the tenant"
    );
    t.admin(Method::POST, "seed", Some(json!({"seed": "demo"})))
        .await;
    assert_eq!(
        t.results("IntegrationPackages").await.len(),
        6,
        "admin: seed loads a seed"
    );
    let other = Tenant::start(Seed::Demo).await;
    assert_eq!(
        t.dump().await,
        other.dump().await,
        "dump: two tenants with the same state dump equal"
    );
}

#[tokio::test]
async fn data_file_keeps_state_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenant.json");
    let cfg = || EmulatorConfig {
        data_file: Some(file.clone()),
        ..config(Seed::Demo)
    };
    {
        let t = Tenant::with(cfg()).await;
        let r = t
            .send(
                Method::POST,
                "StringParameters",
                Some(json!({"Pid": "ACME", "Id": "Persisted", "Value": "yes"})),
            )
            .await;
        assert_status!(r, 201, "write before restart");
    }
    let t = Tenant::with(EmulatorConfig {
        seed: Seed::Empty,
        ..cfg()
    })
    .await;
    assert_eq!(
        t.get_json("StringParameters(Pid='ACME',Id='Persisted')")
            .await["d"]["Value"],
        "yes",
        "--data keeps the state across restarts"
    );
    std::fs::write(&file, b"{broken").unwrap();
    let err = cpi_gitops::emulator::start(cfg())
        .await
        .err()
        .expect("a broken data file is an error");
    assert!(
        err.to_string().contains("tenant.json"),
        "the error names the file: {err}"
    );
}

#[tokio::test]
async fn generated_seed_has_realistic_quirks() {
    let t = Tenant::start("generate:2:30:5".parse().unwrap()).await;
    let packages = t.results("IntegrationPackages").await;
    assert_eq!(packages.len(), 2, "generate: package count");
    let mut total = 0;
    let mut saw = (false, false, false, false, false);
    for p in &packages {
        let id = p["Id"].as_str().unwrap();
        for set in [
            "IntegrationDesigntimeArtifacts",
            "ValueMappingDesigntimeArtifacts",
            "MessageMappingDesigntimeArtifacts",
            "ScriptCollectionDesigntimeArtifacts",
        ] {
            for a in t
                .results(&format!("IntegrationPackages('{id}')/{set}"))
                .await
            {
                total += 1;
                let zip = t.download(set, a["Id"].as_str().unwrap()).await;
                for e in read(&zip).unwrap() {
                    if e.name == "META-INF/MANIFEST.MF" {
                        let text = String::from_utf8_lossy(&e.data).to_string();
                        assert!(
                            text.split("\r\n").all(|l| l.len() <= 72),
                            "generate: manifests wrapped at 72 bytes"
                        );
                        assert!(Manifest::parse(&e.data).symbolic_name().is_some());
                        if text.contains("Import-Service: \r\n") {
                            saw.0 = true;
                        }
                    }
                    saw.1 |= e.data.starts_with(&[0xEF, 0xBB, 0xBF]);
                    saw.2 |= e.name.ends_with(".jar");
                    saw.3 |= e.name.ends_with('/');
                    saw.4 |= e.data.windows(10).any(|w| w == b"ISO-8859-1");
                }
            }
        }
    }
    assert_eq!(total, 30, "generate: artifact count");
    assert_eq!(
        saw,
        (true, true, true, true, true),
        "generate: trailing-space headers, BOMs, jars, directory entries and ISO-8859-1 XML all occur"
    );
}

#[test]
fn the_emulator_command_prints_its_real_port_and_serves() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "demo",
            "--user",
            "u1",
            "--password",
            "p1",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "the banner names the real port: {first}"
    );
    let rest: Vec<String> = lines.by_ref().take(4).map(|l| l.unwrap()).collect();
    assert!(
        rest.iter().any(|l| l.contains("user `u1`, password `p1`")),
        "the banner names the credentials: {rest:?}"
    );
    let status = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-u",
            "u1:p1",
            &format!("{url}/api/v1/IntegrationPackages"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string());
    let _ = child.kill();
    let _ = child.wait();
    if let Ok(code) = status {
        assert_eq!(code, "200", "the command serves the API");
    }
}
