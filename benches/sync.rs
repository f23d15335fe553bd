//! Benchmarks of whole syncs against an emulated tenant, run as separate processes exactly as a
//! user runs them. Reproduce with:
//!
//! ```sh
//! cargo bench --bench sync                    # 2,000 artifacts, 50 ms latency, 3 runs
//! cargo bench --bench sync -- --artifacts 500 --latency-ms 20 --runs 5
//! cargo bench --bench sync -- --sizes 200,1000,2000,4000 --latencies 0,20,50 --git-add
//! cargo bench --bench sync -- --export-only --baseline /tmp/cpi-gitops-old --git-add
//! cargo bench --bench sync -- --artifacts 200 --packs 50
//! ```
//!
//! `--sizes` and `--latencies` measure every combination in one run (the matrix of
//! `docs/benchmarks.md`; packages are one per 50 artifacts, at least 10, unless `--packages`);
//! `--baseline BIN` measures a second binary (an older build) in the same run, alternating with
//! this one run by run, against the same emulated tenants; `--export-only` skips the restore and
//! the drift check; `--git-add` also measures `git add -A && git -c gc.auto=0 commit` of the tree
//! the full export wrote, in a fresh repository, as git itself would store it (at 0 ms only);
//! `--packs N` runs N exports of a tenant that changes between them and reports the packs left.
//!
//! For each run: a fresh git repository, `cpi-gitops export` of the primary (the first, full
//! export), a second export of the unchanged primary, then a disaster-recovery restore of the
//! committed state onto a fresh, empty emulated secondary with the same latency (`apply
//! --overwrite-drift`: create, configure, deploy, wait for STARTED, verify) and a `drift` check
//! of the restored secondary. Reported: wall time; the ideal time (the floor of requests x latency
//! / concurrency, what a client that keeps the tenant's request limit busy at all times would
//! take; for exports the floor is computed from the tenant's content, see `floor`, for restore
//! and drift it is the requests made); their ratio; requests made (from the emulator's
//! statistics); the command's CPU (user / system) and peak memory (from wait4); the emulator's
//! CPU in the same span; and where the time beyond the ideal went: before the first request,
//! after the last answer, and the average number of requests in flight between. Medians over the
//! runs. Results go into docs/benchmarks.md. Run directories are removed at the end, not between
//! runs (creating files soon after deleting thousands is slow on some file systems, ext4 without
//! a journal among them, and that cost is the benchmark's, not the command's).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cpi-gitops");

struct Args {
    packages: Option<usize>,
    sizes: Vec<usize>,
    latencies: Vec<u64>,
    runs: usize,
    concurrency: usize,
    baseline: Option<String>,
    export_only: bool,
    git_add: bool,
    packs: Option<usize>,
}

/// One cell of the matrix.
#[derive(Clone, Copy)]
struct Cell {
    artifacts: usize,
    packages: usize,
    latency_ms: u64,
    concurrency: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        packages: None,
        sizes: vec![2000],
        latencies: vec![50],
        runs: 3,
        concurrency: 8,
        baseline: None,
        export_only: false,
        git_add: false,
        packs: None,
    };
    let list = |v: Option<&String>| -> Vec<u64> {
        v.map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
            .unwrap_or_default()
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
            "--sizes" => {
                a.sizes = list(argv.get(i + 1))
                    .into_iter()
                    .map(|v| v as usize)
                    .collect();
                i += 2;
                continue;
            }
            "--latencies" => {
                a.latencies = list(argv.get(i + 1));
                i += 2;
                continue;
            }
            _ => {}
        }
        let value = argv.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (argv[i].as_str(), value) {
            ("--packages", Some(v)) => a.packages = Some(v as usize),
            ("--artifacts", Some(v)) => a.sizes = vec![v as usize],
            ("--latency-ms", Some(v)) => a.latencies = vec![v],
            ("--packs", Some(v)) => a.packs = Some(v as usize),
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

impl Emulator {
    /// The emulator's CPU time so far, user and system, in seconds (from `/proc`).
    fn cpu(&self) -> (f64, f64) {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which ends with the last ')'): utime is the 12th,
        // stime the 13th, in clock ticks.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // SAFETY: sysconf has no preconditions.
        let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let field = |n: usize| {
            fields
                .get(n)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
                / tick
        };
        (field(11), field(12))
    }
}

fn start_emulator(cell: &Cell, seed: &str) -> Emulator {
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
        .args(["--latency-ms", &cell.latency_ms.to_string()])
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

fn curl(url: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-s", "-u", "admin:emulator"])
        .args(args)
        .arg(url)
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn admin(url: &str, method: &str, path: &str) -> serde_json::Value {
    curl(&format!("{url}/admin/{path}"), &["-X", method])
}

/// Creates a number range on the emulated tenant through its API (a change the next export
/// commits).
fn change_tenant(url: &str, n: usize) {
    let jar = tempfile::NamedTempFile::new().expect("a cookie jar");
    let jar = jar.path().to_string_lossy().to_string();
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-o", "/dev/null", "-u", "admin:emulator"])
        .args(["-c", &jar, "-H", "X-CSRF-Token: Fetch"])
        .arg(format!("{url}/api/v1/"))
        .output()
        .expect("curl runs");
    let headers = String::from_utf8_lossy(&out.stdout);
    let token = headers
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("x-csrf-token")
                .then(|| v.trim().to_string())
        })
        .expect("a CSRF token");
    let body = format!(
        r#"{{"Name":"Bench_{n:04}","Description":"","MinValue":"1","MaxValue":"9999","FieldLength":"4","Rotate":"false"}}"#
    );
    let ok = Command::new("curl")
        .args([
            "-s",
            "-f",
            "-o",
            "/dev/null",
            "-u",
            "admin:emulator",
            "-b",
            &jar,
        ])
        .args(["-H", &format!("X-CSRF-Token: {token}")])
        .args([
            "-H",
            "Content-Type: application/json",
            "-X",
            "POST",
            "-d",
            &body,
        ])
        .arg(format!("{url}/api/v1/NumberRanges"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "the number range is created");
}

/// Puts the companion on the primary (`cpi-gitops companion install`), as a team's tenant has it:
/// an export then gets the secrets from the tenant, and the restore has every secret it needs.
fn install_companion(primary: &Emulator, cell: &Cell, keep: &mut Vec<tempfile::TempDir>) {
    let dir = repo(&primary.url, &primary.url, cell.concurrency);
    let m = measure(command(
        BIN,
        dir.path(),
        &["companion", "install", "--tenant", "primary"],
    ));
    assert!(m.success, "the companion is installed on the primary");
    keep.push(dir);
}

/// The fewest requests that prove the primary's state, from its content (`GET /admin/dump`):
/// `(full export, no-change export)`. A full export lists the packages (1) and each package's
/// eight artifact kinds, reads each integration flow's configuration and downloads every
/// artifact; reads the runtime, user credentials, OAuth2 clients, secure parameters, keystore,
/// access policies, number ranges and partners (8), each own keystore entry's certificate, the
/// Partner Directory's four entry lists when a partner exists, and asks the companion for the
/// secrets (1) when it runs. A no-change export downloads
/// no integration flow (their change markers prove them unchanged).
fn floor(url: &str) -> (f64, f64) {
    let dump = admin(url, "GET", "dump");
    let count = |key: &str| dump[key].as_object().map_or(0, |o| o.len());
    let artifacts = dump["artifacts"].as_object().cloned().unwrap_or_default();
    let flows = artifacts
        .values()
        .filter(|a| a["kind"] == "IntegrationFlow")
        .count();
    let own_keys = dump["keystore"]
        .as_object()
        .map_or(0, |o| o.values().filter(|e| e["owner"] != "SAP").count());
    let partners = dump["partner_directory"].as_object().is_some_and(|pd| {
        pd.values()
            .any(|v| v.as_object().is_some_and(|o| !o.is_empty()))
    });
    let companion = dump["runtime"]
        .as_object()
        .is_some_and(|r| r.contains_key("CPIGitOps_SecurityMaterial"));
    let full = 1
        + usize::from(companion)
        + 8 * count("packages")
        + flows
        + artifacts.len()
        + 8
        + own_keys
        + if partners { 4 } else { 0 };
    (full as f64, (full - flows) as f64)
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
            "[tenants.primary]\nurl = \"{primary}\"\nconcurrency = {concurrency}\nplatform = \"cf\"\n\n\
             [tenants.secondary]\nurl = \"{secondary}\"\nconcurrency = {concurrency}\ndeploy_poll_ms = 50\nplatform = \"cf\"\n"
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
    /// The emulator's CPU (user + system) in the same span.
    emulator_cpu: f64,
    /// Seconds from the start of the command to its first request.
    before: f64,
    /// Seconds from the last answer to the command's end.
    after: f64,
    /// The average number of requests in flight between the first request and the last answer.
    busy: f64,
}

/// Runs `BIN ARGS` in `dir` and measures it, counting the requests `emulator` answered.
fn run(bin: &str, emulator: &Emulator, dir: &Path, args: &[&str]) -> Sample {
    admin(&emulator.url, "DELETE", "stats");
    let reset = Instant::now();
    let cpu_before = emulator.cpu();
    let offset = reset.elapsed().as_secs_f64();
    let m = measure(command(bin, dir, args));
    let cpu_after = emulator.cpu();
    assert!(m.success, "{bin} {args:?} succeeded");
    let stats = admin(&emulator.url, "GET", "stats");
    let timeline = &stats["timeline"];
    let first = timeline["first_request_ms"].as_f64().unwrap_or(0.0) / 1000.0;
    let last = timeline["last_answer_ms"].as_f64().unwrap_or(0.0) / 1000.0;
    let busy = timeline["busy_ms"].as_f64().unwrap_or(0.0) / 1000.0;
    let wall = m.wall.as_secs_f64();
    Sample {
        wall,
        requests: stats["requests"].as_u64().unwrap_or(0),
        in_flight: stats["max_in_flight"].as_u64().unwrap_or(0),
        rss_mb: m.max_rss_kb as f64 / 1024.0,
        user: m.user,
        sys: m.sys,
        emulator_cpu: (cpu_after.0 - cpu_before.0) + (cpu_after.1 - cpu_before.1),
        before: (first - offset).max(0.0),
        after: (offset + wall - last).max(0.0),
        busy: if last > first {
            busy / (last - first)
        } else {
            0.0
        },
    }
}

/// `git add -A && git -c gc.auto=0 commit` of the state folder of `exported`, copied into a fresh
/// repository first (the copy is not measured).
fn git_add(exported: &Path) -> (Sample, tempfile::TempDir) {
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
    let sample = Sample {
        wall: m.wall.as_secs_f64(),
        requests: 0,
        in_flight: 0,
        rss_mb: m.max_rss_kb as f64 / 1024.0,
        user: m.user,
        sys: m.sys,
        emulator_cpu: 0.0,
        before: 0.0,
        after: 0.0,
        busy: 0.0,
    };
    (sample, dir)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

/// One row of the table: medians of `samples`; `floor` is the requests the ideal counts
/// (`None`: the requests made).
fn report(name: &str, samples: &[Sample], cell: &Cell, floor: Option<f64>) {
    if samples.is_empty() {
        return;
    }
    let med = |f: fn(&Sample) -> f64| median(samples.iter().map(f).collect());
    let wall = med(|s| s.wall);
    let requests = med(|s| s.requests as f64);
    let basis = floor.unwrap_or(requests);
    let ideal = basis * cell.latency_ms as f64 / 1000.0 / cell.concurrency as f64;
    let in_flight = samples.iter().map(|s| s.in_flight).max().unwrap_or(0);
    let ratio = if ideal > 0.0 {
        format!("{:.2}×", wall / ideal)
    } else {
        "-".into()
    };
    let timing = if requests > 0.0 {
        format!(
            "{:.2} s / {:.2} s / {:.1}",
            med(|s| s.before),
            med(|s| s.after),
            med(|s| s.busy)
        )
    } else {
        "-".into()
    };
    println!(
        "| {name} | {} | {} ms | {wall:.2} s | {ideal:.2} s | {ratio} | {requests:.0} ({basis:.0}) | {in_flight} | {:.2} s / {:.2} s | {:.2} s | {timing} | {:.0} MB |",
        cell.artifacts,
        cell.latency_ms,
        med(|s| s.user),
        med(|s| s.sys),
        med(|s| s.emulator_cpu),
        med(|s| s.rss_mb),
    );
}

const HEADER: &str = "| command | artifacts | latency | wall (median) | ideal | ratio | requests (floor) | max in flight | CPU user / sys | emulator CPU | before first request / after last answer / avg in flight | peak memory |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

#[derive(Default)]
struct Rows {
    full: Vec<Sample>,
    again: Vec<Sample>,
    restores: Vec<Sample>,
    drifts: Vec<Sample>,
}

/// Measures one cell; prints its rows; returns the run directories (removed by the caller at
/// the end).
fn measure_cell(args: &Args, cell: Cell, keep: &mut Vec<tempfile::TempDir>) {
    eprintln!(
        "sync benchmark: {} artifacts in {} packages, {} ms latency per request, concurrency {}, {} runs",
        cell.artifacts, cell.packages, cell.latency_ms, cell.concurrency, args.runs
    );
    let primary = start_emulator(
        &cell,
        &format!("generate:{}:{}", cell.packages, cell.artifacts),
    );
    install_companion(&primary, &cell, keep);
    let (full_floor, again_floor) = floor(&primary.url);
    let mut bins: Vec<(&str, String)> = vec![("", BIN.to_string())];
    if let Some(b) = &args.baseline {
        bins.push((" (baseline)", b.clone()));
    }
    let mut rows: Vec<Rows> = bins.iter().map(|_| Rows::default()).collect();
    let mut adds = Vec::new();
    for n in 0..args.runs {
        for (b, (label, bin)) in bins.iter().enumerate() {
            let secondary = start_emulator(&cell, "empty");
            let dir = repo(&primary.url, &secondary.url, cell.concurrency);
            let export = ["export", "--tenant", "primary"];
            let first = run(bin, &primary, dir.path(), &export);
            let second = run(bin, &primary, dir.path(), &export);
            if args.git_add && b == 0 && cell.latency_ms == 0 {
                let (sample, copy) = git_add(dir.path());
                adds.push(sample);
                keep.push(copy);
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
            keep.push(dir);
        }
    }
    for ((label, _), r) in bins.iter().zip(&rows) {
        report(
            &format!("full export{label}"),
            &r.full,
            &cell,
            Some(full_floor),
        );
        report(
            &format!("no-change export{label}"),
            &r.again,
            &cell,
            Some(again_floor),
        );
        report(
            &format!("restore onto an empty tenant{label}"),
            &r.restores,
            &cell,
            None,
        );
        report(
            &format!("drift check of the restored tenant{label}"),
            &r.drifts,
            &cell,
            None,
        );
    }
    report(
        "`git add -A && git -c gc.auto=0 commit` of the same tree",
        &adds,
        &cell,
        None,
    );
}

/// `--packs N`: N exports of a tenant changed before each, in one repository; prints the packs
/// left in `objects/pack` after each.
fn measure_packs(cell: Cell, exports: usize) {
    let primary = start_emulator(
        &cell,
        &format!("generate:{}:{}", cell.packages, cell.artifacts),
    );
    let secondary = start_emulator(&cell, "empty");
    let mut keep = Vec::new();
    install_companion(&primary, &cell, &mut keep);
    let dir = repo(&primary.url, &secondary.url, cell.concurrency);
    let packs = || {
        std::fs::read_dir(dir.path().join(".git/objects/pack"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
                    .count()
            })
            .unwrap_or(0)
    };
    let mut counts = Vec::new();
    for n in 0..exports {
        if n > 0 {
            change_tenant(&primary.url, n);
        }
        let sample = run(
            BIN,
            &primary,
            dir.path(),
            &["export", "--tenant", "primary"],
        );
        counts.push(packs());
        eprintln!(
            "export {}: {:.2} s, {} packs",
            n + 1,
            sample.wall,
            counts[n]
        );
    }
    println!(
        "packs after each of {exports} exports of {} artifacts (one change each): {:?}; most: {}",
        cell.artifacts,
        counts,
        counts.iter().max().unwrap_or(&0)
    );
}

fn main() {
    let args = parse_args();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let cells: Vec<Cell> = args
        .sizes
        .iter()
        .flat_map(|&artifacts| {
            args.latencies
                .iter()
                .map(move |&latency_ms| (artifacts, latency_ms))
        })
        .map(|(artifacts, latency_ms)| Cell {
            artifacts,
            packages: args.packages.unwrap_or((artifacts / 50).max(10)),
            latency_ms,
            concurrency: args.concurrency,
        })
        .collect();
    if let Some(exports) = args.packs {
        for cell in cells {
            measure_packs(cell, exports);
        }
        return;
    }
    let mut keep = Vec::new();
    println!("{HEADER}");
    for cell in cells {
        measure_cell(&args, cell, &mut keep);
    }
}
