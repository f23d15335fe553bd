//! The `--format json` contract: once the arguments are parsed, every outcome of every command,
//! refusals and errors included, is exactly one JSON document on stdout that starts with
//! `format_version` and `command`; usage errors stay text on stderr (exit 1).

use crate::common::pair::{Pair, Run};
use cpi_gitops::emulator::Seed;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

/// The one document of a run's stdout, checked for its version and command.
fn document(r: &Run, command: &str) -> Value {
    let doc: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}): {}", r.all()));
    assert_eq!(doc["format_version"], 1, "{doc}");
    assert_eq!(doc["command"], command, "{doc}");
    assert!(
        r.stdout.starts_with(&format!(
            "{{\n  \"format_version\": 1,\n  \"command\": \"{command}\","
        )),
        "the version and command come first: {}",
        r.stdout
    );
    doc
}

fn error_of(r: &Run, command: &str, kind: &str, code: i32) -> Value {
    assert_eq!(r.code, code, "{}", r.all());
    let doc = document(r, command);
    assert_eq!(doc["error"]["kind"], kind, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(doc["error"].get("hint").is_some(), "{doc}");
    assert!(
        !r.stderr.contains("error:"),
        "the error is not printed twice: {}",
        r.stderr
    );
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outcome_is_one_json_document() {
    let p = Pair::new(Seed::Empty).await;
    let json = |args: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        p.run(&all)
    };

    let plan = json(&["plan", "--tenant", "secondary"]);
    assert_eq!(plan.code, 2);
    let doc = document(&plan, "plan");
    assert!(doc["steps"].as_array().is_some_and(|s| !s.is_empty()));

    // Apply refused because of drift: exit 2, and a document that says so.
    let refused = json(&["apply", "--tenant", "secondary"]);
    let doc = error_of(&refused, "apply", "drift", 2);
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--overwrite-drift")
    );
    assert!(!doc["error"]["causes"].as_array().unwrap().is_empty());

    let applied = json(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(applied.code, 0, "{}", applied.all());
    let doc = document(&applied, "apply");
    assert!(doc["outcomes"].as_array().is_some_and(|o| !o.is_empty()));
    assert_eq!(doc["remaining"], serde_json::json!([]));

    let drift = json(&["drift", "--tenant", "secondary"]);
    assert_eq!(drift.code, 0);
    assert_eq!(document(&drift, "drift")["changes"], 0);

    let export = json(&["export", "--tenant", "primary"]);
    assert_eq!(export.code, 0, "{}", export.all());
    let doc = document(&export, "export");
    assert_eq!(doc["changed"], false);
    assert_eq!(doc["companion"], "used");
    assert!(doc["objects"][0]["outcome"].is_string());
    assert_eq!(doc["unverified_secrets"], serde_json::json!([]), "{doc}");
    assert!(
        doc.get("recovered").is_none() && doc.get("stopped").is_none(),
        "{doc}"
    );

    // Errors: configuration, bad input, a tenant that is not there.
    error_of(&json(&["plan", "--tenant", "nowhere"]), "plan", "config", 1);
    let bad = p
        .repo
        .path()
        .join("tenant-state/number-ranges/IDoc_Control.json");
    std::fs::write(&bad, "{").unwrap();
    p.repo.commit_all("a bad edit");
    let doc = error_of(
        &json(&["drift", "--tenant", "secondary"]),
        "drift",
        "user",
        1,
    );
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tenant-state/number-ranges/IDoc_Control.json"),
        "{doc}"
    );

    // secret set and rekey.
    let mut child = p
        .repo
        .command()
        .args([
            "--format",
            "json",
            "secret",
            "set",
            "secure-parameter/Webhook_Token",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"new token").unwrap();
    let out = child.wait_with_output().unwrap();
    let set = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(set.code, 0, "{}", set.all());
    let doc = document(&set, "secret set");
    assert_eq!(doc["object"], "secure-parameter/Webhook_Token");
    assert_eq!(doc["slot"], "value");
    assert_eq!(doc["recipients"], 1);
    let rekey = json(&["secret", "rekey"]);
    assert_eq!(
        document(&rekey, "secret rekey")["files"],
        8,
        "{}",
        rekey.all()
    );
    error_of(
        &p.run_with(
            &["--format", "json", "secret", "rekey"],
            "CPI_GITOPS_AGE_IDENTITY",
            None,
        ),
        "secret rekey",
        "config",
        1,
    );

    // demo prints text for people only: asked for JSON, it refuses with a document.
    error_of(&json(&["demo"]), "demo", "user", 1);

    // A usage error stays text on stderr, exit 1.
    let usage = json(&["plan"]);
    assert_eq!(usage.code, 1);
    assert!(usage.stdout.is_empty(), "{}", usage.stdout);
    assert!(usage.stderr.contains("--tenant"), "{}", usage.stderr);
}

#[test]
fn the_emulator_says_where_it_listens_in_one_document() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .args([
            "--format",
            "json",
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "empty",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut text = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if line == "}" {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "emulator");
    let url = doc["url"].as_str().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{doc}"
    );
    assert_eq!(doc["api_url"], format!("{url}/api/v1"));
    assert!(doc.get("password").is_none() && !text.contains("emulator-secret"));
}
