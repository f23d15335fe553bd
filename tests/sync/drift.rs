//! Drift: out-of-band changes on the secondary are found, labelled, refused and repaired; deploy
//! failures carry the tenant's text; secrets never show; prune is opt-in and guarded.

use crate::common::pair::Pair;
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::json;

const PARTNER_CA_HEX: &str = "706172746E65725F6361";
const ACME: &str = include_str!("../../crates/emulator/src/seed/certs/acme_client.pem");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_band_changes_are_drift_refused_then_repaired() {
    let p = Pair::new(Seed::Empty).await;
    p.restore();
    let s = &p.secondary;
    s.send(Method::PUT, "IntegrationDesigntimeArtifacts(Id='Orders_Inbound_HTTPS',Version='active')/$links/Configurations('ERP%20Address')", Some(json!({"ParameterValue": "https://rogue.example"}))).await;
    s.send(Method::PUT, "UserCredentials('ERP_Basic')", Some(json!({"Name": "ERP_Basic", "Kind": "default", "Description": "ERP technical user", "User": "ERP_RFC", "Password": "typed-by-hand"}))).await;
    let r = s
        .send_bytes(Method::PUT, &format!("CertificateResources('{PARTNER_CA_HEX}')/$value?fingerprintVerified=true&update=true"), "application/pkix-cert", ACME.as_bytes().to_vec())
        .await;
    assert_eq!(r.status, 204);

    let drift = p.run(&["drift", "--tenant", "secondary"]);
    assert_eq!(
        drift.code,
        2,
        "out-of-band changes are drift: {}",
        drift.all()
    );
    for (id, what) in [
        (
            "integration-flow/Orders_Inbound_HTTPS",
            "Configuration.ERP Address",
        ),
        ("user-credential/ERP_Basic", "re-saved on the target"),
        ("certificate/partner_ca", "FingerprintSha256"),
    ] {
        let line = drift
            .stdout
            .lines()
            .position(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} is reported: {}", drift.stdout));
        assert!(
            drift
                .stdout
                .lines()
                .nth(line)
                .unwrap()
                .contains("changed on the target since the last apply"),
            "{id} is labelled"
        );
        assert!(drift.stdout.contains(what), "{id}: {what} is shown");
    }
    let dump = p.secondary.dump().await;
    let apply = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(
        apply.code,
        2,
        "apply refuses drift with exit 2: {}",
        apply.all()
    );
    assert_eq!(p.secondary.dump().await, dump, "and changes nothing");
    let repair = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(
        repair.code,
        0,
        "--overwrite-drift repairs: {}",
        repair.all()
    );
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
    let cred = p.secondary.dump().await["user_credentials"]["ERP_Basic"]["Password"].clone();
    assert_eq!(
        cred,
        p.primary.dump().await["user_credentials"]["ERP_Basic"]["Password"],
        "the password is the primary's again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_deploy_is_exit_1_with_the_tenants_text_and_the_next_apply_converges() {
    let p = Pair::new(Seed::Empty).await;
    p.secondary.switches(json!({"fail_deploys": {"Health_Ping": "Port 443 is already in use by another artifact"}})).await;
    let failed = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(
        failed.code,
        1,
        "a failed deploy is exit 1: {}",
        failed.all()
    );
    assert!(failed.stdout.contains("integration-flow/Health_Ping: FAILED: deploy failed on the tenant: Port 443 is already in use by another artifact"), "{}", failed.stdout);
    assert!(
        failed
            .stdout
            .contains("done    integration-flow/Orders_Inbound_HTTPS"),
        "every object's outcome is listed"
    );
    p.secondary.switches(json!({"fail_deploys": {}})).await;
    let again = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(
        again.code,
        0,
        "running apply again converges, without --overwrite-drift: {}",
        again.all()
    );
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_plan_apply_or_drift_output() {
    let canaries = [
        "canary-apply-user-77",
        "canary-apply-oauth-78",
        "canary-apply-param-79",
        "canary-apply-pd-80",
        "canary-apply-rotated-81",
        "canary-apply-rotated-82",
    ];
    let p = Pair::new(Seed::Empty).await;
    let pr = &p.primary;
    pr.send(
        Method::POST,
        "UserCredentials",
        Some(
            json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": canaries[0]}),
        ),
    )
    .await;
    pr.send(Method::POST, "OAuth2ClientCredentials", Some(json!({"Name": "Canary_OAuth", "TokenServiceUrl": "https://t", "ClientId": "c", "ClientSecret": canaries[1]}))).await;
    pr.send(
        Method::POST,
        "SecureParameters",
        Some(json!({"Name": "Canary_Param", "SecureParam": canaries[2]})),
    )
    .await;
    pr.send(
        Method::POST,
        "UserCredentialParameters",
        Some(json!({"Pid": "ACME", "Id": "Canary", "User": "u", "Password": canaries[3]})),
    )
    .await;
    p.repo.export_ok().await;
    let mut outputs = Vec::new();
    for format in ["text", "json", "markdown"] {
        outputs.push(
            p.run(&["-vv", "--format", format, "plan", "--tenant", "secondary"])
                .all(),
        );
    }
    outputs.push(
        p.run(&[
            "-vv",
            "--format",
            "json",
            "apply",
            "--tenant",
            "secondary",
            "--overwrite-drift",
        ])
        .all(),
    );
    p.primary.send(Method::PUT, "UserCredentials('Canary_User')", Some(json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": canaries[4]}))).await;
    p.repo.export_ok().await;
    for format in ["text", "json", "markdown"] {
        outputs.push(
            p.run(&["-vv", "--format", format, "drift", "--tenant", "secondary"])
                .all(),
        );
        outputs.push(
            p.run(&["-vv", "--format", format, "plan", "--tenant", "secondary"])
                .all(),
        );
    }
    outputs.push(
        p.run(&[
            "-vv",
            "--format",
            "markdown",
            "apply",
            "--tenant",
            "secondary",
        ])
        .all(),
    );
    p.primary.send(Method::PUT, "UserCredentials('Canary_User')", Some(json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": canaries[5]}))).await;
    p.repo.export_ok().await;
    outputs.push(p.run(&["-vv", "apply", "--tenant", "secondary"]).all());
    // The demo seed's own secrets, the key pair's PKCS#12 and its password among them.
    let p12 = crate::common::b64(include_bytes!(
        "../../crates/emulator/src/seed/certs/demo_signing.p12"
    ));
    let demo_secrets = [
        "demo-keypair-pass",
        "demo-erp-password",
        "demo-sf-password",
        "demo-webhook-token",
        &p12[100..160],
    ];
    for secret in demo_secrets {
        for out in &outputs {
            assert!(
                !out.contains(secret),
                "a demo secret appears in an output: {out}"
            );
        }
    }
    assert!(
        outputs
            .iter()
            .any(|o| o.contains("secrets: will be written")),
        "secrets are reported as written, without values"
    );
    for canary in canaries {
        for out in &outputs {
            assert!(!out.contains(canary), "{canary} appears in an output");
        }
    }
    assert_eq!(
        p.secondary.dump().await["user_credentials"]["Canary_User"]["Password"],
        p.primary.dump().await["user_credentials"]["Canary_User"]["Password"],
        "the rotated password arrived (applied as text output)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_deletes_what_git_lacks_only_when_asked_and_guarded() {
    let p = Pair::new(Seed::Empty).await;
    p.restore();
    p.primary
        .send(Method::DELETE, "NumberRanges('IDoc_Control')", None)
        .await;
    p.primary
        .send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('Health_Ping')",
            None,
        )
        .await;
    p.primary.admin(Method::POST, "settle", None).await;
    p.primary
        .send(
            Method::DELETE,
            "IntegrationDesigntimeArtifacts(Id='Health_Ping',Version='active')",
            None,
        )
        .await;
    p.primary
        .send(Method::DELETE, "IntegrationPackages('Monitoring')", None)
        .await;
    p.repo.export_ok().await;
    let plan = p.run(&["plan", "--tenant", "secondary"]);
    assert!(
        plan.stdout
            .contains("- number-range/IDoc_Control delete (only with --prune)"),
        "{}",
        plan.stdout
    );
    let no_prune = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(no_prune.code, 0, "{}", no_prune.all());
    assert_eq!(
        p.secondary.get("NumberRanges('IDoc_Control')").await.status,
        200,
        "without --prune nothing is deleted"
    );
    let prune = p.run(&["apply", "--tenant", "secondary", "--prune"]);
    assert_eq!(prune.code, 0, "{}", prune.all());
    assert_eq!(
        p.secondary.get("NumberRanges('IDoc_Control')").await.status,
        404,
        "--prune deletes what git lacks"
    );
    assert_eq!(
        p.secondary
            .get("IntegrationRuntimeArtifacts('Health_Ping')")
            .await
            .status,
        404,
        "artifacts are undeployed before they are deleted"
    );
    assert_eq!(
        p.secondary
            .get("IntegrationPackages('Monitoring')")
            .await
            .status,
        404
    );
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);

    let repo = git2::Repository::open(p.repo.path()).unwrap();
    let sig = repo.signature().unwrap();
    let mut builder = repo.treebuilder(None).unwrap();
    let mut state = repo.treebuilder(None).unwrap();
    state
        .insert(
            "recipients.txt",
            repo.blob(crate::common::repo::DEMO_RECIPIENT.as_bytes())
                .unwrap(),
            0o100644,
        )
        .unwrap();
    builder
        .insert("tenant-state", state.write().unwrap(), 0o040000)
        .unwrap();
    let tree = repo.find_tree(builder.write().unwrap()).unwrap();
    let empty = repo
        .commit(None, &sig, &sig, "an empty state", &tree, &[])
        .unwrap()
        .to_string();
    let dump = p.secondary.dump().await;
    let refused = p.run(&[
        "apply",
        "--tenant",
        "secondary",
        "--prune",
        "--overwrite-drift",
        "--rev",
        &empty,
    ]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(
        refused.stderr.contains("the desired state is empty"),
        "an empty desired set is refused: {}",
        refused.stderr
    );
    assert_eq!(p.secondary.dump().await, dump, "and nothing is deleted");
    let head_state = repo
        .head()
        .unwrap()
        .peel_to_tree()
        .unwrap()
        .get_name("tenant-state")
        .unwrap()
        .to_object(&repo)
        .unwrap()
        .peel_to_tree()
        .unwrap();
    let mut small = repo.treebuilder(None).unwrap();
    for name in ["recipients.txt", "number-ranges"] {
        let entry = head_state.get_name(name).unwrap();
        small.insert(name, entry.id(), entry.filemode()).unwrap();
    }
    let mut root = repo.treebuilder(None).unwrap();
    root.insert("tenant-state", small.write().unwrap(), 0o040000)
        .unwrap();
    let tree = repo.find_tree(root.write().unwrap()).unwrap();
    let shrunk = repo
        .commit(None, &sig, &sig, "almost nothing", &tree, &[])
        .unwrap()
        .to_string();
    let share = p.run(&[
        "apply",
        "--tenant",
        "secondary",
        "--prune",
        "--overwrite-drift",
        "--rev",
        &shrunk,
    ]);
    assert_eq!(share.code, 1, "{}", share.all());
    assert!(
        share.stderr.contains("more than --max-prune-share 25 %"),
        "a sharp shrink is refused: {}",
        share.stderr
    );
    assert_eq!(p.secondary.dump().await, dump, "and nothing is deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_created_outside_git_stays_drift_after_later_applies() {
    let p = Pair::new(Seed::Empty).await;
    p.restore();
    let r = p
        .secondary
        .send(
            Method::POST,
            "SecureParameters",
            Some(json!({"Name": "Made_By_Hand", "SecureParam": "by-hand-value"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let drift = p.run(&["drift", "--tenant", "secondary"]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift
            .stdout
            .contains("secure-parameter/Made_By_Hand: drifted: created on the target outside git"),
        "{}",
        drift.stdout
    );
    // An apply without --prune leaves it alone, and must not adopt it into the base.
    let apply = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let again = p.run(&["drift", "--tenant", "secondary"]);
    assert_eq!(again.code, 2, "still drift after an apply: {}", again.all());
    assert!(
        again.stdout.contains("created on the target outside git"),
        "{}",
        again.stdout
    );
    let prune = p.run(&["apply", "--tenant", "secondary", "--prune"]);
    assert_eq!(
        prune.code,
        2,
        "deleting what someone made on the target needs --overwrite-drift: {}",
        prune.all()
    );
    let plan = p.run(&["plan", "--tenant", "secondary"]);
    assert_eq!(
        plan.code,
        0,
        "plan without --prune: nothing apply would change: {}",
        plan.all()
    );
    let plan = p.run(&["plan", "--tenant", "secondary", "--prune"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    let pruned = p.run(&[
        "apply",
        "--tenant",
        "secondary",
        "--prune",
        "--overwrite-drift",
    ]);
    assert_eq!(pruned.code, 0, "{}", pruned.all());
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
}
