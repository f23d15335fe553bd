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

/// Runs `cpi-gitops -vvv <args>` with every crate logging at its most detailed
/// (`CPI_GITOPS_LOG=trace`, and `RUST_LOG=trace` for good measure); both streams.
fn traced(p: &Pair, args: &[&str]) -> (i32, String) {
    let out = p
        .repo
        .command()
        .arg("-vvv")
        .args(args)
        .env("CPI_GITOPS_LOG", "trace")
        .env("RUST_LOG", "trace")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Runs [`traced`] and keeps the output, checking the exit code.
fn expect(outputs: &mut Vec<(String, String)>, p: &Pair, code: i32, args: &[&str]) {
    let (got, text) = traced(p, args);
    assert_eq!(got, code, "`{}`: {text}", args.join(" "));
    outputs.push((args.join(" "), text));
}

/// Every file of the repository that is not an age file, `.git` included (index, refs, logs,
/// journals, locks), with git's objects decompressed: `(name, text)`.
fn repository_texts(root: &std::path::Path) -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the folder reads") {
            let path = entry.expect("the entry reads").path();
            if path.is_dir() {
                // Objects are compressed: they are read through git below.
                if !path.ends_with(".git/objects") {
                    walk(&path, out);
                }
            } else if path.extension().is_none_or(|e| e != "age") {
                let bytes = std::fs::read(&path).expect("the file reads");
                out.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    let git = git2::Repository::open(root).expect("the repository opens");
    let odb = git.odb().expect("its object database");
    odb.foreach(|id| {
        let object = odb.read(*id).expect("the object reads");
        out.push((
            format!("git object {id}"),
            String::from_utf8_lossy(object.data()).into_owned(),
        ));
        true
    })
    .expect("every object is visited");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_appears_in_no_output_log_file_or_git_object_across_the_loop_and_its_errors() {
    use reqwest::Method;
    let canaries = [
        "canary-loop-user-4e1a",
        "canary-loop-param-4e1b",
        "canary-loop-oauth-4e1c",
        "canary-loop-pd-4e1d",
        "canary-loop-drifted-4e1e",
        "canary-loop-rotated-4e1f",
    ];
    let p = Pair::new(Seed::Empty).await;
    let pr = &p.primary;
    for (set, body) in [
        (
            "UserCredentials",
            json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": canaries[0]}),
        ),
        (
            "SecureParameters",
            json!({"Name": "Canary_Param", "SecureParam": canaries[1]}),
        ),
        (
            "OAuth2ClientCredentials",
            json!({"Name": "Canary_OAuth", "TokenServiceUrl": "https://t", "ClientId": "c", "ClientSecret": canaries[2]}),
        ),
        (
            "UserCredentialParameters",
            json!({"Pid": "ACME", "Id": "Canary", "User": "u", "Password": canaries[3]}),
        ),
    ] {
        let r = pr.send(Method::POST, set, Some(body)).await;
        assert!(r.status.is_success(), "{set}: {}", r.text());
    }
    let mut outputs = Vec::new();

    // The loop: export, plan, apply, drift, in every format.
    expect(&mut outputs, &p, 0, &["export", "--tenant", "primary"]);
    for format in ["text", "json", "markdown"] {
        expect(
            &mut outputs,
            &p,
            2,
            &["--format", format, "plan", "--tenant", "secondary"],
        );
    }
    expect(
        &mut outputs,
        &p,
        0,
        &[
            "--format",
            "json",
            "apply",
            "--tenant",
            "secondary",
            "--overwrite-drift",
        ],
    );
    expect(&mut outputs, &p, 0, &["drift", "--tenant", "secondary"]);

    // Drift: a password changed on the secondary, and one rotated on the primary.
    let r = p
        .secondary
        .send(Method::PUT, "UserCredentials('Canary_User')", Some(json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": canaries[4]})))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = pr
        .send(
            Method::PUT,
            "SecureParameters('Canary_Param')",
            Some(json!({"Name": "Canary_Param", "SecureParam": canaries[5]})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    expect(
        &mut outputs,
        &p,
        0,
        &["--format", "markdown", "export", "--tenant", "primary"],
    );
    for format in ["text", "json", "markdown"] {
        expect(
            &mut outputs,
            &p,
            2,
            &["--format", format, "drift", "--tenant", "secondary"],
        );
    }

    // Error paths: an apply refused for drift, writes refused by a tenant that echoes their
    // bodies, reads answered with garbage, an export whose reads fail.
    expect(
        &mut outputs,
        &p,
        2,
        &["--format", "json", "apply", "--tenant", "secondary"],
    );
    p.secondary
        .switches(json!({
            "fail_routes": {"PUT UserCredentials(..)": 400, "PUT SecureParameters(..)": 400,
                            "POST UserCredentials": 400, "POST SecureParameters": 400},
            "echo_request_bodies": "raw"
        }))
        .await;
    for format in ["text", "markdown"] {
        expect(
            &mut outputs,
            &p,
            1,
            &[
                "--format",
                format,
                "apply",
                "--tenant",
                "secondary",
                "--overwrite-drift",
            ],
        );
    }
    assert!(
        outputs.iter().any(|(_, o)| o.contains("Request body:")),
        "the tenant echoed the bodies it refused"
    );
    p.secondary
        .switches(json!({
            "fail_routes": {},
            "echo_request_bodies": null,
            "garbage_routes": {"GET UserCredentials": "garbage"}
        }))
        .await;
    expect(&mut outputs, &p, 1, &["plan", "--tenant", "secondary"]);
    p.primary
        .switches(json!({"fail_routes": {"GET SecureParameters": 500}}))
        .await;
    expect(
        &mut outputs,
        &p,
        1,
        &["--format", "json", "export", "--tenant", "primary"],
    );

    for canary in canaries {
        for (command, text) in &outputs {
            let found = leaks(text, canary);
            assert!(
                found.is_empty(),
                "{canary} leaked as {found:?} from `{command}` (logs at trace):\n{text}"
            );
        }
        for (name, text) in repository_texts(p.repo.path()) {
            assert!(!text.contains(canary), "{canary} appears in {name}");
        }
    }
}
