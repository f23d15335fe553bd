//! Runs one job of a generated workflow as GitHub would, step by step, on this machine:
//!
//! - The YAML is read by a small parser of the block subset init's templates use (mappings,
//!   lists of mappings, `|` block scalars, plain and quoted scalars, comments).
//! - `actions/checkout` is a clone of the test's bare `origin` checked out at the step's `ref`
//!   (default `github.sha`); the cpi-gitops action is the binary under test, already on `PATH`
//!   (the step's `version` must be this binary's); `run:` steps run under
//!   `bash --noprofile --norc -eo pipefail`, as GitHub runs them, with `GITHUB_OUTPUT`,
//!   `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, `GITHUB_WORKSPACE`, `GITHUB_REPOSITORY`, `GITHUB_SHA`,
//!   `GITHUB_SERVER_URL`, `GITHUB_RUN_ID`, and `gh` a stand-in script that records its calls.
//! - `${{ }}` expressions, the documented subset: `secrets.NAME` (empty when unset, as on
//!   GitHub), `matrix.tenant`, `inputs.NAME` (empty when unset), `steps.ID.outputs.NAME`,
//!   `needs.JOB.outputs.NAME` (of the job run before, e.g. `roles`), `github.token`, and `A == 'b'`
//!   or `A != 'b'` of these; any other expression must be given verbatim in [`Job::expressions`] (e.g.
//!   `github.event.repository.default_branch || github.ref_name` → `main`), else the test fails
//!   naming it. A step's `if:` is the same lookup and must yield `true` or `false`. The job's own
//!   `if:` (the CPI_GITOPS_PIPELINE switch and the event checks) is not evaluated: the test runs
//!   the jobs GitHub would run, and a matrix job gets its tenant from the test (which checks it
//!   against the `roles` job's output). `jq` must be on `PATH`, as on GitHub's runners.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A YAML node of the subset.
#[derive(Debug, Clone)]
pub enum Node {
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
    Scalar(String),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Node::Scalar(s)) => Some(s),
            _ => None,
        }
    }
    pub fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn strip_comment(value: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && (i == 0 || bytes[i - 1] == b' ') => {
                return value[..i].trim_end();
            }
            _ => {}
        }
    }
    value.trim_end()
}

fn unquote(value: &str) -> String {
    if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        value[1..value.len() - 1].replace("''", "'")
    } else if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value[1..value.len() - 1].replace("\\\"", "\"")
    } else {
        value.to_string()
    }
}

/// Parses a workflow file.
pub fn parse(text: &str) -> Node {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut i = 0;
    block(&mut lines, &mut i, 0)
}

fn skip_blank(lines: &[String], i: &mut usize) {
    while *i < lines.len() {
        let t = lines[*i].trim_start();
        if t.is_empty() || t.starts_with('#') {
            *i += 1;
        } else {
            break;
        }
    }
}

fn block(lines: &mut Vec<String>, i: &mut usize, min: usize) -> Node {
    skip_blank(lines, i);
    if *i >= lines.len() || indent(&lines[*i]) < min {
        return Node::Scalar(String::new());
    }
    let ind = indent(&lines[*i]);
    if lines[*i].trim_start().starts_with("- ") {
        let mut items = Vec::new();
        while *i < lines.len()
            && indent(&lines[*i]) == ind
            && lines[*i].trim_start().starts_with("- ")
        {
            let item = strip_comment(lines[*i].trim_start()[2..].trim()).to_string();
            let is_scalar = item.starts_with('"')
                || item.starts_with('\'')
                || !(item.contains(": ") || item.ends_with(':'));
            if is_scalar {
                items.push(Node::Scalar(unquote(&item)));
                *i += 1;
            } else {
                lines[*i].replace_range(ind..ind + 2, "  ");
                items.push(block(lines, i, ind + 2));
            }
            skip_blank(lines, i);
        }
        return Node::List(items);
    }
    let mut entries = Vec::new();
    while *i < lines.len() && indent(&lines[*i]) == ind && !lines[*i].trim_start().starts_with("- ")
    {
        let line = lines[*i].clone();
        let t = line.trim_start();
        let (key, rest) = t
            .split_once(':')
            .unwrap_or_else(|| panic!("not a mapping: {line}"));
        let rest = strip_comment(rest.trim_start());
        *i += 1;
        let value = if rest == "|" || rest == "|-" || rest == ">-" {
            let mut body = Vec::new();
            let mut body_indent = None;
            while *i < lines.len() && (lines[*i].trim().is_empty() || indent(&lines[*i]) > ind) {
                let l = &lines[*i];
                if !l.trim().is_empty() {
                    let bi = *body_indent.get_or_insert(indent(l));
                    body.push(l[bi.min(l.len())..].to_string());
                } else {
                    body.push(String::new());
                }
                *i += 1;
            }
            while body.last().is_some_and(|l| l.is_empty()) {
                body.pop();
            }
            if rest == ">-" {
                Node::Scalar(body.join(" ").trim().to_string())
            } else {
                Node::Scalar(body.join("\n") + "\n")
            }
        } else if rest.is_empty() {
            block(lines, i, ind + 1)
        } else {
            Node::Scalar(unquote(rest))
        };
        entries.push((key.trim().to_string(), value));
        skip_blank(lines, i);
    }
    Node::Map(entries)
}

/// One job to run.
pub struct Job<'a> {
    /// The workflow file.
    pub workflow: &'a Path,
    /// The job's key under `jobs:`.
    pub job: &'a str,
    pub matrix_tenant: Option<&'a str>,
    pub secrets: BTreeMap<&'a str, String>,
    pub inputs: BTreeMap<&'a str, String>,
    /// Other expressions, verbatim (inside `${{ }}`, trimmed) → value.
    pub expressions: BTreeMap<&'a str, String>,
    /// The commit the run is for (`github.sha`).
    pub sha: String,
}

/// What a job did.
pub struct JobResult {
    /// The exit code of the last step run (0 when every step passed).
    pub code: i32,
    pub summary: String,
    /// The names (or `uses`) of the steps run, in order.
    pub steps_run: Vec<String>,
    pub output: String,
}

/// The machine the jobs run on: the bare origin, a stand-in `gh`, the binary on `PATH`.
pub struct Runner {
    pub root: PathBuf,
    pub origin: PathBuf,
    pub gh_state: PathBuf,
    path: String,
    runs: usize,
    /// `needs.<job>.outputs.<name>` of the jobs run so far.
    needs: BTreeMap<String, String>,
}

const GH: &str = r#"#!/usr/bin/env bash
# A stand-in for GitHub's CLI: records every call in $GH_STATE/calls and answers from files.
set -euo pipefail
s="$GH_STATE"
echo "gh $*" >>"$s/calls"
body=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --body-file) body="${args[$((i + 1))]}" ;;
    body=@*) body="${args[$i]#body=@}" ;;
  esac
done
keep() { if [ -n "$body" ]; then cp "$body" "$s/$1"; fi; }
case "$1 $2" in
  "pr list") cat "$s/pr" 2>/dev/null || true ;;
  "pr create") echo 1 >"$s/pr"; keep pr-body ;;
  "pr edit") keep pr-body ;;
  "pr comment") keep comment; echo 101 >"$s/comment-id" ;;
  "issue list") cat "$s/issue" 2>/dev/null || true ;;
  "issue create") echo 7 >"$s/issue"; keep issue-body ;;
  "issue comment") keep issue-comment ;;
  "issue close") rm -f "$s/issue"; echo closed >"$s/issue-closed" ;;
  "run list") cat "$s/pending" 2>/dev/null || echo 0 ;;
  "workflow run" | "label create") ;;
  api\ *)
    if [[ " $* " == *" PATCH "* ]]; then keep comment; else cat "$s/comment-id" 2>/dev/null || true; fi ;;
  *) echo "stand-in gh: unexpected call: gh $*" >&2; exit 1 ;;
esac
"#;

impl Runner {
    pub fn new(root: &Path, origin: &Path) -> Runner {
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let gh = bin.join("gh");
        std::fs::write(&gh, GH).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let tool = Path::new(env!("CARGO_BIN_EXE_cpi-gitops"));
        let gh_state = root.join("gh-state");
        std::fs::create_dir_all(&gh_state).unwrap();
        let path = format!(
            "{}:{}:{}",
            bin.display(),
            tool.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Runner {
            root: root.to_path_buf(),
            origin: origin.to_path_buf(),
            gh_state,
            path,
            runs: 0,
            needs: BTreeMap::new(),
        }
    }

    /// The calls the stand-in `gh` recorded so far.
    pub fn gh_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.gh_state.join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn gh_file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.gh_state.join(name)).ok()
    }

    /// Sets (or, with `None`, removes) a file the stand-in `gh` answers from, as GitHub's state
    /// changes by people's hands (a pull request closed or reopened).
    pub fn set_gh_file(&self, name: &str, text: Option<&str>) {
        let path = self.gh_state.join(name);
        match text {
            Some(text) => std::fs::write(path, text).unwrap(),
            None => {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    pub fn run(&mut self, job: &Job) -> JobResult {
        self.runs += 1;
        let text = std::fs::read_to_string(job.workflow).unwrap();
        let doc = parse(&text);
        let spec = doc
            .get("jobs")
            .and_then(|j| j.get(job.job))
            .unwrap_or_else(|| panic!("no job {} in {}", job.job, job.workflow.display()));
        let run_dir = self.root.join(format!("run-{}", self.runs));
        let workspace = run_dir.join("workspace");
        let temp = run_dir.join("temp");
        std::fs::create_dir_all(&temp).unwrap();
        std::fs::create_dir_all(&workspace).unwrap();
        let summary = run_dir.join("summary.md");
        std::fs::write(&summary, "").unwrap();
        let mut outputs: BTreeMap<String, String> = BTreeMap::new();
        let mut steps_run = Vec::new();
        let mut output = String::new();
        let mut code = 0;
        let Some(Node::List(steps)) = spec.get("steps") else {
            panic!("job {} has no steps", job.job)
        };
        for step in steps {
            if let Some(cond) = step.str("if") {
                match self.eval(job, &outputs, cond).as_str() {
                    "true" => {}
                    "false" => continue,
                    other => panic!("`if: {cond}` gave {other:?}"),
                }
            }
            if let Some(uses) = step.str("uses") {
                steps_run.push(uses.to_string());
                let with = |k: &str| step.get("with").and_then(|w| w.str(k)).map(str::to_string);
                if uses.starts_with("actions/checkout@") {
                    assert_eq!(
                        with("persist-credentials").as_deref(),
                        Some("false"),
                        "{uses}"
                    );
                    let rev = with("ref")
                        .map(|r| self.subst(job, &outputs, &r))
                        .filter(|r| !r.is_empty())
                        .unwrap_or_else(|| job.sha.clone());
                    git(
                        &run_dir,
                        &[
                            "clone",
                            "--quiet",
                            self.origin.to_str().unwrap(),
                            "workspace",
                        ],
                    );
                    git(&workspace, &["checkout", "--quiet", "--detach", &rev]);
                } else {
                    assert_eq!(
                        with("version").as_deref(),
                        Some(env!("CARGO_PKG_VERSION")),
                        "the action is asked for this binary's version"
                    );
                }
                continue;
            }
            let script = step.str("run").expect("a step with run: or uses:");
            steps_run.push(step.str("name").unwrap_or("run").to_string());
            let script_file = temp.join(format!("step-{}.sh", steps_run.len()));
            std::fs::write(&script_file, script).unwrap();
            let out_file = temp.join(format!("output-{}", steps_run.len()));
            std::fs::write(&out_file, "").unwrap();
            let mut cmd = std::process::Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(&workspace)
                .env_clear()
                .env("PATH", &self.path)
                .env("HOME", self.root.join("home"))
                .env("GH_STATE", &self.gh_state)
                .env("GITHUB_OUTPUT", &out_file)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("RUNNER_TEMP", &temp)
                .env("GITHUB_WORKSPACE", &workspace)
                .env("GITHUB_REPOSITORY", "acme/team-state")
                .env("GITHUB_SHA", &job.sha)
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GITHUB_RUN_ID", "4242")
                .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
                .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");
            for scope in [spec.get("env"), step.get("env")].into_iter().flatten() {
                for (k, v) in scope.entries() {
                    if let Node::Scalar(v) = v {
                        cmd.env(k, self.subst(job, &outputs, v));
                    }
                }
            }
            let out = cmd.output().unwrap();
            output.push_str(&String::from_utf8_lossy(&out.stdout));
            output.push_str(&String::from_utf8_lossy(&out.stderr));
            if let Some(id) = step.str("id") {
                for l in std::fs::read_to_string(&out_file).unwrap().lines() {
                    if let Some((k, v)) = l.split_once('=') {
                        outputs.insert(format!("steps.{id}.outputs.{k}"), v.to_string());
                    }
                }
            }
            code = out.status.code().unwrap_or(-1);
            if code != 0 {
                break;
            }
        }
        if code == 0 {
            for (name, value) in spec.get("outputs").map(Node::entries).unwrap_or_default() {
                if let Node::Scalar(v) = value {
                    let v = self.subst(job, &outputs, v);
                    self.needs
                        .insert(format!("needs.{}.outputs.{name}", job.job), v);
                }
            }
        }
        JobResult {
            code,
            summary: std::fs::read_to_string(&summary).unwrap(),
            steps_run,
            output,
        }
    }

    fn eval(&self, job: &Job, outputs: &BTreeMap<String, String>, expr: &str) -> String {
        let e = expr.trim();
        let e = e
            .strip_prefix("${{")
            .and_then(|x| x.strip_suffix("}}"))
            .unwrap_or(e)
            .trim();
        if let Some(v) = job.expressions.get(e) {
            return v.clone();
        }
        if let Some(name) = e.strip_prefix("secrets.") {
            return job.secrets.get(name).cloned().unwrap_or_default();
        }
        if let Some(name) = e.strip_prefix("inputs.") {
            return job.inputs.get(name).cloned().unwrap_or_default();
        }
        if e == "matrix.tenant" {
            return job.matrix_tenant.expect("a matrix job").to_string();
        }
        if e == "github.token" {
            return "ghs_stand-in-token".into();
        }
        if e.starts_with("needs.") && !e.contains(' ') {
            return self
                .needs
                .get(e)
                .cloned()
                .unwrap_or_else(|| panic!("`{e}`: run the job it needs first"));
        }
        if e.starts_with("steps.") && !e.contains(' ') {
            return outputs.get(e).cloned().unwrap_or_default();
        }
        if let Some((left, right)) = e.split_once(" != ") {
            let (l, r) = (self.eval(job, outputs, left), unquote(right.trim()));
            return (l != r).to_string();
        }
        if let Some((left, right)) = e.split_once(" == ") {
            let (l, r) = (self.eval(job, outputs, left), unquote(right.trim()));
            return (l == r).to_string();
        }
        panic!("the expression `{e}` is outside the documented subset: give it in Job::expressions")
    }

    fn subst(&self, job: &Job, outputs: &BTreeMap<String, String>, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("a closed expression") + start;
            out.push_str(&self.eval(job, outputs, &rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// Runs git in `dir`, panicking with its output on failure; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
