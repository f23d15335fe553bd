//! The command line (issue 9.11, design.md section 6): every usage error exits 1 (never clap's
//! 2, which means "differences"), for every command, bad numbers included; help and version
//! exit 0. And what the environment and `cpi-gitops.toml` hold is checked as strictly: a
//! number out of range is an error naming it, a variable that is not UTF-8 never crashes.

use clap::CommandFactory;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .args(args)
        .env_clear()
        .output()
        .expect("the binary runs")
}

fn assert_usage_error(args: &[&str]) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "`cpi-gitops {}` is a usage error: exit 1\n{stderr}",
        args.join(" ")
    );
    // A missing command shows the usage instead of one line (still exit 1, on stderr).
    assert!(
        stderr.contains("error:") || stderr.contains("Usage:"),
        "`cpi-gitops {}` says what is wrong on stderr: {stderr}",
        args.join(" ")
    );
    assert!(
        out.stdout.is_empty(),
        "`cpi-gitops {}` prints nothing on stdout",
        args.join(" ")
    );
}

/// Every command's path, e.g. `["secret", "set"]`, from the command tree itself.
fn commands() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        let subs: Vec<_> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(path);
            return;
        }
        for sub in subs {
            let mut next = path.clone();
            next.push(sub.get_name().to_string());
            walk(sub, next, out);
        }
    }
    let mut out = Vec::new();
    walk(&cpi_gitops::cli::Cli::command(), Vec::new(), &mut out);
    out
}

#[test]
fn an_unknown_flag_exits_1_for_every_command() {
    let all = commands();
    assert!(all.len() >= 8, "every command is found: {all:?}");
    for path in all {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--no-such-flag");
        assert_usage_error(&args);
    }
    assert_usage_error(&[]);
    assert_usage_error(&["no-such-command"]);
    assert_usage_error(&["secret"]);
}

#[test]
fn a_missing_required_argument_exits_1() {
    for args in [
        &["export"][..],
        &["plan"],
        &["apply"],
        &["drift"],
        &["secret", "set"],
        &["export", "--tenant"],
        &["--format", "yaml", "plan", "--tenant", "x"],
    ] {
        assert_usage_error(args);
    }
}

#[test]
fn bad_numbers_exit_1_for_every_command_that_takes_one() {
    for args in [
        &["apply", "--tenant", "x", "--max-prune-share", "NaN"][..],
        &["apply", "--tenant", "x", "--max-prune-share", "nan"],
        &["apply", "--tenant", "x", "--max-prune-share", "inf"],
        &["apply", "--tenant", "x", "--max-prune-share", "1.5"],
        &["apply", "--tenant", "x", "--max-prune-share", "-0.1"],
        &["apply", "--tenant", "x", "--max-prune-share", "lots"],
        &["apply", "--tenant", "x", "--concurrency", "0"],
        &["plan", "--tenant", "x", "--concurrency", "-1"],
        &["drift", "--tenant", "x", "--concurrency", "65"],
        &["export", "--tenant", "x", "--concurrency", "eight"],
        &["emulator", "--fault-503", "2"],
        &["emulator", "--fault-429", "NaN"],
        &["emulator", "--fault-reset", "-1"],
        &["emulator", "--fault-reset-after", "1.1"],
        &["emulator", "--page-cap", "0"],
        &["emulator", "--rate-limit", "0"],
        &["emulator", "--latency-ms", "-5"],
        &["emulator", "--latency-ms", "99999999999"],
        &["emulator", "--token-ttl", "0"],
        &["emulator", "--session-max-writes", "0"],
        &["emulator", "--expire-sessions-every", "0"],
        &["emulator", "--expire-tokens-every", "x"],
        &["emulator", "--deploy-steps", "100000"],
        &["emulator", "--echo-request-bodies", "hex"],
        &["emulator", "--listen", "not-an-address"],
        &["failover", "--to", "x", "--fence-timeout", "NaN"],
        &["failover", "--to", "x", "--fence-timeout", "0"],
        &["failover", "--to", "x", "--fence-timeout", "2d"],
        &["probe", "--tenant", "x", "--timeout", "-1s"],
        &["probe", "--tenant", "x", "--timeout", "inf"],
        &[
            "probe",
            "--tenant",
            "x",
            "--watch",
            "--tolerated-failures",
            "-1",
        ],
    ] {
        assert_usage_error(args);
    }
    let out = run(&["apply", "--tenant", "x", "--max-prune-share", "NaN"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--max-prune-share"),
        "the error names the flag"
    );
}

#[test]
fn help_and_version_exit_0() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["apply", "--help"],
        &["help"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?} prints on stdout");
    }
}

#[test]
fn a_number_out_of_range_in_the_configuration_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    std::fs::write(
        dir.path().join("cpi-gitops.toml"),
        "[tenants.primary]\nurl = \"http://127.0.0.1:1\"\nconcurrency = 0\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
        .args(["plan", "--tenant", "primary"])
        .current_dir(dir.path())
        .env_clear()
        .env("CPI_PRIMARY_USER", "u")
        .env("CPI_PRIMARY_PASSWORD", "p4ssw0rd")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "[tenants.primary] concurrency = 0 is out of range: it must be between 1 and 64"
        ),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn variables_that_are_not_utf8_never_crash_a_command() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    std::fs::write(
        dir.path().join("cpi-gitops.toml"),
        "[tenants.primary]\nurl = \"http://127.0.0.1:1\"\n",
    )
    .unwrap();
    let bad = OsString::from_vec(vec![b'p', 0xff, 0xfe]);
    let run = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_cpi-gitops"))
            .args(["plan", "--tenant", "primary"])
            .current_dir(dir.path())
            .env_clear()
            .env(name, &bad)
            .env("CPI_PRIMARY_USER", "u")
            .env("CPI_PRIMARY_PASSWORD", "p4ssw0rd")
            .output()
            .unwrap()
    };
    // Someone else's variable: skipped; the command goes on (and fails later, reaching no tenant).
    let out = run("SOME_TOOLS_SETTING");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.contains("UTF-8"),
        "an unrelated variable is not mentioned: {stderr}"
    );
    // One of ours: named.
    let out = run("CPI_PRIMARY_SERVICE_KEY");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("the environment variable CPI_PRIMARY_SERVICE_KEY is not valid UTF-8"),
        "{stderr}"
    );
}
