//! Benchmarks of whole syncs against an emulated tenant, run as separate processes exactly as a
//! user runs them. Reproduce with:
//!
//! ```sh
//! cargo bench --bench sync                    # 2,000 artifacts, 50 ms latency, 3 runs
//! cargo bench --bench sync -- --artifacts 500 --latency-ms 20 --runs 5
//! ```
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
}

fn parse_args() -> Args {
    let mut a = Args {
        packages: 40,
        artifacts: 2000,
        latency_ms: 50,
        runs: 3,
        concurrency: 8,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
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
    Measured {
        wall,
        max_rss_kb: usage.ru_maxrss,
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

/// `cpi-gitops --quiet ARGS` in `dir`, with both tenants' credentials and the demo identity.
fn command(dir: &Path, args: &[&str]) -> Command {
    let identity =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/age/demo-identity.txt");
    let mut cmd = Command::new(BIN);
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
}

/// Runs `cpi-gitops ARGS` in `dir` and measures it, counting the requests `emulator` answered.
fn run(emulator: &Emulator, dir: &Path, args: &[&str]) -> Sample {
    admin(&emulator.url, "DELETE", "stats");
    let m = measure(command(dir, args));
    assert!(m.success, "cpi-gitops {args:?} succeeded");
    let stats = admin(&emulator.url, "GET", "stats");
    Sample {
        wall: m.wall.as_secs_f64(),
        requests: stats["requests"].as_u64().unwrap_or(0),
        in_flight: stats["max_in_flight"].as_u64().unwrap_or(0),
        rss_mb: m.max_rss_kb as f64 / 1024.0,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

fn report(name: &str, samples: &[Sample], args: &Args) {
    let wall = median(samples.iter().map(|s| s.wall).collect());
    let requests = median(samples.iter().map(|s| s.requests as f64).collect());
    let ideal = requests * args.latency_ms as f64 / 1000.0 / args.concurrency as f64;
    let rss = median(samples.iter().map(|s| s.rss_mb).collect());
    let in_flight = samples.iter().map(|s| s.in_flight).max().unwrap_or(0);
    println!(
        "| {name} | {wall:.2} s | {ideal:.2} s | {:.2}x | {requests:.0} | {in_flight} | {rss:.0} MB |",
        wall / ideal
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
    let mut full = Vec::new();
    let mut again = Vec::new();
    let mut restores = Vec::new();
    let mut drifts = Vec::new();
    for n in 0..args.runs {
        let secondary = start_emulator(&args, "empty");
        let dir = repo(&primary.url, &secondary.url, args.concurrency);
        let export = ["export", "--tenant", "primary"];
        let first = run(&primary, dir.path(), &export);
        let second = run(&primary, dir.path(), &export);
        let restore = run(
            &secondary,
            dir.path(),
            &["apply", "--tenant", "secondary", "--overwrite-drift"],
        );
        let drift = run(&secondary, dir.path(), &["drift", "--tenant", "secondary"]);
        eprintln!(
            "run {}: full export {:.2} s, no-change export {:.2} s, restore {:.2} s, drift {:.2} s",
            n + 1,
            first.wall,
            second.wall,
            restore.wall,
            drift.wall
        );
        full.push(first);
        again.push(second);
        restores.push(restore);
        drifts.push(drift);
    }
    println!(
        "| {} artifacts | wall (median) | ideal | ratio | requests | max in flight | peak memory |",
        args.artifacts
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    report("full export", &full, &args);
    report("no-change export", &again, &args);
    report("restore onto an empty tenant", &restores, &args);
    report("drift check of the restored tenant", &drifts, &args);
}
