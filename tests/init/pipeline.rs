//! The workflows `init` writes, run end to end (tests/init/runner.rs says how) against two
//! emulated tenants: export opens a pull request and a second export changes nothing, nor one
//! after the team closed it and deleted its branch; a person's commit on the export branch stays and the next change goes on top of it; a fork's
//! pull request gets a note; plan
//! comments on it; the first apply refuses and says how to bootstrap, the bootstrap applies;
//! drift opens an issue when the secondary is changed by hand and closes it when apply repaired
//! it; drift skips while an apply is pending; failover pushes the roles, which the workflows'
//! `roles` job then reads.

use super::runner::{Job, Runner, git};
use super::{Scratch, text};
use crate::common::Tenant;
use cpi_gitops::client::Client;
use cpi_gitops::config::{Config, Env};
use cpi_gitops::emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Seed};
use std::collections::BTreeMap;
use std::path::Path;

fn fill_config(repo: &Path, primary: &Tenant, secondary: &Tenant) {
    let path = repo.join("cpi-gitops.toml");
    let mut out = String::new();
    let mut tenant = None;
    for line in std::fs::read_to_string(&path).unwrap().lines() {
        if let Some(t) = line.strip_prefix("[tenants.") {
            tenant = Some(if t.starts_with("primary") {
                primary
            } else {
                secondary
            });
        }
        if line.starts_with("url = ") {
            out.push_str(&format!("url = \"{}\"\n", tenant.unwrap().handle.url()));
        } else if line.starts_with("token_url = ") {
            out.push_str(&format!(
                "token_url = \"{}\"\ndeploy_poll_ms = 20\n",
                tenant.unwrap().handle.token_url()
            ));
        } else if !line.starts_with("runtime_url = ") {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
}

fn job<'a>(workflow: &'a Path, name: &'a str, tenant: Option<&'a str>, sha: &str) -> Job<'a> {
    let secrets = BTreeMap::from([
        ("CPI_CLIENT_ID", DEFAULT_CLIENT_ID.to_string()),
        ("CPI_CLIENT_SECRET", DEFAULT_CLIENT_SECRET.to_string()),
    ]);
    Job {
        workflow,
        job: name,
        matrix_tenant: tenant,
        secrets,
        inputs: BTreeMap::new(),
        expressions: BTreeMap::from([
            (
                "github.event.repository.default_branch || github.ref_name",
                "main".to_string(),
            ),
            (
                "github.event.repository.default_branch || github.ref",
                "main".to_string(),
            ),
        ]),
        sha: sha.to_string(),
    }
}

/// Runs the `roles` job of `workflow` (what its other job needs) and checks what it read.
fn roles(runner: &mut Runner, workflow: &Path, sha: &str) {
    roles_are(
        runner,
        workflow,
        sha,
        "Active: primary; passive: secondary.",
    );
}

fn roles_are(runner: &mut Runner, workflow: &Path, sha: &str, want: &str) {
    let r = runner.run(&job(workflow, "roles", None, sha));
    assert_eq!(r.code, 0, "roles of {}: {}", workflow.display(), r.output);
    assert!(r.summary.contains(want), "{}", r.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_workflows_run_end_to_end() {
    let primary = Tenant::start(Seed::Demo).await;
    let secondary = Tenant::start(Seed::Empty).await;
    let s = Scratch::new();
    let out = s.init(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let repo = s.repo();
    fill_config(&repo, &primary, &secondary);
    Config::load(&repo.join("cpi-gitops.toml")).expect("the filled configuration loads");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "cpi-gitops init"]);
    git(&repo, &["branch", "-M", "main"]);
    let origin = s.root.path().join("origin.git");
    git(s.root.path(), &["init", "--quiet", "--bare", "origin.git"]);
    git(&origin, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    git(
        &repo,
        &["push", "--quiet", origin.to_str().unwrap(), "main"],
    );
    let identity = std::fs::read_to_string(s.config_home().join("cpi-gitops/team-state.key"))
        .expect("init wrote the identity");
    let wf = |name: &str| repo.join(".github/workflows").join(name);
    let main = || git(&origin, &["rev-parse", "main"]);
    let mut runner = Runner::new(&s.root.path().join("runner"), &origin);

    // 1. Export opens a pull request for export/primary.
    let export_yml = wf("export.yml");
    roles(&mut runner, &export_yml, &main());
    let export = job(&export_yml, "export", None, &main());
    let r = runner.run(&export);
    assert_eq!(r.code, 0, "export: {}\n{}", r.output, r.summary);
    let branch = git(&origin, &["rev-parse", "refs/heads/export/primary"]);
    assert!(
        runner
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("gh pr create --base main --head export/primary")),
        "{:?}",
        runner.gh_calls()
    );
    assert!(
        runner
            .gh_calls()
            .iter()
            .any(|c| c == "gh workflow run plan.yml --ref main -f pr=1"),
        "without a PR token the plan is dispatched: {:?}",
        runner.gh_calls()
    );
    assert!(
        !r.summary.trim().is_empty(),
        "the summary says what was exported"
    );
    assert!(
        runner
            .gh_file("pr-body")
            .is_some_and(|b| !b.trim().is_empty())
    );

    // 2. A second export with nothing changed pushes nothing and calls no gh.
    let calls = runner.gh_calls().len();
    let r = runner.run(&export);
    assert_eq!(r.code, 0, "export again: {}\n{}", r.output, r.summary);
    let now = git(&origin, &["rev-parse", "refs/heads/export/primary"]);
    assert_eq!(
        now,
        branch,
        "no push: {}",
        git(&origin, &["diff", "--stat", &branch, &now])
    );
    assert_eq!(
        runner.gh_calls().len(),
        calls,
        "no gh call: {:?}",
        runner.gh_calls()
    );
    assert!(
        r.summary.contains("already proposes this tree"),
        "{}",
        r.summary
    );

    // The team closes the pull request and deletes its branch: the same tree is not proposed
    // again (export builds on what was proposed last). Then they reopen it.
    git(&origin, &["update-ref", "-d", "refs/heads/export/primary"]);
    runner.set_gh_file("pr", None);
    let calls = runner.gh_calls().len();
    let r = runner.run(&export);
    assert_eq!(
        r.code, 0,
        "export after the close: {}\n{}",
        r.output, r.summary
    );
    assert_eq!(
        git(&origin, &["for-each-ref", "refs/heads/export"]),
        "",
        "no branch pushed again"
    );
    assert_eq!(
        runner.gh_calls().len(),
        calls,
        "no pull request opened again: {:?}",
        runner.gh_calls()
    );
    assert!(r.summary.contains("proposed before"), "{}", r.summary);
    git(
        &origin,
        &["update-ref", "refs/heads/export/primary", &branch],
    );
    runner.set_gh_file("pr", Some("1\n"));

    // A person's commit on the export branch stays; a change on the tenant goes on top of it.
    let person = s.root.path().join("person");
    git(
        s.root.path(),
        &["clone", "--quiet", origin.to_str().unwrap(), "person"],
    );
    git(&person, &["checkout", "--quiet", "export/primary"]);
    std::fs::write(person.join("NOTES.md"), "reviewed by a person\n").unwrap();
    git(&person, &["add", "NOTES.md"]);
    git(&person, &["commit", "--quiet", "-m", "A person's commit"]);
    git(&person, &["push", "--quiet", "origin", "export/primary"]);
    let theirs = git(&origin, &["rev-parse", "refs/heads/export/primary"]);
    let r = runner.run(&export);
    assert_eq!(r.code, 0, "{}", r.output);
    assert_eq!(
        git(&origin, &["rev-parse", "refs/heads/export/primary"]),
        theirs,
        "kept as it is"
    );
    let config = Config::load(&repo.join("cpi-gitops.toml")).unwrap();
    let env = Env::from_pairs([
        ("CPI_CLIENT_ID", DEFAULT_CLIENT_ID),
        ("CPI_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
    ]);
    Client::new(config.client("primary", &env).unwrap())
        .unwrap()
        .configure("Orders_Inbound_HTTPS", "Timeout", "7000", "xsd:integer")
        .await
        .unwrap();
    let r = runner.run(&export);
    assert_eq!(r.code, 0, "{}\n{}", r.output, r.summary);
    let branch = git(&origin, &["rev-parse", "refs/heads/export/primary"]);
    git(&origin, &["merge-base", "--is-ancestor", &theirs, &branch]);
    assert!(
        runner
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("gh pr edit 1 --body-file")),
        "the open pull request is updated: {:?}",
        runner.gh_calls()
    );

    // A fork's pull request gets a note from plan-request, which holds nothing.
    let request_yml = wf("plan-request.yml");
    let mut request = job(&request_yml, "request", None, &main());
    request.expressions.insert(
        "github.event.pull_request.head.repo.full_name",
        "someone/fork".into(),
    );
    let r = runner.run(&request);
    assert_eq!(r.code, 0, "{}", r.output);
    assert!(
        r.summary
            .contains("from the fork someone/fork: no plan runs"),
        "{}",
        r.summary
    );

    // 3. Plan of the pull request (its merge ref as GitHub makes it) comments on it.
    let scratch = s.root.path().join("merge");
    git(
        s.root.path(),
        &["clone", "--quiet", origin.to_str().unwrap(), "merge"],
    );
    git(
        &scratch,
        &[
            "merge",
            "--quiet",
            "--no-ff",
            "-m",
            "Merge",
            "origin/export/primary",
        ],
    );
    git(
        &scratch,
        &["push", "--quiet", "origin", "HEAD:refs/pull/1/merge"],
    );
    let plan_yml = wf("plan.yml");
    roles(&mut runner, &plan_yml, &main());
    let mut plan = job(&plan_yml, "plan", Some("secondary"), &main());
    plan.expressions.insert(
        "github.event.workflow_run.pull_requests[0].number || inputs.pr",
        "1".into(),
    );
    plan.expressions
        .insert("github.event.workflow_run.head_sha", branch.clone());
    let r = runner.run(&plan);
    assert_eq!(r.code, 0, "plan: {}\n{}", r.output, r.summary);
    let comment = runner.gh_file("comment").expect("plan commented");
    assert!(
        comment.starts_with("<!-- cpi-gitops plan secondary -->"),
        "{comment}"
    );
    assert!(
        comment.contains("Orders_Inbound_HTTPS"),
        "the plan names the flows: {comment}"
    );
    // Again: the comment is found by its marker and edited, not added.
    let r = runner.run(&plan);
    assert_eq!(r.code, 0, "{}", r.output);
    assert!(
        runner
            .gh_calls()
            .iter()
            .any(|c| c.contains("--method PATCH repos/acme/team-state/issues/comments/101"))
    );

    // 4. Merge; the first apply refuses and says how to bootstrap; the bootstrap applies.
    git(&scratch, &["fetch", "--quiet", "origin"]);
    git(
        &scratch,
        &[
            "push",
            "--quiet",
            "origin",
            "origin/export/primary:refs/heads/main",
        ],
    );
    let apply_yml = wf("apply.yml");
    roles(&mut runner, &apply_yml, &main());
    let mut apply = job(&apply_yml, "apply", Some("secondary"), &main());
    apply
        .secrets
        .insert("CPI_GITOPS_AGE_IDENTITY", identity.clone());
    let r = runner.run(&apply);
    assert_eq!(r.code, 2, "first apply: {}\n{}", r.output, r.summary);
    assert!(
        r.summary
            .contains("run this workflow by hand once with overwrite_drift"),
        "{}",
        r.summary
    );
    apply.inputs.insert("overwrite_drift", "true".into());
    let r = runner.run(&apply);
    assert_eq!(r.code, 0, "bootstrap apply: {}\n{}", r.output, r.summary);
    let applied = git(&origin, &["rev-parse", "refs/cpi-gitops/applied/secondary"]);
    assert!(!applied.is_empty(), "the base was pushed");

    // 5. Drift: in sync, then changed by hand (issue opened), then repaired (issue closed).
    let drift_yml = wf("drift.yml");
    roles(&mut runner, &drift_yml, &main());
    let drift = job(&drift_yml, "drift", Some("secondary"), &main());
    let r = runner.run(&drift);
    assert_eq!(r.code, 0, "drift: {}\n{}", r.output, r.summary);
    assert!(runner.gh_file("issue-body").is_none());
    Client::new(config.client("secondary", &env).unwrap())
        .unwrap()
        .configure("Orders_Inbound_HTTPS", "Timeout", "5000", "xsd:integer")
        .await
        .unwrap();
    let r = runner.run(&drift);
    assert_eq!(r.code, 2, "drift found: {}\n{}", r.output, r.summary);
    assert!(
        runner
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("gh issue create --title Drift on tenant secondary"))
    );
    assert!(
        runner
            .gh_file("issue-body")
            .is_some_and(|b| b.contains("Orders_Inbound_HTTPS"))
    );
    std::fs::write(runner.gh_state.join("pending"), "1\n").unwrap();
    let r = runner.run(&drift);
    assert_eq!(r.code, 0, "{}", r.output);
    assert!(
        r.summary.contains("An apply run is pending"),
        "{}",
        r.summary
    );
    assert_eq!(r.steps_run.len(), 1, "nothing else ran: {:?}", r.steps_run);
    std::fs::remove_file(runner.gh_state.join("pending")).unwrap();
    let r = runner.run(&apply);
    assert_eq!(r.code, 0, "repair: {}\n{}", r.output, r.summary);
    let r = runner.run(&drift);
    assert_eq!(r.code, 0, "{}\n{}", r.output, r.summary);
    assert!(
        runner.gh_file("issue-closed").is_some(),
        "the drift issue was closed: {:?}",
        runner.gh_calls()
    );
    assert!(runner.gh_file("issue").is_none());

    // 6. Failover to the secondary (the `failover` environment holds both tenants' keys under
    // their own names); the roles ref is pushed, and the workflows follow it.
    let failover_yml = wf("failover.yml");
    let mut failover = job(&failover_yml, "failover", None, &main());
    failover.secrets = BTreeMap::from([
        ("CPI_PRIMARY_CLIENT_ID", DEFAULT_CLIENT_ID.to_string()),
        (
            "CPI_PRIMARY_CLIENT_SECRET",
            DEFAULT_CLIENT_SECRET.to_string(),
        ),
        ("CPI_SECONDARY_CLIENT_ID", DEFAULT_CLIENT_ID.to_string()),
        (
            "CPI_SECONDARY_CLIENT_SECRET",
            DEFAULT_CLIENT_SECRET.to_string(),
        ),
    ]);
    failover.inputs.insert("to", "secondary".into());
    let r = runner.run(&failover);
    assert_eq!(r.code, 0, "failover: {}\n{}", r.output, r.summary);
    assert!(!git(&origin, &["rev-parse", "refs/cpi-gitops/roles"]).is_empty());
    roles_are(
        &mut runner,
        &export_yml,
        &main(),
        "Active: secondary; passive: primary.",
    );
}
