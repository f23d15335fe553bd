//! The tenant client against emulated tenants over real HTTP, one module per concern. Every
//! assertion message names the rule it checks (the words, or the API reference section).

mod auth;
mod config;
mod csrf;
mod errors;
mod hostile;
mod limits;
mod paging;
mod rate_limits;
mod resets;
mod retry;
mod sessions;
mod sizes;

use crate::common::{PASSWORD, Tenant, USER};
use cpi_gitops::client::{Auth, Client, ClientConfig, ClientError, RetryPolicy};
use cpi_gitops::emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use cpi_gitops::secrets::Secret;
use cpi_gitops::wire::companion::DEFAULT_PING_PATH;
use cpi_gitops::wire::designtime::ArtifactKind;
use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The tenant name used in every test config.
pub const NAME: &str = "primary";

/// A Basic-auth config for `t`.
pub fn basic(t: &Tenant) -> ClientConfig {
    ClientConfig::new(
        NAME,
        t.handle.url(),
        Auth::Basic {
            user: USER.into(),
            password: Secret::new(PASSWORD),
        },
    )
}

/// An OAuth client-credentials config for `t`.
pub fn oauth(t: &Tenant) -> ClientConfig {
    ClientConfig::new(
        NAME,
        t.handle.url(),
        Auth::OAuth {
            token_url: t.handle.token_url(),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
        },
    )
}

/// A retry policy that backs off for a millisecond or two, so fault tests run fast.
pub fn quick_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
        max_total: Duration::from_secs(60),
    }
}

/// A client for `config` (panics when the config is refused).
pub fn client(config: ClientConfig) -> Client {
    Client::new(config).expect("the client accepts a loopback config")
}

/// Requests the emulator counted for `route` (e.g. `GET IntegrationPackages(..)`).
pub fn route(stats: &Value, route: &str) -> u64 {
    stats["by_route"][route].as_u64().unwrap_or(0)
}

/// Answers the emulator gave with `status`.
pub fn answers(stats: &Value, status: u16) -> u64 {
    stats["by_status"][status.to_string()].as_u64().unwrap_or(0)
}

/// Zeroes the emulator's request statistics.
pub async fn reset_stats(t: &Tenant) {
    t.admin(Method::DELETE, "stats", None).await;
}

/// The route the emulator counts for the service root (CSRF fetches).
pub const SERVICE_ROOT_ROUTE: &str = "GET ";

/// Every read of an export, in a fixed order, as comparable lines: entity lists in `Debug`
/// form, downloads as SHA-256, statuses of downloads the tenant refuses (configure-only
/// content), and the companion document as JSON. Reads run one after another so that the
/// emulator's seeded fault dice fall the same way on every run.
pub async fn read_everything(c: &Client) -> Result<Vec<String>, ClientError> {
    let mut out = Vec::new();
    let packages = c.packages().await?;
    out.push(format!("packages {packages:?}"));
    for p in &packages {
        for kind in ArtifactKind::ALL {
            let artifacts = c.package_artifacts(&p.id, kind).await?;
            out.push(format!("{}/{kind:?} {artifacts:?}", p.id));
            for a in &artifacts {
                out.push(format!(
                    "download {kind:?} {}: {}",
                    a.id,
                    refused_or(
                        c.download_artifact(kind, &a.id)
                            .await
                            .map(|b| content_digest(&b))
                    )?
                ));
                if kind == ArtifactKind::IntegrationFlow {
                    let config = c.configurations(&a.id).await?;
                    out.push(format!("configurations {}: {config:?}", a.id));
                }
            }
        }
    }
    out.push(format!("runtime {:?}", c.runtime_artifacts().await?));
    out.push(format!(
        "user credentials {:?}",
        c.user_credentials().await?
    ));
    out.push(format!("oauth2 {:?}", c.oauth2_client_credentials().await?));
    out.push(format!(
        "secure parameters {:?}",
        c.secure_parameters().await?
    ));
    let entries = c.keystore_entries().await?;
    out.push(format!("keystore {entries:?}"));
    for e in &entries {
        out.push(format!(
            "certificate {}: {}",
            e.alias,
            refused_or(c.certificate_pem(&e.hexalias).await.map(|b| digest(&b)))?
        ));
    }
    out.push(format!(
        "certificate user mappings {:?}",
        c.certificate_user_mappings().await?
    ));
    out.push(format!("access policies {:?}", c.access_policies().await?));
    out.push(format!("number ranges {:?}", c.number_ranges().await?));
    out.push(format!(
        "string parameters {:?}",
        c.string_parameters().await?
    ));
    out.push(format!(
        "binary parameters {:?}",
        c.binary_parameters().await?
    ));
    let partners = c.partners().await?;
    out.push(format!("partners {partners:?}"));
    for p in &partners {
        out.push(format!(
            "user credential parameters {}: {:?}",
            p.pid,
            c.user_credential_parameters(&p.pid).await?
        ));
    }
    out.push(format!(
        "alternative partners {:?}",
        c.alternative_partners().await?
    ));
    out.push(format!(
        "authorized users {:?}",
        c.authorized_users().await?
    ));
    let ping = c.runtime_get(DEFAULT_PING_PATH).await?;
    out.push(format!("companion ping {}", ping.status));
    Ok(out)
}

/// The digest of a download, or the status the tenant refused it with; transport errors and
/// retried statuses propagate (they must not happen after retries).
fn refused_or(result: Result<String, ClientError>) -> Result<String, ClientError> {
    match result {
        Ok(digest) => Ok(digest),
        Err(e) if matches!(e.status(), Some(400..=499)) => {
            Ok(format!("refused with {:?}", e.status()))
        }
        Err(e) => Err(e),
    }
}

/// A digest of an artifact zip's files (names and bytes), without what the tenant regenerates on
/// every download: zip timestamps and the date comment of `.prop` files.
fn content_digest(zip: &[u8]) -> String {
    let Ok(entries) = cpi_gitops::wire::artifact::zip::read(zip) else {
        return format!("not a zip: {}", digest(zip));
    };
    let mut hasher = Sha256::new();
    for e in entries {
        hasher.update(e.name.as_bytes());
        hasher.update([0]);
        if e.name.ends_with(".prop") {
            for line in e
                .data
                .split(|b| *b == b'\n')
                .filter(|l| !l.starts_with(b"#"))
            {
                hasher.update(line);
                hasher.update([b'\n']);
            }
        } else {
            hasher.update(&e.data);
        }
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// Lower-case hex SHA-256.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
