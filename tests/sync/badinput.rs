//! Bad input is found before anything is written to the tenant, and named: a corrupted or
//! hand-edited file, a missing secret, a wrong identity, an unknown kind, an override for an
//! object that does not exist, a revision that does not exist.

use crate::common::pair::Pair;
use cpi_gitops::emulator::Seed;

/// Commits `edit` to the repository, runs apply, and checks exit 1, the message, and that the
/// secondary did not change.
async fn refused(p: &Pair, edit: impl FnOnce(&std::path::Path), expect: &[&str]) {
    edit(p.repo.path());
    p.repo.commit_all("a bad edit");
    let dump = p.secondary.dump().await;
    for command in ["plan", "apply"] {
        let mut args = vec![command, "--tenant", "secondary"];
        if command == "apply" {
            args.push("--overwrite-drift");
        }
        let r = p.run(&args);
        assert_eq!(r.code, 1, "{command}: {}", r.all());
        for e in expect {
            assert!(
                r.stderr.contains(e),
                "{command}: the error says {e:?}: {}",
                r.stderr
            );
        }
    }
    assert_eq!(
        p.secondary.dump().await,
        dump,
        "nothing was written to the tenant"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_file_is_named() {
    let p = Pair::new(Seed::Empty).await;
    let file =
        "tenant-state/packages/Orders/integration-flows/Orders_Inbound_HTTPS/configuration.json";
    refused(
        &p,
        |dir| std::fs::write(dir.join(file), "{ not json").unwrap(),
        &[file, "not valid JSON"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_edited_id_is_named() {
    let p = Pair::new(Seed::Empty).await;
    let file = "tenant-state/number-ranges/IDoc_Control.json";
    refused(
        &p,
        |dir| {
            let text = std::fs::read_to_string(dir.join(file))
                .unwrap()
                .replace("\"IDoc_Control\"", "\"Renamed\"");
            std::fs::write(dir.join(file), text).unwrap();
        },
        &[file, "does not match its path"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kind_is_named() {
    let p = Pair::new(Seed::Empty).await;
    refused(
        &p,
        |dir| {
            std::fs::create_dir_all(dir.join("tenant-state/security/widgets")).unwrap();
            std::fs::write(dir.join("tenant-state/security/widgets/w.json"), "{}").unwrap();
        },
        &["tenant-state/security/widgets/w.json", "unknown kind"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_override_of_nothing_is_named() {
    let p = Pair::new(Seed::Empty).await;
    refused(
        &p,
        |dir| {
            std::fs::create_dir_all(dir.join("tenant-state/overrides")).unwrap();
            std::fs::write(
                dir.join("tenant-state/overrides/secondary.json"),
                r#"{"integration-flow/No_Such_Flow": {"Name": "x"}}"#,
            )
            .unwrap();
        },
        &[
            "tenant-state/overrides/secondary.json",
            "integration-flow/No_Such_Flow does not exist",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_certificate_or_binary_value_is_named_before_writing() {
    for file in [
        "tenant-state/security/certificates/partner_ca.pem",
        "tenant-state/partner-directory/ACME/binary-parameters/Mapping.xsl.value",
    ] {
        let p = Pair::new(Seed::Empty).await;
        std::fs::remove_file(p.repo.path().join(file)).unwrap();
        p.repo.commit_all("lost a file");
        let dump = p.secondary.dump().await;
        let r = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
        assert_eq!(r.code, 1, "{}", r.all());
        assert!(
            r.stderr.contains(file),
            "the error names {file}: {}",
            r.stderr
        );
        assert_eq!(p.secondary.dump().await, dump, "nothing was written");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_secret_file_is_named_before_writing() {
    let p = Pair::new(Seed::Empty).await;
    std::fs::remove_file(
        p.repo
            .path()
            .join("tenant-state/security/secure-parameters/Bank_API_Key.value.age"),
    )
    .unwrap();
    p.repo.commit_all("lost a secret");
    let dump = p.secondary.dump().await;
    let r = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("tenant-state/security/secure-parameters/Bank_API_Key.value.age")
            && r.stderr
                .contains("secret set secure-parameter/Bank_API_Key"),
        "{}",
        r.stderr
    );
    assert_eq!(p.secondary.dump().await, dump, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_identity_is_named_before_writing() {
    let p = Pair::new(Seed::Empty).await;
    let dump = p.secondary.dump().await;
    use age::secrecy::ExposeSecret;
    let stranger = age::x25519::Identity::generate()
        .to_string()
        .expose_secret()
        .to_string();
    let wrong = p.run_with(
        &["apply", "--tenant", "secondary", "--overwrite-drift"],
        "CPI_GITOPS_AGE_IDENTITY",
        Some(&stranger),
    );
    assert_eq!(wrong.code, 1, "{}", wrong.all());
    assert!(
        wrong.stderr.contains(".age") && wrong.stderr.contains("not one of the file's recipients"),
        "the file is named: {}",
        wrong.stderr
    );
    let none = p.run_with(
        &["apply", "--tenant", "secondary", "--overwrite-drift"],
        "CPI_GITOPS_AGE_IDENTITY",
        None,
    );
    assert_eq!(none.code, 1, "{}", none.all());
    assert!(
        none.stderr.contains("CPI_GITOPS_AGE_IDENTITY"),
        "{}",
        none.stderr
    );
    assert_eq!(p.secondary.dump().await, dump, "nothing was written");
    let rev = p.run(&["plan", "--tenant", "secondary", "--rev", "no-such-branch"]);
    assert_eq!(rev.code, 1);
    assert!(rev.stderr.contains("no-such-branch"), "{}", rev.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_prints_its_causes_then_its_hint() {
    let p = Pair::new(Seed::Empty).await;
    let r = p.run(&["--config", "no-such.toml", "plan", "--tenant", "secondary"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines[0], "error: cannot read no-such.toml", "{}", r.stderr);
    assert!(
        lines[1].starts_with("  caused by: ") && lines[1].contains("No such file"),
        "the cause follows the error: {}",
        r.stderr
    );
    assert!(
        lines[2].starts_with("hint: create cpi-gitops.toml"),
        "the hint comes last: {}",
        r.stderr
    );
}

#[test]
fn a_usage_error_exits_1_and_help_exits_0() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
            .args(args)
            .output()
            .expect("the binary runs")
    };
    let usage = run(&["plan"]);
    assert_eq!(
        usage.status.code(),
        Some(1),
        "a missing flag is exit 1, not 2"
    );
    assert!(String::from_utf8_lossy(&usage.stderr).contains("--tenant"));
    assert_eq!(run(&["no-such-command"]).status.code(), Some(1));
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage:"));
}
