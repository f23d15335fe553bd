//! A primary and a secondary emulated tenant with a repository configured for both: the setting
//! of plan, apply and drift tests. Commands run through the binary (use the multi-threaded
//! runtime in those tests, so the in-process emulators keep answering).

#![allow(dead_code)]

use super::repo::{DEMO_IDENTITY, Login, StateRepo};
use super::{Tenant, config};
use cpi_gitops::config::Env;
use cpi_gitops::emulator::{EmulatorConfig, Seed};
use serde_json::Value;
use std::process::Output;

pub struct Pair {
    pub primary: Tenant,
    pub secondary: Tenant,
    pub repo: StateRepo,
}

/// A command's result.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Both streams.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl Pair {
    /// A demo primary and a secondary with `secondary_seed`, exported once and committed.
    pub async fn new(secondary_seed: Seed) -> Pair {
        let primary = Tenant::with(EmulatorConfig {
            switches: fast(),
            ..config(Seed::Demo)
        })
        .await;
        let secondary = Tenant::with(EmulatorConfig {
            switches: fast(),
            id_seed: 2,
            ..config(secondary_seed)
        })
        .await;
        let url = secondary.handle.url().to_string();
        let extra = format!(
            "deploy_poll_ms = 1\nretry_base_ms = 1\n\n[tenants.secondary]\nurl = \"{url}\"\ntoken_url = \"{url}/oauth/token\"\ndeploy_poll_ms = 1\nretry_base_ms = 1\n"
        );
        let mut repo = StateRepo::new(&primary, Login::OAuth, &extra);
        let mut pairs: Vec<(String, String)> = repo
            .env
            .pairs()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pairs.push((
            "CPI_SECONDARY_CLIENT_ID".into(),
            cpi_gitops::emulator::DEFAULT_CLIENT_ID.into(),
        ));
        pairs.push((
            "CPI_SECONDARY_CLIENT_SECRET".into(),
            cpi_gitops::emulator::DEFAULT_CLIENT_SECRET.into(),
        ));
        pairs.push(("CPI_GITOPS_AGE_IDENTITY".into(), DEMO_IDENTITY.into()));
        repo.env = Env::from_pairs(pairs);
        repo.export_ok().await;
        Pair {
            primary,
            secondary,
            repo,
        }
    }

    /// Runs `cpi-gitops <args>` in the repository.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(
            self.repo
                .command()
                .args(args)
                .output()
                .expect("the binary runs"),
        )
    }

    /// Runs with an environment variable removed or replaced.
    pub fn run_with(&self, args: &[&str], key: &str, value: Option<&str>) -> Run {
        let mut cmd = self.repo.command();
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
        Run::from(cmd.args(args).output().expect("the binary runs"))
    }

    /// Runs with `input` on stdin.
    pub fn run_input(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .repo
            .command()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary runs");
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input).expect("stdin takes the input");
        }
        Run::from(child.wait_with_output().expect("the binary ends"))
    }

    /// Reaches the secondary with Basic credentials (a session client that needs CSRF tokens)
    /// instead of OAuth.
    pub fn basic_secondary(&mut self) {
        let mut pairs: Vec<(String, String)> = self
            .repo
            .env
            .pairs()
            .filter(|(k, _)| !k.starts_with("CPI_SECONDARY_"))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pairs.push(("CPI_SECONDARY_USER".into(), super::USER.into()));
        pairs.push(("CPI_SECONDARY_PASSWORD".into(), super::PASSWORD.into()));
        self.repo.env = Env::from_pairs(pairs);
    }

    /// Applies to the secondary with `--overwrite-drift` and checks it succeeded.
    pub fn restore(&self) -> Run {
        let r = self.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
        assert_eq!(r.code, 0, "apply --overwrite-drift: {}", r.all());
        r
    }
}

/// Deploys move one phase per status read: fast but still asynchronous.
fn fast() -> cpi_gitops::emulator::Switches {
    cpi_gitops::emulator::Switches {
        deploy_steps: 1,
        ..Default::default()
    }
}

/// Removes, everywhere in `v`, object keys named in `keys`.
pub fn strip(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !keys.contains(&k.as_str()));
            for child in map.values_mut() {
                strip(child, keys);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| strip(i, keys)),
        _ => {}
    }
}
