//! Bad input to failover: an unknown tenant, `--from` equal to `--to`, usage errors, a tenant
//! not ready to take over: exit 1 and nothing changed. A dry run changes nothing either.

use super::{SELF_STARTING, passive_pair, run, running};
use crate::common::pair::Pair;
use serde_json::Value;

/// What a failover could change: both tenants and the refs.
async fn snapshot(p: &Pair) -> (Value, Value, Vec<String>) {
    let repo = git2::Repository::open(p.repo.path()).unwrap();
    let refs: Vec<String> = repo
        .references_glob("refs/cpi-gitops/*")
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            format!("{} {}", r.name().unwrap(), r.target().unwrap())
        })
        .collect();
    (p.primary.dump().await, p.secondary.dump().await, refs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_failovers_exit_1_and_change_nothing() {
    let p = passive_pair().await;
    p.restore();
    let before = snapshot(&p).await;
    let cases: &[(&[&str], &str)] = &[
        (
            &["failover", "--to", "nope"],
            "tenant `nope` is not configured",
        ),
        (
            &["failover", "--to", "secondary", "--from", "nope"],
            "tenant `nope` is not configured",
        ),
        (
            &["failover", "--to", "secondary", "--from", "secondary"],
            "--from and --to both name `secondary`",
        ),
        (&["failover"], "--to"),
        (&["failover", "--to"], "--to"),
        (
            &["failover", "--to", "secondary", "--fence-timeout", "0"],
            "more than 0",
        ),
        (
            &["failover", "--to", "secondary", "--fence-timeout", "soon"],
            "not a duration",
        ),
        (&["failover", "--to", "secondary", "--bogus"], "--bogus"),
        (
            &["apply", "--tenant", "secondary", "--role-check", "maybe"],
            "maybe",
        ),
        // The primary was never applied to: it has no base, so it cannot take over.
        (
            &["failover", "--to", "primary", "--from", "secondary"],
            "apply the committed state to it first",
        ),
    ];
    for (args, says) in cases {
        let r = p.run(args);
        assert_eq!(r.code, 1, "{args:?} exits 1: {}", r.all());
        assert!(
            r.all().contains(says),
            "{args:?} says {says:?}: {}",
            r.all()
        );
        assert_eq!(snapshot(&p).await, before, "{args:?} changes nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dry_run_prints_the_steps_and_changes_nothing() {
    let p = passive_pair().await;
    p.restore();
    let before = snapshot(&p).await;
    let r = run(&p, &["failover", "--to", "secondary", "--dry-run"], 0);
    for f in SELF_STARTING {
        assert!(
            r.stdout.contains(&format!("{f}: would be undeployed"))
                && r.stdout.contains(&format!("{f}: would be deployed")),
            "{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains("dry run: nothing was changed"),
        "{}",
        r.stdout
    );
    assert_eq!(snapshot(&p).await, before);
    assert_eq!(running(&p.primary).await, SELF_STARTING);
}
