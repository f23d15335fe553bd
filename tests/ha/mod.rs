//! High availability over HTTP against two emulated tenants: a passive twin that holds back the
//! flows that start by themselves, the role check, failover (fence, deploy, record), and export
//! after a failover.

mod badinput;
mod docs;
mod failover;
mod passive;

use crate::common::Tenant;
use crate::common::pair::{Pair, Run};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeMap;

/// The demo seed's flows that start by themselves: an SFTP poller and a timer.
pub const SELF_STARTING: [&str; 2] = ["Bank_Statements_SFTP_Poll", "Orders_Replicate_Timer"];

/// A demo primary, an empty secondary configured `role = "passive"`, exported once.
pub async fn passive_pair() -> Pair {
    let p = Pair::new(Seed::Empty).await;
    let path = p.repo.path().join("cpi-gitops.toml");
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push_str("role = \"passive\"\n");
    std::fs::write(path, toml).unwrap();
    p
}

/// Runs `cpi-gitops <args>` and checks the exit code.
pub fn run(p: &Pair, args: &[&str], code: i32) -> Run {
    let r = p.run(args);
    assert_eq!(
        r.code,
        code,
        "cpi-gitops {} exits {code}: {}",
        args.join(" "),
        r.all()
    );
    r
}

/// The tenant's runtime: deployed artifact id -> status.
pub async fn runtime(t: &Tenant) -> BTreeMap<String, String> {
    t.results("IntegrationRuntimeArtifacts")
        .await
        .into_iter()
        .map(|r| {
            (
                r["Id"].as_str().unwrap().to_string(),
                r["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Which of the self-starting flows the tenant has deployed.
pub async fn running(t: &Tenant) -> Vec<String> {
    let rt = runtime(t).await;
    SELF_STARTING
        .iter()
        .filter(|f| rt.contains_key(**f))
        .map(|f| f.to_string())
        .collect()
}

/// One `POST /admin/tick`: the flows that ran.
pub async fn tick(t: &Tenant) -> Vec<String> {
    ran(&t.admin(Method::POST, "tick", None).await.json())
}

fn ran(v: &Value) -> Vec<String> {
    v["ran"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `roles --format json`.
pub fn roles(p: &Pair) -> Value {
    serde_json::from_str(&run(p, &["--format", "json", "roles"], 0).stdout).unwrap()
}

/// Ticks two tenants in lockstep, once before `work` starts and while it runs, the first of them
/// first on every tick, then `after` more times; every tick's runs (first, second). With the tenant that takes over
/// ticked first, a flow found on both in one tick ran on both at once: the first is never
/// undeployed during a failover, so it still ran when the second was ticked.
pub async fn lockstep<T: Send>(
    first: &Tenant,
    second: &Tenant,
    after: usize,
    work: impl FnOnce() -> T + Send,
) -> (T, Vec<(Vec<String>, Vec<String>)>) {
    let urls = (
        first.handle.url().to_string(),
        second.handle.url().to_string(),
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    // The work starts once both twins were ticked once: the first tick shows them as they were
    // before it (a fast failover could otherwise fence the active before its first tick).
    let (ticked, first_tick) = tokio::sync::oneshot::channel::<()>();
    let mut ticked = Some(ticked);
    let ticker = tokio::spawn(async move {
        let http = reqwest::Client::new();
        let tick = |url: String| {
            let http = http.clone();
            async move {
                let v: Value = http
                    .post(format!("{url}/admin/tick"))
                    .basic_auth(crate::common::USER, Some(crate::common::PASSWORD))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                ran(&v)
            }
        };
        let mut ticks = Vec::new();
        let mut extra = 0;
        while extra < after {
            if flag.load(std::sync::atomic::Ordering::SeqCst) {
                extra += 1;
            }
            let a = tick(urls.0.clone()).await;
            let b = tick(urls.1.clone()).await;
            ticks.push((a, b));
            if let Some(t) = ticked.take() {
                let _ = t.send(());
            }
            tokio::task::yield_now().await;
        }
        ticks
    });
    first_tick.await.unwrap();
    let result = tokio::task::block_in_place(work);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let ticks = ticker.await.unwrap();
    (result, ticks)
}

/// Asserts that no flow ran on both tenants in the same tick.
pub fn no_overlap(ticks: &[(Vec<String>, Vec<String>)]) {
    for (i, (a, b)) in ticks.iter().enumerate() {
        let both: Vec<&String> = a.iter().filter(|f| b.contains(f)).collect();
        assert!(
            both.is_empty(),
            "tick {i}: {both:?} ran on both twins (every tick: {ticks:?})"
        );
    }
}
