//! Everything cpi-gitops writes to stdout and stderr for people: banners, walkthroughs, errors.
//! Logs go through `tracing` to stderr; nothing else prints. Whatever is printed passes through
//! [`crate::redact`] first: a secret value known to the run is masked in every format.

pub mod apply;
pub mod companion;
pub mod export;
pub mod failover;
pub mod ha;
pub mod json;
pub mod markdown;
pub mod plan;
pub mod probe;
pub mod progress;
pub mod secret;
pub mod words;

use crate::emulator::EmulatorHandle;
use std::fmt::Display;
use std::io::Write;
use std::path::Path;

/// Output formats of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people at a terminal.
    Text,
    /// One JSON document (the CI contract).
    Json,
    /// For a pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
}

/// Prints an error (the command line's: with its causes and hint) to stderr.
pub fn error(e: &dyn Display) {
    let text = e.to_string();
    let _ = writeln!(std::io::stderr(), "{}", crate::redact::redact(&text));
}

/// Writes one line to stdout.
pub fn line(text: &str) {
    out(&format!("{text}\n"));
}

/// `1 object`, `2 objects`: `n` with the noun in the singular or the plural.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// `1.2 MB` and friends.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub(crate) fn out(text: &str) {
    let text = crate::redact::redact(text);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// The emulator's start banner: URL, credentials, where to look next; under `--format json` a
/// document of where it listens ([`json::emulator`]).
pub fn emulator_banner(format: Format, handle: &EmulatorHandle, seed: &str, data: Option<&Path>) {
    let c = handle.credentials();
    let url = handle.url();
    if format == Format::Json {
        let data = data.map(|p| p.display().to_string());
        out(&json::emulator(&json::EmulatorView {
            seed,
            url,
            api_url: &handle.api_url(),
            token_url: &handle.token_url(),
            admin_url: &format!("{url}/admin"),
            user: &c.user,
            client_id: &c.client_id,
            data: data.as_deref(),
        }));
        return;
    }
    let persisted = data.map_or(String::new(), |p| {
        format!("  State file    {}\n", p.display())
    });
    out(&format!(
        "cpi-gitops emulator: tenant (seed `{seed}`) listening on {url}\n\n  OData API     {api}\n  Basic auth    user `{user}`, password `{password}`\n  OAuth token   {token} (client id `{cid}`, client secret `{secret}`)\n  Admin API     {url}/admin (same Basic credentials)\n  Runtime       {url}/http/... (started flows; the companion's ping, when deployed: {url}/http/cpi-gitops/ping)\n{persisted}\nTry:\n  curl -u {user}:{password} -H 'Accept: application/json' {api}/IntegrationPackages\n\nPress Ctrl-C to stop.\n",
        api = handle.api_url(),
        user = c.user,
        password = c.password.expose(),
        token = handle.token_url(),
        cid = c.client_id,
        secret = c.client_secret.expose(),
    ));
}
