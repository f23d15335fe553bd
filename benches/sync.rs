//! Benchmarks of whole syncs against an emulated tenant, run as separate processes exactly as a
//! user runs them. Reproduce with:
//!
//! ```sh
//! cargo bench --bench sync                    # 2,000 artifacts, 50 ms latency, 3 runs
//! cargo bench --bench sync -- --artifacts 500 --latency-ms 20 --runs 5
//! cargo bench --bench sync -- --export-only --baseline /tmp/cpi-gitops-old --git-add
//! ```
//!
//! `--baseline BIN` measures a second binary (an older build) in the same run, alternating with
//! this one run by run, against the same emulated tenants; `--export-only` skips the restore and
//! the drift check; `--git-add` also measures `git add -A && git -c gc.auto=0 commit` of the tree
//! the full export wrote, in a fresh repository, as git itself would store it.
//!
//! For each run: a fresh git repository, `cpi-gitops export` of the primary (the first, full
//! export), a second export of the unchanged primary, then a disaster-recovery restore of the
//! committed state onto a fresh, empty emulated secondary with the same latency (`apply
//! --overwrite-drift`: create, configure, deploy, wait for STARTED, verify) and a `drift` check
//! of the restored secondary. Reported: wall time, the ideal time (requests x latency
//! / concurrency, what a client that keeps the tenant's request limit busy at all times would
//! take), their ratio, requests made (from the emulator's statistics), the highest number of
//! requests in flight, and the export process's peak memory (maxrss from wait4). Medians over
//! the runs. Results go into docs/benchmarks.md.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cpi-gitops");

struct Args {
    packages: usize,
    artifacts: usize,
    latency_ms: u64,
    runs: usize,
    concurrency: usize,
    baseline: Option<String>,
    export_only: bool,
    git_add: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        packages: 40,
        artifacts: 2000,
        latency_ms: 50,
        runs: 3,
        concurrency: 8,
        baseline: None,
        export_only: false,
        git_add: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--baseline" => {
                a.baseline = argv.get(i + 1).cloned();
                i += 2;
                continue;
            }
            "--export-only" => {
                a.export_only = true;
                i += 1;
                continue;
            }
            "--git-add" => {
                a.git_add = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        let value = argv.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (argv[i].as_str(), value) {
            ("--packages", Some(v)) => a.packages = v as usize,
            ("--artifacts", Some(v)) => a.artifacts = v as usize,
            ("--latency-ms", Some(v)) => a.latency_ms = v,
            ("--runs", Some(v)) => a.runs = v.max(1) as usize,
            ("--concurrency", Some(v)) => a.concurrency = v.max(1) as usize,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

/// One measured process.
struct Measured {
    wall: Duration,
    max_rss_kb: i64,
    user: f64,
    sys: f64,
    success: bool,
}

/// Runs `cmd` and measures its wall time and peak resident memory.
fn measure(mut cmd: Command) -> Measured {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 on our own child's pid with valid pointers to a status and a zeroed rusage;
    // it reaps the child, so `child` is never waited on again (it is forgotten below).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    std::mem::forget(child);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measured {
        wall,
        max_rss_kb: usage.ru_maxrss,
        user: secs(usage.ru_utime),
        sys: secs(usage.ru_stime),
        success: reaped == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    }
}

struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(args: &Args, seed: &str) -> Emulator {
    let mut child = Command::new(BIN)
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            seed,
            "--deploy-steps",
            "0",
        ])
        .args(["--latency-ms", &args.latency_ms.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the emulator starts");
    let first = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .next()
        .and_then(Result::ok)
        .unwrap_or_default();
    let url = first.rsplit(' ').next().unwrap_or_default().to_string();
    assert!(
        url.starts_with("http://"),
        "the emulator printed its URL: {first}"
    );
    Emulator { child, url }
}

fn admin(url: &str, method: &str, path: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args([
            "-s",
            "-X",
            method,
            "-u",
            "admin:emulator",
            &format!("{url}/admin/{path}"),
        ])
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn repo(primary: &str, secondary: &str, concurrency: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let run = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git {args:?}");
    };
    run(&["init", "-q", "-b", "main"]);
    std::fs::write(
        dir.path().join("cpi-gitops.toml"),
        format!(
            "[tenants.primary]\nurl = \"{primary}\"\nconcurrency = {concurrency}\n\n\
             [tenants.secondary]\nurl = \"{secondary}\"\nconcurrency = {concurrency}\ndeploy_poll_ms = 50\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("tenant-state")).unwrap();
    let recipient =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/age/demo-recipient.txt");
    std::fs::copy(recipient, dir.path().join("tenant-state/recipients.txt")).unwrap();
    run(&["add", "-A"]);
    run(&[
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.com",
        "commit",
        "-qm",
        "init",
    ]);
    dir
}

/// `BIN --quiet ARGS` in `dir`, with both tenants' credentials and the demo identity.
fn command(bin: &str, dir: &Path, args: &[&str]) -> Command {
    let identity =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/age/demo-identity.txt");
    let mut cmd = Command::new(bin);
    cmd.arg("--quiet")
        .args(args)
        .current_dir(dir)
        .env("CPI_PRIMARY_USER", "admin")
        .env("CPI_PRIMARY_PASSWORD", "emulator")
        .env("CPI_SECONDARY_USER", "admin")
        .env("CPI_SECONDARY_PASSWORD", "emulator")
        .env("CPI_GITOPS_AGE_IDENTITY_FILE", identity)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com");
    cmd
}

struct Sample {
    wall: f64,
    requests: u64,
    in_flight: u64,
    rss_mb: f64,
    user: f64,
    sys: f64,
}

/// Runs `BIN ARGS` in `dir` and measures it, counting the requests `emulator` answered.
fn run(bin: &str, emulator: &Emulator, dir: &Path, args: &[&str]) -> Sample {
    admin(&emulator.url, "DELETE", "stats");
    let m = measure(command(bin, dir, args));
    assert!(m.success, "{bin} {args:?} succeeded");
    let stats = admin(&emulator.url, "GET", "stats");
    Sample {
        wall: m.wall.as_secs_f64(),
        requests: stats["requests"].as_u64().unwrap_or(0),
        in_flight: stats["max_in_flight"].as_u64().unwrap_or(0),
        rss_mb: m.max_rss_kb as f64 / 1024.0,
        user: m.user,
        sys: m.sys,
    }
}

/// `git add -A && git -c gc.auto=0 commit` of the state folder of `exported`, copied into a fresh
/// repository first (the copy is not measured).
fn git_add(exported: &Path) -> Sample {
    let dir = tempfile::tempdir().expect("a temp dir");
    let ok = Command::new("cp")
        .arg("-a")
        .arg(exported.join("tenant-state"))
        .arg(dir.path())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "cp -a tenant-state");
    let init = Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(dir.path())
        .status()
        .is_ok_and(|s| s.success());
    assert!(init, "git init");
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "git add -A && git -c gc.auto=0 -c user.name=bench -c user.email=bench@example.com commit -qm export",
    ])
    .current_dir(dir.path());
    let m = measure(cmd);
    assert!(m.success, "git add and commit");
    Sample {
        wall: m.wall.as_secs_f64(),
        requests: 0,
        in_flight: 0,
        rss_mb: m.max_rss_kb as f64 / 1024.0,
        user: m.user,
        sys: m.sys,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

fn report(name: &str, samples: &[Sample], args: &Args) {
    if samples.is_empty() {
        return;
    }
    let wall = median(samples.iter().map(|s| s.wall).collect());
    let requests = median(samples.iter().map(|s| s.requests as f64).collect());
    let ideal = requests * args.latency_ms as f64 / 1000.0 / args.concurrency as f64;
    let rss = median(samples.iter().map(|s| s.rss_mb).collect());
    let user = median(samples.iter().map(|s| s.user).collect());
    let sys = median(samples.iter().map(|s| s.sys).collect());
    let in_flight = samples.iter().map(|s| s.in_flight).max().unwrap_or(0);
    let ratio = if ideal > 0.0 {
        format!("{:.2}x", wall / ideal)
    } else {
        "-".into()
    };
    println!(
        "| {name} | {wall:.2} s | {ideal:.2} s | {ratio} | {requests:.0} | {in_flight} | {user:.2} s / {sys:.2} s | {rss:.0} MB |"
    );
}

fn main() {
    let args = parse_args();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    eprintln!(
        "sync benchmark: {} artifacts in {} packages, {} ms latency per request, concurrency {}, {} runs",
        args.artifacts, args.packages, args.latency_ms, args.concurrency, args.runs
    );
    let primary = start_emulator(
        &args,
        &format!("generate:{}:{}", args.packages, args.artifacts),
    );
    let mut bins: Vec<(&str, String)> = vec![("", BIN.to_string())];
    if let Some(b) = &args.baseline {
        bins.push((" (baseline)", b.clone()));
    }
    #[derive(Default)]
    struct Rows {
        full: Vec<Sample>,
        again: Vec<Sample>,
        restores: Vec<Sample>,
        drifts: Vec<Sample>,
    }
    let mut rows: Vec<Rows> = bins.iter().map(|_| Rows::default()).collect();
    let mut adds = Vec::new();
    for n in 0..args.runs {
        for (b, (label, bin)) in bins.iter().enumerate() {
            let secondary = start_emulator(&args, "empty");
            let dir = repo(&primary.url, &secondary.url, args.concurrency);
            let export = ["export", "--tenant", "primary"];
            let first = run(bin, &primary, dir.path(), &export);
            let second = run(bin, &primary, dir.path(), &export);
            if args.git_add && b == 0 {
                adds.push(git_add(dir.path()));
            }
            let mut line = format!(
                "run {}{label}: full export {:.2} s, no-change export {:.2} s",
                n + 1,
                first.wall,
                second.wall
            );
            rows[b].full.push(first);
            rows[b].again.push(second);
            if !args.export_only {
                let restore = run(
                    bin,
                    &secondary,
                    dir.path(),
                    &["apply", "--tenant", "secondary", "--overwrite-drift"],
                );
                let drift = run(
                    bin,
                    &secondary,
                    dir.path(),
                    &["drift", "--tenant", "secondary"],
                );
                line.push_str(&format!(
                    ", restore {:.2} s, drift {:.2} s",
                    restore.wall, drift.wall
                ));
                rows[b].restores.push(restore);
                rows[b].drifts.push(drift);
            }
            eprintln!("{line}");
        }
    }
    println!(
        "| {} artifacts, {} ms | wall (median) | ideal | ratio | requests | max in flight | CPU user / sys | peak memory |",
        args.artifacts, args.latency_ms
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for ((label, _), r) in bins.iter().zip(&rows) {
        report(&format!("full export{label}"), &r.full, &args);
        report(&format!("no-change export{label}"), &r.again, &args);
        report(
            &format!("restore onto an empty tenant{label}"),
            &r.restores,
            &args,
        );
        report(
            &format!("drift check of the restored tenant{label}"),
            &r.drifts,
            &args,
        );
    }
    report(
        "`git add -A && git -c gc.auto=0 commit` of the same tree",
        &adds,
        &args,
    );
}
