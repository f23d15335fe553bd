//! Hand-edited state that must not slip through (state files are checked against their kind's
//! schema and their content before the first write): each edit is refused by plan and apply
//! with exit 1, naming the file, the field and what to do, and nothing reaches the tenant.

use crate::common::pair::Pair;
use cpi_gitops::emulator::Seed;
use serde_json::Value;
use std::path::Path;

const FLOW: &str = "tenant-state/packages/Orders/integration-flows/Orders_Inbound_HTTPS";

fn edit_json(dir: &Path, file: &str, f: impl FnOnce(&mut Value)) {
    let path = dir.join(file);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Resets the repository's branch, index and work tree to `commit`.
fn reset(p: &Pair, commit: &str) {
    let repo = git2::Repository::open(p.repo.path()).unwrap();
    let target = repo
        .find_object(git2::Oid::from_str(commit).unwrap(), None)
        .unwrap();
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.force().remove_untracked(true);
    repo.reset(&target, git2::ResetType::Hard, Some(&mut checkout))
        .unwrap();
}

type Edit = Box<dyn Fn(&Path)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_edited_state_is_refused_before_the_first_write() {
    let p = Pair::new(Seed::Empty).await;
    let good = p.repo.head();
    let artifact = format!("{FLOW}/artifact.json");
    let credential = "tenant-state/security/user-credentials/ERP_Basic.json";
    let oauth = "tenant-state/security/oauth2-client-credentials/S4_OAuth.json";
    let overrides = "tenant-state/overrides/secondary.json";
    let manifest = format!("{FLOW}/content/META-INF/MANIFEST.MF");
    let cases: Vec<(&str, Edit, Vec<String>)> = vec![
        (
            "Deployed as a string",
            Box::new({
                let f = artifact.clone();
                move |d| edit_json(d, &f, |v| v["Deployed"] = "yes".into())
            }),
            vec![artifact.clone(), "field `Deployed`: must be true or false, found \"yes\"".into()],
        ),
        (
            "Deployed missing",
            Box::new({
                let f = artifact.clone();
                move |d| {
                    edit_json(d, &f, |v| {
                        v.as_object_mut().unwrap().remove("Deployed");
                    })
                }
            }),
            vec![artifact.clone(), "field `Deployed`: is missing".into()],
        ),
        (
            "Version as a number",
            Box::new({
                let f = artifact.clone();
                move |d| edit_json(d, &f, |v| v["Version"] = 123.into())
            }),
            vec![artifact.clone(), "field `Version`: must be a string, found 123".into()],
        ),
        (
            "a version the manifest does not have",
            Box::new({
                let f = artifact.clone();
                move |d| edit_json(d, &f, |v| v["Version"] = "9.9.9".into())
            }),
            vec![
                format!("{FLOW}/content/"),
                "Bundle-Version is `1.0.7`, but artifact.json says Version `9.9.9`".into(),
            ],
        ),
        (
            "a credential's user as a number",
            Box::new(move |d| edit_json(d, credential, |v| v["User"] = 5.into())),
            vec![credential.into(), "field `User`: must be a string or null".into()],
        ),
        (
            "a custom parameter's key as a number",
            Box::new(move |d| {
                edit_json(d, oauth, |v| v["CustomParameters"][1]["Key"] = 1.into())
            }),
            vec![oauth.into(), "field `CustomParameters[1].Key`".into()],
        ),
        (
            "a duplicate key",
            Box::new(move |d| {
                let text = std::fs::read_to_string(d.join(credential)).unwrap();
                let text = text.replacen('{', "{\n  \"User\": \"other\",", 1);
                std::fs::write(d.join(credential), text).unwrap();
            }),
            vec![credential.into(), "the key `User` appears twice".into()],
        ),
        (
            "an override with a non-string value",
            Box::new(move |d| {
                write(
                    d,
                    overrides,
                    r#"{"string-parameter/ACME/ReceiverURL": {"Value": 5}}"#,
                )
            }),
            vec![
                overrides.into(),
                "string-parameter/ACME/ReceiverURL does not fit: field `Value`: must be a string"
                    .into(),
            ],
        ),
        (
            "an override of a configuration value with a number",
            Box::new(move |d| {
                write(
                    d,
                    overrides,
                    r#"{"integration-flow/Orders_Inbound_HTTPS": {"Configuration": {"Timeout": 5}}}"#,
                )
            }),
            vec![overrides.into(), "the value of `Timeout` must be a string".into()],
        ),
        (
            "an override of the Id",
            Box::new(move |d| {
                write(
                    d,
                    overrides,
                    r#"{"integration-flow/Orders_Inbound_HTTPS": {"Id": "Other"}}"#,
                )
            }),
            vec![overrides.into(), "`Id` names the object and cannot be overridden".into()],
        ),
        (
            "a deleted content/",
            Box::new(move |d| std::fs::remove_dir_all(d.join(format!("{FLOW}/content"))).unwrap()),
            vec![
                format!("{FLOW}/content/"),
                "has no content files: restore its content/ folder".into(),
            ],
        ),
        (
            "a garbage manifest",
            Box::new({
                let f = manifest.clone();
                move |d| std::fs::write(d.join(&f), b"\x00\x01garbage").unwrap()
            }),
            vec![format!("{FLOW}/content/"), "is not a manifest".into()],
        ),
        (
            "a manifest naming another artifact",
            Box::new({
                let f = manifest.clone();
                move |d| {
                    let text = std::fs::read_to_string(d.join(&f))
                        .unwrap()
                        .replace("Bundle-SymbolicName: Orders_Inbound_HTTPS", "Bundle-SymbolicName: Other");
                    std::fs::write(d.join(&f), text).unwrap();
                }
            }),
            vec![
                format!("{FLOW}/content/"),
                "Bundle-SymbolicName is `Other`, but the tenant requires the artifact's Id `Orders_Inbound_HTTPS`"
                    .into(),
            ],
        ),
        (
            "a configuration key the flow does not have",
            Box::new(move |d| {
                edit_json(d, &format!("{FLOW}/configuration.json"), |v| {
                    v["Tiemout"] = serde_json::json!({"DataType": "xsd:integer", "Value": "1"})
                })
            }),
            vec![
                format!("{FLOW}/configuration.json"),
                "the configuration key `Tiemout` is not a parameter of integration-flow/Orders_Inbound_HTTPS".into(),
            ],
        ),
        (
            "a secret whose object's JSON is gone",
            Box::new(move |d| {
                std::fs::remove_file(d.join("tenant-state/security/secure-parameters/Bank_API_Key.json"))
                    .unwrap()
            }),
            vec![
                "tenant-state/security/secure-parameters/Bank_API_Key.value.age".into(),
                "a secret of secure-parameter/Bank_API_Key whose object does not exist".into(),
            ],
        ),
        (
            "a state written by a newer cpi-gitops",
            Box::new(move |d| write(d, "tenant-state/format.json", "{\"format_version\": 9}\n")),
            vec!["tenant-state/format.json".into(), "newer".into()],
        ),
    ];
    let before = p.secondary.dump().await;
    for (what, edit, expect) in cases {
        edit(p.repo.path());
        p.repo.commit_all(what);
        for command in ["plan", "apply"] {
            let mut args = vec![command, "--tenant", "secondary"];
            if command == "apply" {
                args.push("--overwrite-drift");
            }
            let r = p.run(&args);
            assert_eq!(r.code, 1, "{what}: {command} exits 1: {}", r.all());
            for e in &expect {
                assert!(
                    r.stderr.contains(e.as_str()),
                    "{what}: {command} says {e:?}: {}",
                    r.stderr
                );
            }
            assert!(r.stderr.contains("hint: "), "{what}: says what to do");
        }
        reset(&p, &good);
    }
    assert_eq!(
        p.secondary.dump().await,
        before,
        "nothing reached the tenant"
    );

    // A field the schema does not know (a tenant added it later) passes through.
    edit_json(p.repo.path(), credential, |v| v["AddedLater"] = "x".into());
    p.repo.commit_all("a field from a newer tenant");
    let plan = p.run(&["plan", "--tenant", "secondary"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_that_cannot_finish_says_what_it_waited_for_and_stops() {
    let p = Pair::new(Seed::Empty).await;
    // Deployments on the secondary never move on; the wait is bounded by deploy_timeout_secs.
    p.secondary
        .switches(serde_json::json!({"deploy_steps": 1_000_000}))
        .await;
    let config = p.repo.path().join("cpi-gitops.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("deploy_timeout_secs = 1\n");
    std::fs::write(&config, text).unwrap();
    let r = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(
            "integration-flow/Orders_Inbound_HTTPS: FAILED: deploy waited 1 s (deploy_timeout_secs) for the runtime to show version 1.0.7 STARTED, and stopped; the runtime showed"
        ),
        "{}",
        r.stdout
    );
}
