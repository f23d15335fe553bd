//! A passive twin: a restore holds back every flow that starts by itself, drift finds one
//! started by hand, apply undeploys it, the role check refuses stale roles, and flows that mix
//! a push sender with a poller are held back whole.

use super::{SELF_STARTING, passive_pair, run, running, runtime, tick};
use crate::assert_status;
use crate::common::{b64, zip};
use cpi_gitops::emulator::content::{self, FlowSpec, Sender};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restore_onto_a_passive_secondary_holds_back_every_self_starting_flow() {
    let p = passive_pair().await;
    let plan = run(&p, &["plan", "--tenant", "secondary"], 2);
    for f in SELF_STARTING {
        assert!(
            plan.stdout
                .contains(&format!("integration-flow/{f}: held back (passive)")),
            "plan lists {f} as held back: {}",
            plan.stdout
        );
    }
    let doc: Value = serde_json::from_str(
        &run(
            &p,
            &["--format", "json", "plan", "--tenant", "secondary"],
            2,
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(doc["role"], "passive");
    let held: Vec<&str> = doc["held_back"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        held,
        [
            "integration-flow/Bank_Statements_SFTP_Poll",
            "integration-flow/Orders_Replicate_Timer",
            "integration-flow/Replicate_Business_Partner_from_S4HANA"
        ]
    );
    assert_eq!(doc["held_back"][0]["starts"], json!(["SFTP"]));
    assert_eq!(doc["held_back"][1]["starts"], json!(["timer"]));
    assert!(
        doc["held_back"][2]["unknown"]
            .as_str()
            .unwrap()
            .contains("configure-only"),
        "SAP's configure-only content cannot be read: held back, failover deploys it"
    );

    p.restore();
    let primary = runtime(&p.primary).await;
    let secondary = runtime(&p.secondary).await;
    let pushed: Vec<&String> = primary
        .keys()
        .filter(|k| {
            !SELF_STARTING.contains(&k.as_str()) && *k != "Replicate_Business_Partner_from_S4HANA"
        })
        .collect();
    assert!(pushed.contains(&&"Orders_Inbound_HTTPS".to_string()));
    assert_eq!(
        secondary.keys().collect::<Vec<_>>(),
        pushed,
        "the passive twin runs every push flow, and nothing that starts by itself or cannot be told"
    );
    assert!(secondary.values().all(|s| s == "STARTED"));

    let drift = run(&p, &["drift", "--tenant", "secondary"], 0);
    assert!(
        drift.stdout.contains("held back (passive)"),
        "{}",
        drift.stdout
    );
    let md = run(
        &p,
        &["--format", "markdown", "drift", "--tenant", "secondary"],
        0,
    );
    assert!(
        md.stdout
            .contains("Roles: `primary` active (default), `secondary` passive (configured)"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("**Held back (passive)**"),
        "{}",
        md.stdout
    );

    assert!(
        tick(&p.secondary).await.is_empty(),
        "nothing polls on the passive twin"
    );
    assert_eq!(tick(&p.primary).await, SELF_STARTING);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_held_back_flow_started_by_hand_is_drift_and_apply_undeploys_it() {
    let p = passive_pair().await;
    p.restore();
    let r = p
        .secondary
        .send(
            Method::POST,
            "DeployIntegrationDesigntimeArtifact?Id='Orders_Replicate_Timer'&Version='active'",
            None,
        )
        .await;
    assert_status!(r, 202, "deploy by hand");
    p.secondary.admin(Method::POST, "settle", None).await;
    assert_eq!(running(&p.secondary).await, ["Orders_Replicate_Timer"]);

    let drift = run(&p, &["drift", "--tenant", "secondary"], 2);
    assert!(
        drift
            .stdout
            .contains("integration-flow/Orders_Replicate_Timer: held back (passive) but deployed here: the double-processing risk"),
        "{}",
        drift.stdout
    );
    let doc: Value = serde_json::from_str(
        &run(
            &p,
            &["--format", "json", "drift", "--tenant", "secondary"],
            2,
        )
        .stdout,
    )
    .unwrap();
    let timer = doc["held_back"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "integration-flow/Orders_Replicate_Timer")
        .unwrap();
    assert_eq!(timer["running"], true);

    run(&p, &["apply", "--tenant", "secondary"], 2);
    let apply = run(
        &p,
        &["apply", "--tenant", "secondary", "--overwrite-drift"],
        0,
    );
    assert!(apply.stdout.contains("undeployed"), "{}", apply.stdout);
    assert!(running(&p.secondary).await.is_empty());
    run(&p, &["drift", "--tenant", "secondary"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn apply_to_a_passive_tenant_refuses_roles_that_contradict_where_flows_run() {
    let p = passive_pair().await;
    p.restore();
    // The timer runs nowhere: stopped on the active by hand.
    let r = p
        .primary
        .send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('Orders_Replicate_Timer')",
            None,
        )
        .await;
    assert_status!(r, 202, "undeploy by hand");
    p.primary.admin(Method::POST, "settle", None).await;
    let before = p.secondary.dump().await;
    let refused = run(&p, &["apply", "--tenant", "secondary"], 1);
    assert!(
        refused.stderr.contains("refusing to apply to passive tenant `secondary`: 1 flow that starts by itself does not run on the recorded active tenant `primary`")
            && refused.stderr.contains("integration-flow/Orders_Replicate_Timer runs on neither `primary` nor `secondary`")
            && refused.stderr.contains("--role-check off"),
        "{}",
        refused.stderr
    );
    assert_eq!(p.secondary.dump().await, before, "nothing was changed");
    let off = p.run(&["apply", "--tenant", "secondary", "--role-check", "off"]);
    assert_eq!(
        off.code,
        0,
        "--role-check off skips the check: {}",
        off.all()
    );

    // The active twin is down: the check cannot be made.
    p.primary.switches(json!({"down": true})).await;
    let down = run(&p, &["apply", "--tenant", "secondary"], 1);
    assert!(
        down.stderr
            .contains("cannot check the roles of passive tenant `secondary`")
            && down.stderr.contains("failover --to secondary"),
        "{}",
        down.stderr
    );
}

/// A flow started by HTTPS callers and by a Data Store sender.
fn mixed_flow() -> Vec<u8> {
    let spec = FlowSpec {
        id: "Orders_Retry_Queue".into(),
        name: "Orders Retry Queue".into(),
        sender: Sender::Https {
            path: "/orders/retry".into(),
        },
        receivers: vec![],
        scripts: vec![],
        padding: 0,
    };
    let datastore = "        <bpmn2:messageFlow id=\"MessageFlow_DS\" name=\"DataStoreConsumer\" sourceRef=\"Participant_1\" targetRef=\"StartEvent_1\">\n            <bpmn2:extensionElements>\n                <ifl:property>\n                    <key>ComponentType</key>\n                    <value>DataStoreConsumer</value>\n                </ifl:property>\n                <ifl:property>\n                    <key>DataStoreName</key>\n                    <value>OrdersRetry</value>\n                </ifl:property>\n                <ifl:property>\n                    <key>cmdVariantUri</key>\n                    <value>ctype::AdapterVariant/cname::sap:DataStoreConsumer/tp::JDBC/mp::None/direction::Sender/version::1.0.0</value>\n                </ifl:property>\n            </bpmn2:extensionElements>\n        </bpmn2:messageFlow>\n    </bpmn2:collaboration>";
    let entries: Vec<(String, Vec<u8>)> = content::integration_flow(&spec, "1.0.0", &[], vec![])
        .into_iter()
        .filter(|e| !e.is_dir())
        .map(|e| {
            let data = if e.name.ends_with(".iflw") {
                String::from_utf8(e.data)
                    .unwrap()
                    .replacen("    </bpmn2:collaboration>", datastore, 1)
                    .into_bytes()
            } else {
                e.data
            };
            (e.name, data)
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip(&refs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flow_that_mixes_a_push_sender_with_a_poller_is_held_back_whole() {
    let p = passive_pair().await;
    let created = p
        .primary
        .send(
            Method::POST,
            "IntegrationDesigntimeArtifacts",
            Some(json!({"Id": "Orders_Retry_Queue", "Name": "Orders Retry Queue", "PackageId": "Orders", "ArtifactContent": b64(&mixed_flow())})),
        )
        .await;
    assert_status!(created, 201, "create the mixed flow");
    let deployed = p
        .primary
        .send(
            Method::POST,
            "DeployIntegrationDesigntimeArtifact?Id='Orders_Retry_Queue'&Version='active'",
            None,
        )
        .await;
    assert_status!(deployed, 202, "deploy it");
    p.primary.admin(Method::POST, "settle", None).await;
    assert!(
        tick(&p.primary)
            .await
            .contains(&"Orders_Retry_Queue".to_string())
    );
    p.repo.export_ok().await;
    let plan = run(&p, &["plan", "--tenant", "secondary"], 2);
    assert!(
        plan.stdout.contains("integration-flow/Orders_Retry_Queue: held back (passive): starts by itself (DataStoreConsumer) and by callers (HTTPS): held back whole"),
        "{}",
        plan.stdout
    );
    let md = run(
        &p,
        &["--format", "markdown", "plan", "--tenant", "secondary"],
        2,
    );
    assert!(
        md.stdout
            .contains("Roles: `primary` active (default), `secondary` passive (configured)")
            && md.stdout.contains("| `integration-flow/Orders_Retry_Queue` | starts by itself (DataStoreConsumer) and by callers (HTTPS): held back whole |"),
        "{}",
        md.stdout
    );
    // The active tenant's plan lists it too: its callers are served by the active only.
    let active = run(&p, &["plan", "--tenant", "primary"], 2);
    assert!(
        active.stdout.contains("mixed: 1 flow starts by itself and by callers; a passive twin holds it back whole")
            && active.stdout.contains("  integration-flow/Orders_Retry_Queue: starts by itself (DataStoreConsumer) and by callers (HTTPS)\n"),
        "{}",
        active.stdout
    );
    let md = run(
        &p,
        &["--format", "markdown", "plan", "--tenant", "primary"],
        2,
    );
    assert!(
        md.stdout.contains("**Mixed flows**: 1 flow starts by itself and by callers")
            && md.stdout.contains("| `integration-flow/Orders_Retry_Queue` | starts by itself (DataStoreConsumer) and by callers (HTTPS) |")
            && md.stdout.contains("Roles: `primary` active (default)"),
        "{}",
        md.stdout
    );
    let doc: Value = serde_json::from_str(
        &run(&p, &["--format", "json", "plan", "--tenant", "primary"], 2).stdout,
    )
    .unwrap();
    assert_eq!(
        doc["mixed"],
        json!([{"id": "integration-flow/Orders_Retry_Queue", "starts": ["DataStoreConsumer"], "push": ["HTTPS"]}])
    );

    p.restore();
    assert!(
        !runtime(&p.secondary)
            .await
            .contains_key("Orders_Retry_Queue")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exporting_a_passive_twin_is_refused() {
    let p = passive_pair().await;
    p.restore();
    let repo = git2::Repository::open(p.repo.path()).unwrap();
    let head = repo.head().unwrap().target();
    let r = run(&p, &["export", "--tenant", "secondary"], 1);
    assert!(
        r.stderr
            .contains("refusing to export tenant `secondary`: it is passive (configured)")
            && r.stderr.contains("cpi-gitops export --tenant primary"),
        "{}",
        r.stderr
    );
    assert_eq!(repo.head().unwrap().target(), head, "nothing committed");
    // After a failover the roles swap: the primary is the passive one.
    let base = p.run(&["apply", "--tenant", "primary", "--overwrite-drift"]);
    assert_ne!(base.code, 1, "{}", base.all());
    run(&p, &["failover", "--to", "secondary"], 0);
    let r = run(&p, &["export", "--tenant", "primary"], 1);
    assert!(
        r.stderr.contains("it is passive (recorded)")
            && r.stderr.contains("cpi-gitops export --tenant secondary"),
        "{}",
        r.stderr
    );
    run(&p, &["export", "--tenant", "secondary"], 0);
}
