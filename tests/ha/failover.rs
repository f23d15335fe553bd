//! `failover`: with both twins up it moves every self-starting flow and no flow runs on both in
//! any tick; with the old active down it switches and says so (exit 2), and fences the old
//! active once it is back (exit 0); a failover back exits 0; a deploy that fails puts everything
//! back; export after a failover keeps regional values out of git; a failover stopped by a
//! signal between its steps is finished by running it again.

use super::{SELF_STARTING, lockstep, no_overlap, passive_pair, roles, run, running, tick};
use crate::common::pair::Pair;
use crate::common::process::{Sig, Stopped};
use serde_json::{Value, json};

/// A passive pair where both twins have a base: the primary's recorded by an apply that writes
/// nothing, the secondary restored.
async fn ready_pair() -> Pair {
    let p = passive_pair().await;
    base_on_primary(&p);
    p.restore();
    p
}

/// Records the primary's base: an apply of what was just exported from it. Without a base every
/// secret counts as never applied, so they are written again (the same values).
fn base_on_primary(p: &Pair) {
    let first = p.run(&["apply", "--tenant", "primary", "--overwrite-drift"]);
    assert_ne!(first.code, 1, "{}", first.all());
    // An OAuth2 client credential with custom parameters takes a second apply to converge
    // (custom parameters change only on create); with that fixed, this one changes nothing.
    run(p, &["apply", "--tenant", "primary", "--overwrite-drift"], 0);
}

fn all(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The per-tick run logs of two tenants' `/admin/stats`, side by side.
async fn logs(a: &crate::common::Tenant, b: &crate::common::Tenant) -> Vec<(Value, Value)> {
    let (sa, sb) = (a.stats().await, b.stats().await);
    let (la, lb) = (
        sa["runs"]["log"].as_array().unwrap().clone(),
        sb["runs"]["log"].as_array().unwrap().clone(),
    );
    assert_eq!(la.len(), lb.len(), "both twins were ticked in lockstep");
    la.into_iter().zip(lb).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_with_both_up_moves_every_self_starting_flow_and_none_runs_twice() {
    let p = ready_pair().await;
    let (r, ticks) = lockstep(&p.secondary, &p.primary, 3, || {
        p.run(&["failover", "--to", "secondary"])
    })
    .await;
    assert_eq!(r.code, 0, "switched and fenced: {}", r.all());
    assert!(
        r.stdout
            .contains("switched: `secondary` is active and runs the self-starting flows; `primary` is passive and fenced"),
        "{}",
        r.stdout
    );
    no_overlap(&ticks);
    assert_eq!(ticks.first().unwrap(), &(vec![], all(&SELF_STARTING)));
    assert_eq!(ticks.last().unwrap(), &(all(&SELF_STARTING), vec![]));
    for (i, (s, p)) in logs(&p.secondary, &p.primary).await.iter().enumerate() {
        let (s, p) = (s["ran"].as_array().unwrap(), p["ran"].as_array().unwrap());
        assert!(
            s.iter().all(|f| !p.contains(f)),
            "tick {i}: the run counters show a flow on both twins"
        );
    }
    assert!(running(&p.primary).await.is_empty());
    assert_eq!(running(&p.secondary).await, SELF_STARTING);
    let roles = roles(&p);
    assert_eq!(roles["active"], json!(["secondary"]));
    assert_eq!(roles["passive"], json!(["primary"]));
    assert_eq!(roles["unfenced"], json!([]));
    // Both bases were brought up to date: no drift either side.
    run(&p, &["drift", "--tenant", "secondary"], 0);
    run(&p, &["drift", "--tenant", "primary"], 0);

    // And back, with both up.
    let (r, ticks) = lockstep(&p.primary, &p.secondary, 3, || {
        p.run(&["failover", "--to", "primary"])
    })
    .await;
    assert_eq!(r.code, 0, "the failover back: {}", r.all());
    no_overlap(&ticks);
    assert_eq!(ticks.last().unwrap(), &(all(&SELF_STARTING), vec![]));
    assert_eq!(running(&p.primary).await, SELF_STARTING);
    assert!(running(&p.secondary).await.is_empty());
    assert_eq!(roles_of(&p)["active"], json!(["primary"]));
    run(&p, &["drift", "--tenant", "secondary"], 0);
    run(&p, &["drift", "--tenant", "primary"], 0);
}

fn roles_of(p: &Pair) -> Value {
    roles(p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_the_old_active_down_failover_exits_2_and_fences_it_once_it_is_back() {
    let p = ready_pair().await;
    p.primary.switches(json!({"down": true})).await;
    let r = p.run(&[
        "--format",
        "json",
        "failover",
        "--to",
        "secondary",
        "--fence-timeout",
        "20s",
    ]);
    assert_eq!(r.code, 2, "switched but not fenced: {}", r.all());
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["result"], "switched-unfenced");
    assert_eq!(doc["exit_code"], 2);
    let fence = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "fence")
        .unwrap();
    assert_eq!(fence["status"], "unreachable");
    assert!(
        fence["message"]
            .as_str()
            .unwrap()
            .contains("may still be running its self-starting flows")
    );
    assert_eq!(running(&p.secondary).await, SELF_STARTING);
    let roles = roles(&p);
    assert_eq!(roles["active"], json!(["secondary"]));
    assert_eq!(roles["unfenced"], json!(["primary"]));
    let text = run(&p, &["roles"], 0);
    assert!(text.stdout.contains("NOT FENCED"), "{}", text.stdout);
    // The risk the exit code warns of: the unreachable primary still polls.
    assert_eq!(tick(&p.primary).await, SELF_STARTING);
    assert_eq!(tick(&p.secondary).await, SELF_STARTING);

    p.primary.switches(json!({"down": false})).await;
    let (r, ticks) = lockstep(&p.secondary, &p.primary, 3, || {
        p.run(&["failover", "--to", "secondary"])
    })
    .await;
    assert_eq!(r.code, 0, "the old active fenced once back: {}", r.all());
    assert!(r.stdout.contains("already active"), "{}", r.stdout);
    assert_eq!(ticks.last().unwrap(), &(all(&SELF_STARTING), vec![]));
    assert!(running(&p.primary).await.is_empty());
    assert_eq!(roles_of(&p)["unfenced"], json!([]));
    run(&p, &["drift", "--tenant", "primary"], 0);

    // Running it again changes nothing.
    let again = run(&p, &["failover", "--to", "secondary"], 0);
    assert!(
        again.stdout.contains("no self-starting flow runs there"),
        "{}",
        again.stdout
    );

    // And back to the primary with both up.
    run(&p, &["failover", "--to", "primary"], 0);
    assert_eq!(running(&p.primary).await, SELF_STARTING);
    assert!(running(&p.secondary).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deploy_that_fails_during_failover_puts_the_flows_back_on_the_old_active() {
    let p = ready_pair().await;
    p.secondary
        .switches(json!({"fail_deploys": {"Orders_Replicate_Timer": "SFTP host key of the DR region is not trusted"}}))
        .await;
    let r = run(&p, &["failover", "--to", "secondary"], 1);
    assert!(
        r.stdout
            .contains("SFTP host key of the DR region is not trusted"),
        "the tenant's error text: {}",
        r.stdout
    );
    assert!(r.stdout.contains("deploy-back"), "{}", r.stdout);
    assert_eq!(
        running(&p.primary).await,
        SELF_STARTING,
        "the fenced flows run on the old active again"
    );
    assert!(
        running(&p.secondary).await.is_empty(),
        "what started on the new active was undeployed again"
    );
    assert_eq!(roles(&p)["active"], json!(["primary"]), "roles unchanged");
    assert!(
        git2::Repository::open(p.repo.path())
            .unwrap()
            .find_reference("refs/cpi-gitops/roles")
            .is_err(),
        "nothing recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn export_after_a_failover_keeps_regional_values_out_of_git() {
    let p = passive_pair().await;
    let file = p.repo.path().join("tenant-state/overrides/secondary.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        r#"{"integration-flow/Orders_Inbound_HTTPS": {"Configuration": {"ERP Address": "https://erp-dr.example.com/idoc"}}}"#,
    )
    .unwrap();
    p.repo.commit_all("the secondary's regional ERP address");
    base_on_primary(&p);
    p.restore();
    run(&p, &["failover", "--to", "secondary"], 0);
    // Someone changes a shared value on the new active: that one is exported.
    let config = p
        .secondary
        .get("IntegrationDesigntimeArtifacts(Id='Orders_Inbound_HTTPS',Version='active')/Configurations")
        .await;
    assert_eq!(config.status, 200);
    p.secondary
        .send(
            reqwest::Method::PUT,
            "IntegrationDesigntimeArtifacts(Id='Orders_Inbound_HTTPS',Version='active')/$links/Configurations('Timeout')",
            Some(json!({"ParameterValue": "90000", "DataType": "xsd:integer"})),
        )
        .await;
    let export = run(&p, &["export", "--tenant", "secondary"], 0);
    let shown = std::process::Command::new("git")
        .args([
            "show",
            "HEAD:tenant-state/packages/Orders/integration-flows/Orders_Inbound_HTTPS/configuration.json",
        ])
        .current_dir(p.repo.path())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        json["ERP Address"]["Value"],
        "https://erp.example.com/sap/bc/srt/idoc?sap-client=100",
        "the regional value stays out of git: {}",
        export.all()
    );
    assert_eq!(
        json["Timeout"]["Value"], "90000",
        "a shared change is exported"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stale_roles_are_refused_never_guessed() {
    let p = ready_pair().await;
    run(&p, &["failover", "--to", "secondary"], 0);
    let doc = roles(&p);
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "roles");
    // A clone without the roles ref (or a push that failed): the configuration says the secondary
    // is passive, but the self-starting flows run there only.
    git2::Repository::open(p.repo.path())
        .unwrap()
        .find_reference("refs/cpi-gitops/roles")
        .unwrap()
        .delete()
        .unwrap();
    assert_eq!(roles(&p)["passive"], json!(["secondary"]));
    let before = running(&p.secondary).await;
    let refused = run(&p, &["apply", "--tenant", "secondary"], 1);
    for f in SELF_STARTING {
        assert!(
            refused
                .stderr
                .contains(&format!("integration-flow/{f} runs on `secondary` only")),
            "{}",
            refused.stderr
        );
    }
    assert!(
        refused.stderr.contains("cpi-gitops roles"),
        "{}",
        refused.stderr
    );
    assert_eq!(running(&p.secondary).await, before, "nothing was changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_old_active_that_refuses_the_fence_stops_the_failover_with_exit_1() {
    let p = ready_pair().await;
    // An answer, not an outage: the old active's credentials lack a role.
    p.primary
        .switches(json!({"fail_routes": {"GET IntegrationRuntimeArtifacts": 403}}))
        .await;
    let r = run(&p, &["failover", "--to", "secondary"], 1);
    assert!(
        r.stdout.contains("tenant `primary` refused the fence"),
        "{}",
        r.all()
    );
    assert!(
        running(&p.secondary).await.is_empty(),
        "nothing deployed on the new active"
    );
    p.primary.switches(json!({"fail_routes": {}})).await;
    assert_eq!(running(&p.primary).await, SELF_STARTING, "nothing fenced");
    assert_eq!(roles(&p)["active"], json!(["primary"]), "roles unchanged");
    // Fixed, the same command converges.
    run(&p, &["failover", "--to", "secondary"], 0);
    assert_eq!(running(&p.secondary).await, SELF_STARTING);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_old_active_answering_only_5xx_counts_as_unreachable() {
    let p = ready_pair().await;
    p.primary.switches(json!({"fault_503": 1.0})).await;
    let r = run(&p, &["failover", "--to", "secondary"], 2);
    assert!(
        r.stdout.contains("WARNING: switched to `secondary`"),
        "{}",
        r.all()
    );
    assert_eq!(running(&p.secondary).await, SELF_STARTING);
    assert_eq!(roles(&p)["unfenced"], json!(["primary"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_old_active_slower_than_the_fence_timeout_counts_as_unreachable() {
    let p = ready_pair().await;
    p.primary.switches(json!({"latency_ms": 30000})).await;
    let r = run(
        &p,
        &["failover", "--to", "secondary", "--fence-timeout", "300ms"],
        2,
    );
    assert!(
        r.stdout
            .contains("did not answer within the fence timeout (0.3 s)"),
        "{}",
        r.all()
    );
    assert_eq!(running(&p.secondary).await, SELF_STARTING);
    p.primary.switches(json!({"latency_ms": 0})).await;
    run(&p, &["failover", "--to", "secondary"], 0);
    assert!(running(&p.primary).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_is_refused_while_a_twin_is_locked_and_a_dry_run_takes_no_lock() {
    use cpi_gitops::interrupt::{Lock, lock};
    let p = ready_pair().await;
    // Another run (say an apply) holds the primary's lock.
    let locks = lock::dir(&p.repo.path().join(".git"));
    let held = Lock::acquire(
        &locks,
        "tenant.primary",
        "tenant `primary`",
        "apply --tenant primary",
    )
    .unwrap();
    let r = p.run(&["failover", "--to", "secondary"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("locked by another cpi-gitops run")
            && r.stderr.contains("apply --tenant primary"),
        "the refusal names the holder: {}",
        r.all()
    );
    assert_eq!(roles(&p)["active"], json!(["primary"]), "nothing switched");
    // A dry run writes nothing and takes no lock.
    let dry = p.run(&["failover", "--to", "secondary", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.all());
    drop(held);
    run(&p, &["failover", "--to", "secondary"], 0);
    assert_eq!(roles(&p)["active"], json!(["secondary"]));
}

/// A failover stopped by SIGINT, SIGTERM or SIGKILL after the fence, or after the deploy on the
/// new active, is finished by running the same command again: the flows run on the new active
/// only, the roles are recorded, neither twin drifts. One pair, each stop switching the other way.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_stopped_between_its_steps_is_finished_by_running_it_again() {
    let p = ready_pair().await;
    let mut to = "secondary";
    for point in ["failover:fenced", "failover:deployed"] {
        for sig in Sig::ALL {
            let (new, old) = if to == "secondary" {
                (&p.secondary, &p.primary)
            } else {
                (&p.primary, &p.secondary)
            };
            let mut cmd = p.repo.command();
            cmd.args(["failover", "--to", to]);
            let (status, stderr) = Stopped::at(cmd, point).signal(sig);
            let context = format!(
                "{sig:?} at {point} to {to}: {status:?}\n{}",
                stderr.join("\n")
            );
            assert_eq!(status.code(), sig.exit_code(), "{context}");
            run(&p, &["failover", "--to", to], 0);
            assert_eq!(running(new).await, SELF_STARTING, "{context}");
            assert!(running(old).await.is_empty(), "{context}");
            assert_eq!(roles_of(&p)["active"], json!([to]), "{context}");
            run(&p, &["drift", "--tenant", "secondary"], 0);
            run(&p, &["drift", "--tenant", "primary"], 0);
            to = if to == "secondary" {
                "primary"
            } else {
                "secondary"
            };
        }
    }
}
