//! `cpi-gitops companion install`: the package `CPIGitOps` and its two flows on a tenant, created
//! or updated, configured (address and role of each flow), deployed and `STARTED`.
//!
//! 1. Read what the tenant has: the package, every artifact in it, each of our flows' content
//!    (judged by [`source::digest`], which ignores what a tenant regenerates), configuration and
//!    runtime state.
//! 2. Decide: a flow that is this version is kept; one that is an older release
//!    ([`super::releases`]) is updated; anything else (edited flows, other artifacts in the
//!    package) is refused unless `force`, naming each difference. A flow of ours in another
//!    package is always refused.
//! 3. Write only what differs: package fields, flow content, configuration values; deploy a flow
//!    whose content or configuration changed or that does not run this version, and wait until
//!    it is `STARTED`.
//!
//! Run again on its own result, it writes nothing and says so.

use super::releases::{Release, version_of};
use super::{Settings, zips};
use crate::client::{Client, ClientError, paths};
use crate::model::{Kind, ObjectId, WriteError};
use crate::sync::apply::deploy::{Deploy, Timing, deploy_and_wait};
use crate::wire::artifact::manifest::Manifest;
use crate::wire::artifact::{MANIFEST_PATH, zip};
use crate::wire::companion::source::{self, Flow, Package, SourceError};
use crate::wire::companion::{
    ADDRESS_PARAMETER, PACKAGE_ID, PING_FLOW, ROLE_PARAMETER, SECURITY_MATERIAL_FLOW,
};
use crate::wire::designtime::{ArtifactKind, ArtifactWrite, DesigntimeArtifact};
use crate::wire::packages::{INTEGRATION_PACKAGES, IntegrationPackage, PackageWrite};
use crate::wire::runtime::status;
use base64::Engine;
use serde::Serialize;
use std::collections::BTreeMap;

/// What `companion install` is asked to do.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The tenant's name (for messages).
    pub tenant: String,
    /// The flows' configuration.
    pub settings: Settings,
    /// Overwrite a package that holds other content.
    pub force: bool,
    /// How to wait for deployments.
    pub timing: Timing,
    /// The runtime URL, for the endpoints printed.
    pub runtime_url: String,
    /// The released versions a tenant's copy may be ([`super::releases::RELEASES`]).
    pub releases: &'static [Release],
}

/// Why the install failed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The tenant refused or failed.
    #[error(transparent)]
    Tenant(#[from] ClientError),
    /// A write or deploy failed.
    #[error("{object}: {source}")]
    Write {
        /// The object.
        object: String,
        /// Why.
        source: WriteError,
    },
    /// The package holds other content, and `--force` was not given.
    #[error("tenant `{tenant}` has a package {PACKAGE_ID} that is not an unmodified companion")]
    Modified {
        /// The tenant.
        tenant: String,
        /// Each difference.
        differences: Vec<String>,
    },
    /// A flow id of the companion belongs to another package.
    #[error(
        "tenant `{tenant}` has an integration flow {flow} in package {package}, not in {PACKAGE_ID}"
    )]
    Elsewhere {
        /// The tenant.
        tenant: String,
        /// The flow.
        flow: String,
        /// Its package.
        package: String,
    },
    /// The tenant's copy of a flow cannot be read.
    #[error("tenant `{tenant}`: the content of {flow} is not a readable zip: {reason}")]
    Unreadable {
        /// The tenant.
        tenant: String,
        /// The flow.
        flow: String,
        /// Why.
        reason: String,
    },
    /// The embedded source is broken (a bug).
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A flow's zip could not be built from the embedded source (a bug).
    #[error("the companion's zip could not be built: {0}")]
    Zip(#[from] crate::wire::artifact::FormatError),
}

/// What became of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// `package/CPIGitOps` or `integration-flow/<Id>`.
    pub object: String,
    /// What was done, e.g. `created`, `updated from 0.9.0`, `configured SenderRole`,
    /// `deployed 1.0.0, STARTED`.
    pub done: String,
}

/// One endpoint of the companion, and who needs its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The flow.
    pub flow: String,
    /// `<runtime_url>/http<address>`.
    pub url: String,
    /// The role a caller needs.
    pub role: String,
    /// Whose user gets the role.
    pub assign_to: String,
}

/// The result of an install.
#[derive(Debug, Clone, Serialize)]
pub struct InstallReport {
    /// The tenant.
    pub tenant: String,
    /// The companion version now on the tenant.
    pub version: String,
    /// What the tenant had: `none`, a version, or `modified`.
    pub found: String,
    /// Whether anything was written.
    pub changed: bool,
    /// What was written, in order.
    pub actions: Vec<Action>,
    /// Differences from an unmodified companion that `--force` let through (the companion's
    /// flows were replaced; other artifacts of the package are left as they are).
    pub forced: Vec<String>,
    /// The endpoints and their roles.
    pub endpoints: Vec<Endpoint>,
}

/// What the tenant has of one of our flows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Copy {
    /// Nothing.
    Absent,
    /// This version, unmodified.
    Current,
    /// An older release, unmodified.
    Release(&'static str),
    /// Something else; the differences from this version.
    Modified(Vec<String>),
}

/// The files of a zip as `path -> bytes`, without directories.
fn files_of(zip_bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    Ok(zip::read(zip_bytes)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|e| !e.is_dir())
        .map(|e| (e.name, e.data))
        .collect())
}

/// The differences of a tenant's files from `flow`'s (what [`source::digest`] sees).
fn differences(flow: &Flow, live: &BTreeMap<String, Vec<u8>>, version: &str) -> Vec<String> {
    let id = &flow.fields.id;
    let ours: BTreeMap<&str, &[u8]> = flow
        .files
        .iter()
        .filter(|(p, _)| !source::is_regenerated(p))
        .map(|(p, b)| (*p, *b))
        .collect();
    let theirs: BTreeMap<&str, &[u8]> = live
        .iter()
        .filter(|(p, _)| !source::is_regenerated(p))
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let mut out = Vec::new();
    for (path, bytes) in &theirs {
        match ours.get(path) {
            None => out.push(format!(
                "integration-flow/{id}: {path} is not part of companion {version}"
            )),
            Some(mine) => {
                let same = if *path == MANIFEST_PATH {
                    source::digest([(*path, *bytes)]) == source::digest([(*path, *mine)])
                } else {
                    bytes == mine
                };
                if !same {
                    let what = if *path == MANIFEST_PATH {
                        let v = Manifest::parse(bytes).version().unwrap_or("?").to_string();
                        format!(" (Bundle-Version {v})")
                    } else {
                        String::new()
                    };
                    out.push(format!(
                        "integration-flow/{id}: {path} differs from companion {version}{what}"
                    ));
                }
            }
        }
    }
    for path in ours.keys().filter(|p| !theirs.contains_key(*p)) {
        out.push(format!(
            "integration-flow/{id}: {path} of companion {version} is missing"
        ));
    }
    if out.is_empty() {
        // Same files, other digest: cannot happen, but never claim "no difference".
        out.push(format!(
            "integration-flow/{id}: differs from companion {version}"
        ));
    }
    out
}

/// Runs the install (see the module docs).
pub async fn install(
    client: &Client,
    options: &InstallOptions,
) -> Result<InstallReport, InstallError> {
    let package = source::package()?;
    let version = package.version().to_string();
    let tenant = options.tenant.clone();
    let live_package: Option<IntegrationPackage> = client
        .get_optional(&paths::entity(INTEGRATION_PACKAGES, PACKAGE_ID))
        .await?;

    // What the tenant has.
    let mut others = Vec::new();
    if live_package.is_some() {
        for kind in ArtifactKind::ALL {
            let listed = match client.package_artifacts(PACKAGE_ID, kind).await {
                Ok(listed) => listed,
                Err(e) if e.is_not_found() => vec![],
                Err(e) => return Err(e.into()),
            };
            for a in listed {
                let ours = kind == ArtifactKind::IntegrationFlow
                    && (a.id == SECURITY_MATERIAL_FLOW || a.id == PING_FLOW);
                if !ours {
                    others.push(format!(
                        "package {PACKAGE_ID} holds {} {}, which is not part of the companion",
                        Kind::of_artifact(kind),
                        a.id
                    ));
                }
            }
        }
    }
    let mut copies = Vec::new();
    for flow in &package.flows {
        let id = &flow.fields.id;
        let live: Option<DesigntimeArtifact> = client
            .get_optional(&paths::artifact(ArtifactKind::IntegrationFlow, id))
            .await?;
        let copy = match live {
            None => Copy::Absent,
            Some(a) if a.package_id != PACKAGE_ID => {
                return Err(InstallError::Elsewhere {
                    tenant,
                    flow: id.clone(),
                    package: a.package_id,
                });
            }
            Some(_) => {
                let bytes = client
                    .download_artifact(ArtifactKind::IntegrationFlow, id)
                    .await?;
                let files = files_of(&bytes).map_err(|reason| InstallError::Unreadable {
                    tenant: tenant.clone(),
                    flow: id.clone(),
                    reason,
                })?;
                let digest = source::digest(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
                if digest == flow.digest() {
                    Copy::Current
                } else if let Some(v) = version_of(options.releases, id, &digest) {
                    Copy::Release(v)
                } else {
                    Copy::Modified(differences(flow, &files, &version))
                }
            }
        };
        copies.push(copy);
    }
    let mut differences: Vec<String> = others;
    for copy in &copies {
        if let Copy::Modified(d) = copy {
            differences.extend(d.iter().cloned());
        }
    }
    if !differences.is_empty() && !options.force {
        return Err(InstallError::Modified {
            tenant,
            differences,
        });
    }
    let found = found(&copies, live_package.is_some());

    // Writes.
    let mut actions = Vec::new();
    let package_object = format!("package/{PACKAGE_ID}");
    let write_error = |object: &str, e: ClientError| InstallError::Write {
        object: object.to_string(),
        source: WriteError::Tenant(e),
    };
    match &live_package {
        None => {
            client
                .create_package(&package.fields)
                .await
                .map_err(|e| write_error(&package_object, e))?;
            actions.push(Action {
                object: package_object.clone(),
                done: "created".into(),
            });
        }
        Some(live) => {
            let changed = changed_fields(&package, live);
            if !changed.is_empty() {
                let body = PackageWrite {
                    id: None,
                    ..package.fields.clone()
                };
                client
                    .update_package(PACKAGE_ID, &body)
                    .await
                    .map_err(|e| write_error(&package_object, e))?;
                actions.push(Action {
                    object: package_object.clone(),
                    done: format!("updated {}", changed.join(", ")),
                });
            }
        }
    }
    for (flow, copy) in package.flows.iter().zip(&copies) {
        let id = &flow.fields.id;
        let object = format!("integration-flow/{id}");
        let content = base64::engine::general_purpose::STANDARD.encode(zips::zip(flow)?);
        let body = |create: bool| ArtifactWrite {
            id: create.then(|| id.clone()),
            name: flow.fields.name.clone(),
            package_id: create.then(|| PACKAGE_ID.to_string()),
            description: Some(flow.fields.description.clone()),
            artifact_content: content.clone(),
        };
        let mut redeploy = false;
        match copy {
            Copy::Current => {}
            Copy::Absent => {
                client
                    .create_artifact(ArtifactKind::IntegrationFlow, &body(true))
                    .await
                    .map_err(|e| write_error(&object, e))?;
                actions.push(Action {
                    object: object.clone(),
                    done: format!("created {version}"),
                });
                redeploy = true;
            }
            Copy::Release(_) | Copy::Modified(_) => {
                client
                    .update_artifact(ArtifactKind::IntegrationFlow, id, &body(false))
                    .await
                    .map_err(|e| write_error(&object, e))?;
                let from = match copy {
                    Copy::Release(v) => format!("updated from {v} to {version}"),
                    _ => format!("replaced with {version} (--force)"),
                };
                actions.push(Action {
                    object: object.clone(),
                    done: from,
                });
                redeploy = true;
            }
        }
        let (address, role) = if id == SECURITY_MATERIAL_FLOW {
            (&options.settings.address, &options.settings.role)
        } else {
            (&options.settings.ping_address, &options.settings.ping_role)
        };
        let live_config: BTreeMap<String, String> = client
            .configurations(id)
            .await?
            .into_iter()
            .map(|c| (c.parameter_key, c.parameter_value))
            .collect();
        let mut set = Vec::new();
        for (key, value) in [(ADDRESS_PARAMETER, address), (ROLE_PARAMETER, role)] {
            if live_config.get(key) != Some(value) {
                client
                    .configure(id, key, value, "xsd:string")
                    .await
                    .map_err(|e| write_error(&object, e))?;
                set.push(format!("{key} = {value}"));
            }
        }
        if !set.is_empty() {
            actions.push(Action {
                object: object.clone(),
                done: format!("configured {}", set.join(", ")),
            });
            redeploy = true;
        }
        let runtime = client.runtime_artifact(id).await?;
        let runs = runtime
            .as_ref()
            .is_some_and(|r| r.version == version && r.status == status::STARTED);
        if redeploy || !runs {
            let deploy = Deploy {
                id: ObjectId::new(Kind::IntegrationFlow, id),
                kind: ArtifactKind::IntegrationFlow,
                version: version.clone(),
                previous: runtime.and_then(|r| r.deployed_on),
            };
            deploy_and_wait(client, &deploy, options.timing)
                .await
                .map_err(|source| InstallError::Write {
                    object: object.clone(),
                    source,
                })?;
            actions.push(Action {
                object,
                done: format!("deployed {version}, {}", status::STARTED),
            });
        }
    }
    let runtime_url = options.runtime_url.trim_end_matches('/');
    let endpoints = vec![
        Endpoint {
            flow: SECURITY_MATERIAL_FLOW.into(),
            url: format!("{runtime_url}{}", options.settings.path()),
            role: options.settings.role.clone(),
            assign_to: "the export's runtime user only (it reads every secret of the tenant)"
                .into(),
        },
        Endpoint {
            flow: PING_FLOW.into(),
            url: format!("{runtime_url}{}", options.settings.ping_path()),
            role: options.settings.ping_role.clone(),
            assign_to: "the probe's user (the traffic manager's and `cpi-gitops probe`'s)".into(),
        },
    ];
    Ok(InstallReport {
        tenant,
        version,
        found,
        changed: !actions.is_empty(),
        actions,
        forced: differences,
        endpoints,
    })
}

/// What the tenant had, in a word.
fn found(copies: &[Copy], package: bool) -> String {
    if copies.iter().any(|c| matches!(c, Copy::Modified(_))) {
        return "modified".into();
    }
    if let Some(v) = copies.iter().find_map(|c| match c {
        Copy::Release(v) => Some(v.to_string()),
        _ => None,
    }) {
        return v;
    }
    if copies.iter().all(|c| *c == Copy::Current) {
        return "current".into();
    }
    if package || copies.iter().any(|c| *c != Copy::Absent) {
        "incomplete".into()
    } else {
        "none".into()
    }
}

/// The package fields the tenant has otherwise than this version.
fn changed_fields(package: &Package, live: &IntegrationPackage) -> Vec<&'static str> {
    let want = &package.fields;
    let mut out = Vec::new();
    let pairs: [(&str, Option<&str>, Option<&str>); 6] = [
        ("Name", Some(want.name.as_str()), Some(live.name.as_str())),
        (
            "ShortText",
            want.short_text.as_deref(),
            live.short_text.as_deref(),
        ),
        (
            "Description",
            want.description.as_deref(),
            live.description.as_deref(),
        ),
        ("Version", want.version.as_deref(), live.version.as_deref()),
        ("Vendor", want.vendor.as_deref(), live.vendor.as_deref()),
        (
            "SupportedPlatform",
            want.supported_platform.as_deref(),
            live.supported_platform.as_deref(),
        ),
    ];
    for (name, want, have) in pairs {
        if want.unwrap_or_default() != have.unwrap_or_default() {
            out.push(name);
        }
    }
    out
}
