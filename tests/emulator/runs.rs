//! The runtime's own starts and a region that is down: started timers and pollers run once per
//! `POST /admin/tick`, logged per tick in `/admin/stats`; the `down` switch makes a tenant
//! unreachable while it keeps its state (and its running flows).

use crate::assert_status;
use crate::common::Tenant;
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::{Value, json};

async fn tick(t: &Tenant) -> Vec<String> {
    let r = t.admin(Method::POST, "tick", None).await;
    assert_status!(r, 200, "a tick answers which flows ran");
    r.json()["ran"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn started_timers_and_pollers_run_once_per_tick_until_undeployed() {
    let t = Tenant::start(Seed::Demo).await;
    let both = vec!["Bank_Statements_SFTP_Poll", "Orders_Replicate_Timer"];
    assert_eq!(tick(&t).await, both, "push flows never run on a tick");
    assert_eq!(tick(&t).await, both);
    let r = t
        .send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('Orders_Replicate_Timer')",
            None,
        )
        .await;
    assert_status!(r, 202, "undeploy");
    // A flow runs until its undeploy is done (STOPPING for deploy_steps observations).
    let mut ticks = 0;
    while tick(&t).await.len() == 2 {
        ticks += 1;
        assert!(ticks < 10, "the undeploy finishes");
    }
    assert_eq!(tick(&t).await, vec!["Bank_Statements_SFTP_Poll"]);
    let stats = t.stats().await;
    let runs = &stats["runs"];
    assert_eq!(runs["ticks"], json!(ticks + 4));
    assert_eq!(
        runs["per_flow"]["Bank_Statements_SFTP_Poll"],
        json!(ticks + 4)
    );
    assert_eq!(runs["per_flow"]["Orders_Replicate_Timer"], json!(ticks + 2));
    let log = runs["log"].as_array().unwrap();
    assert_eq!(log.len() as u64, ticks + 4);
    assert_eq!(log[0], json!({"tick": 1, "ran": both}));
    t.admin(Method::DELETE, "stats", None).await;
    assert_eq!(t.stats().await["runs"]["ticks"], json!(0), "stats reset");
}

#[tokio::test]
async fn a_tenant_that_is_down_refuses_connections_and_keeps_its_state() {
    let t = Tenant::start(Seed::Demo).await;
    let before = t.dump().await;
    t.switches(json!({"down": true})).await;
    let api = t
        .http
        .get(t.api("IntegrationPackages"))
        .basic_auth(crate::common::USER, Some(crate::common::PASSWORD))
        .send()
        .await;
    assert!(api.is_err(), "the API is unreachable: {api:?}");
    let ping = t
        .http
        .get(format!("{}/http/ping", t.handle.url()))
        .send()
        .await;
    assert!(ping.is_err(), "so is the runtime: {ping:?}");
    assert_eq!(
        t.dump().await,
        before,
        "the admin API answers, the state is kept"
    );
    assert_eq!(
        tick(&t).await.len(),
        2,
        "a region cut off from the network may still be polling"
    );
    assert_eq!(t.stats().await["faults"]["down"], json!(2));
    t.switches(json!({"down": false})).await;
    let r = t.get("IntegrationPackages").await;
    assert_status!(r, 200, "back up");
    assert!(matches!(r.json()["d"]["results"], Value::Array(_)));
}
