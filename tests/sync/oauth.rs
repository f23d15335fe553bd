//! OAuth2 client credentials with custom parameters: the API accepts them only on create and
//! every `PUT` drops them, so apply updates such a credential by deleting and creating it, and
//! the plan says so.

use crate::common::pair::Pair;
use cpi_gitops::emulator::Seed;
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_client_secret_with_custom_parameters_converges_in_one_apply() {
    let p = Pair::new(Seed::Empty).await;
    p.restore();
    let params =
        |dump: &Value| dump["oauth2_client_credentials"]["S4_OAuth"]["CustomParameters"].clone();
    let before = p.secondary.dump().await;
    assert_eq!(params(&before).as_array().map(Vec::len), Some(2));

    // The secret rotated, in git (`secret set`), reviewed and merged.
    let mut child = p
        .repo
        .command()
        .args(["secret", "set", "oauth2-client-credential/S4_OAuth"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"rotated-client-secret")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    p.repo.commit_all("Rotate the S/4HANA client secret");

    let plan = p.run(&["--format", "json", "plan", "--tenant", "secondary"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    let doc: Value = serde_json::from_str(&plan.stdout).unwrap();
    let step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "oauth2-client-credential/S4_OAuth")
        .cloned()
        .unwrap();
    assert_eq!(step["secrets"], "write");
    assert_eq!(step["recreate"]["reason"], "custom-parameters", "{step}");
    let text = p.run(&["plan", "--tenant", "secondary"]);
    assert!(
        text.stdout.contains("update by delete and create (custom parameters are accepted only on create, and an update would drop them): missing on the target for a moment"),
        "the plan says the credential is re-created and missing for a moment: {}",
        text.stdout
    );

    let apply = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(apply.code, 0, "one apply converges: {}", apply.all());
    assert!(
        apply
            .stdout
            .contains("oauth2-client-credential/S4_OAuth: re-created with its client secret"),
        "{}",
        apply.stdout
    );
    let after = p.secondary.dump().await;
    assert_eq!(
        params(&after),
        params(&before),
        "the custom parameters survive"
    );
    use sha2::Digest;
    assert_eq!(
        after["oauth2_client_credentials"]["S4_OAuth"]["ClientSecret"],
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(b"rotated-client-secret"))
        ),
        "the new secret is on the tenant"
    );
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
}
