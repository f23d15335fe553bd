//! Deploying and undeploying, and the one wait for the runtime: status reads with growing pauses
//! (from the configured poll interval up to 10 s), until done or the deploy timeout.

use crate::client::Client;
use crate::model::{ObjectId, WriteError};
use crate::wire::designtime::ArtifactKind;
use crate::wire::runtime::status;
use std::future::Future;
use std::time::{Duration, Instant};

/// How often and how long to wait for the runtime.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The first pause between status reads.
    pub poll: Duration,
    /// The longest wait.
    pub timeout: Duration,
}

/// An artifact to deploy.
#[derive(Debug, Clone)]
pub struct Deploy {
    /// The artifact.
    pub id: ObjectId,
    /// Its kind.
    pub kind: ArtifactKind,
    /// The version git has.
    pub version: String,
    /// `DeployedOn` of the deployment before this one: a redeploy of the same version is done
    /// only when the runtime shows a newer deployment.
    pub previous: Option<String>,
}

/// Polls `check` with growing pauses until it gives a value, fails, or `timing.timeout` passes
/// (then the error `timed_out` makes).
async fn wait<T, F, Fut>(
    timing: Timing,
    timed_out: impl FnOnce() -> WriteError,
    mut check: F,
) -> Result<T, WriteError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, WriteError>>,
{
    let started = Instant::now();
    let mut pause = timing.poll;
    loop {
        tokio::time::sleep(pause).await;
        pause = (pause.mul_f64(1.5))
            .min(Duration::from_secs(10))
            .max(timing.poll);
        if let Some(done) = check().await? {
            return Ok(done);
        }
        if started.elapsed() > timing.timeout {
            return Err(timed_out());
        }
    }
}

/// Deploys and waits until the runtime shows the version `STARTED`; on `ERROR` fails with the
/// tenant's error text.
pub async fn deploy_and_wait(
    client: &Client,
    d: &Deploy,
    timing: Timing,
) -> Result<(), WriteError> {
    client.deploy(d.kind, &d.id.key).await?;
    let seen = std::sync::Mutex::new("nothing (not deployed yet)".to_string());
    let timed_out = || WriteError::DeployTimeout {
        secs: timing.timeout.as_secs(),
        version: d.version.clone(),
        seen: seen.lock().map(|s| s.clone()).unwrap_or_default(),
    };
    wait(timing, timed_out, || async {
        let Some(r) = client.runtime_artifact(&d.id.key).await? else {
            return Ok(None);
        };
        if let Ok(mut s) = seen.lock() {
            *s = format!("version {} {}", r.version, r.status);
        }
        let newer = d.previous.is_none() || r.deployed_on != d.previous;
        if newer && r.version != d.version && r.status == status::STARTED && d.previous.is_some() {
            // A new deployment that started at another version: it will not change by waiting.
            Err(WriteError::DeployedOtherVersion {
                version: d.version.clone(),
                running: r.version.clone(),
            })
        } else if !newer || r.version != d.version {
            // Still the previous deployment.
            Ok(None)
        } else if r.status == status::STARTED {
            Ok(Some(()))
        } else if r.status == status::ERROR {
            Err(WriteError::DeployFailed(
                error_text(client, &d.id.key, timing).await?,
            ))
        } else {
            Ok(None)
        }
    })
    .await
}

/// The runtime's error text of a failed deploy (it may take a moment to appear).
async fn error_text(client: &Client, key: &str, timing: Timing) -> Result<String, WriteError> {
    for _ in 0..5 {
        if let Some(text) = client.error_information(key).await? {
            return Ok(text);
        }
        tokio::time::sleep(timing.poll).await;
    }
    Ok("status ERROR (the tenant gave no error text)".into())
}

/// Undeploys and waits until the runtime artifact is gone.
pub async fn undeploy_and_wait(
    client: &Client,
    key: &str,
    timing: Timing,
) -> Result<(), WriteError> {
    client.undeploy(key).await?;
    let timed_out = || WriteError::UndeployTimeout(timing.timeout.as_secs());
    wait(timing, timed_out, || async {
        Ok(client.runtime_artifact(key).await?.is_none().then_some(()))
    })
    .await
}
