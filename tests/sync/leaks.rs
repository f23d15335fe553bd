//! Secrets echoed by a tenant (issue 9.5): a tenant that repeats a request body in its error
//! answers, raw, base64- or URL-encoded, gets every secret masked in text, JSON and markdown
//! output and in the logs at `-vvv`. The canaries are checked in every form they could take,
//! found by decoding the output, not by the masking code's own list.

use crate::common::pair::Pair;
use base64::Engine;
use cpi_gitops::emulator::Seed;
use serde_json::json;

/// The secure parameter's value: the same in raw and JSON-escaped form.
const PLAIN: &str = "CanaryPlain-91f3k2Zq";
/// The user credential's password: JSON escaping and URL encoding change it.
const QUOTED: &str = "Can\"ary\\Pw/9 &x+\u{e9}";

/// Where `canary` shows in `text`, in any form: raw, JSON-escaped, percent- or form-decoded,
/// or inside any base64 run.
fn leaks(text: &str, canary: &str) -> Vec<String> {
    let mut found = Vec::new();
    let json = serde_json::to_string(canary).unwrap();
    for (form, needle) in [
        ("raw", canary.to_string()),
        ("json", json[1..json.len() - 1].to_string()),
    ] {
        if text.contains(&needle) {
            found.push(form.to_string());
        }
    }
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
    if decoded.contains(canary) {
        found.push("url".into());
    }
    if decoded.replace('+', " ").contains(canary) {
        found.push("form".into());
    }
    let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '=');
    for run in text.split(|c: char| !alphabet(c)).filter(|r| r.len() >= 12) {
        let run = run.trim_end_matches('=');
        for skip in 0..4 {
            let Some(part) = run.get(skip..) else {
                continue;
            };
            let part = &part[..part.len() / 4 * 4];
            for engine in [
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                if let Ok(bytes) = engine.decode(part) {
                    if String::from_utf8_lossy(&bytes).contains(canary) {
                        found.push(format!("base64 {run}"));
                    }
                }
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_echoed_by_a_tenant_never_reach_any_output() {
    let p = Pair::new(Seed::Empty).await;
    for (object, value) in [
        ("secure-parameter/Bank_API_Key", PLAIN),
        ("user-credential/ERP_Basic", QUOTED),
    ] {
        let set = p.run_input(&["secret", "set", object], value.as_bytes());
        assert_eq!(set.code, 0, "secret set {object}: {}", set.all());
    }
    p.repo.commit_all("Canary secrets");
    p.secondary
        .switches(
            json!({"fail_routes": {"POST SecureParameters": 400, "POST UserCredentials": 400}}),
        )
        .await;
    let mut masked = 0;
    for echo in ["raw", "base64", "url"] {
        p.secondary
            .switches(json!({"echo_request_bodies": echo}))
            .await;
        for format in ["text", "json", "markdown"] {
            let r = p.run(&[
                "-vvv",
                "--format",
                format,
                "apply",
                "--tenant",
                "secondary",
                "--overwrite-drift",
            ]);
            assert_eq!(r.code, 1, "the two writes fail: {}", r.all());
            let all = r.all();
            assert!(
                all.contains("Request body:"),
                "the tenant echoed the body ({echo}, {format}): {all}"
            );
            for canary in [PLAIN, QUOTED] {
                let found = leaks(&all, canary);
                assert!(
                    found.is_empty(),
                    "the canary {canary:?} leaked as {found:?} with {echo} echoes in {format} output:\n{all}"
                );
            }
            masked += all.matches("[redacted]").count();
        }
    }
    assert!(
        masked >= 9,
        "the echoed secrets were masked ({masked} masks)"
    );

    // Every crate's logs, at their most detailed.
    let r = p.run_with(
        &[
            "--format",
            "json",
            "apply",
            "--tenant",
            "secondary",
            "--overwrite-drift",
        ],
        "CPI_GITOPS_LOG",
        Some("trace"),
    );
    assert_eq!(r.code, 1, "{}", r.all());
    for canary in [PLAIN, QUOTED] {
        let found = leaks(&r.all(), canary);
        assert!(found.is_empty(), "trace logs leak {canary:?} as {found:?}");
    }
}
