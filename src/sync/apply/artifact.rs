//! Writing a design-time artifact: its files loaded from git, what differs from the target
//! ([`ArtifactCase`]), then the operations [`artifact_operations`] gives: create, upload or
//! re-create from the repacked content, configure the values that differ, and what the runtime
//! needs afterwards ([`runtime_operation`]).

use super::decide::{
    ArtifactCase, Operation, RecreateReason, Runtime, artifact_operations, runtime_operation,
};
use super::deploy::Deploy;
use super::load::{Artifact as Loaded, Configuration};
use super::outcome::Skip;
use crate::blocking::Blocking;
use crate::client::Client;
use crate::model::kinds::artifact::{self as requests, Facts};
use crate::model::kinds::to_base64;
use crate::model::{Detail, Effect, ObjectId, Recreate, WriteError};
use crate::store::content::{self, Limits};
use crate::store::format::StateFormat;
use crate::store::layout::{Role, locate};
use crate::sync::plan::Step;
use crate::sync::state::ObjectFiles;
use crate::wire::designtime::{ArtifactKind, DesigntimeArtifact};
use crate::wire::runtime::IntegrationRuntimeArtifact;
use serde_json::{Map, Value};

/// The digest of an object's content files by their path inside the artifact (an integration
/// flow's `parameters.prop` by its keys, as plan compares it).
fn content_fingerprint(files: &ObjectFiles) -> String {
    let mut content = ObjectFiles::default();
    for (path, id) in &files.files {
        if let Some(Role::Content(inner)) = locate(path).map(|l| l.role) {
            if let Some(meaning) = files.compare_as.get(path) {
                content.compare_as.insert(inner.clone(), meaning.clone());
            }
            content.files.insert(inner, *id);
        }
    }
    content.fingerprint()
}

/// What a successful write did, and what it leaves for the runtime.
#[derive(Debug, Default)]
pub(super) struct Written {
    pub effects: Vec<Effect>,
    pub skipped: Option<Skip>,
    pub deploy: Option<Deploy>,
    pub undeploy: bool,
}

/// What writing an artifact needs to know besides its files.
#[derive(Debug, Clone, Copy)]
pub(super) struct Context<'a> {
    /// Blocking work (repacking) off the async workers.
    pub blocking: &'a Blocking,
    /// What git says of it.
    pub facts: Option<&'a Facts>,
    /// Its runtime on the target before the apply.
    pub runtime: Option<&'a IntegrationRuntimeArtifact>,
    /// `--no-deploy`.
    pub no_deploy: bool,
    /// The desired state's layout version, and the size limits of artifact content.
    pub state: (StateFormat, Limits),
}

/// Whether a value of `desired` differs from `live`.
fn differs(desired: &Configuration, live: &Configuration) -> bool {
    desired
        .iter()
        .any(|(key, (value, _))| live.get(key).map(|(v, _)| v) != Some(value))
}

/// What differs between an artifact in git and on the target.
fn case(kind: ArtifactKind, facts: &Facts, step: &Step, loaded: &Loaded) -> ArtifactCase {
    let field = |m: &Map<String, Value>, f: &str| m.get(f).cloned().unwrap_or(Value::Null);
    let live = step.live.as_ref();
    ArtifactCase {
        kind,
        on_target: live.is_some(),
        read_only: facts.read_only,
        metadata_differs: loaded.live.as_ref().is_none_or(|l| {
            ["Version", "Name", "Description"]
                .iter()
                .any(|f| field(l, f) != field(&loaded.desired, f))
        }),
        content_differs: match (live, &step.desired) {
            (Some(l), Some(d)) => content_fingerprint(l) != content_fingerprint(d),
            _ => true,
        },
        moved: match (live, &step.desired) {
            (Some(l), Some(d)) => l.parent != d.parent,
            _ => false,
        },
        configuration_differs: loaded
            .live_configuration
            .as_ref()
            .is_none_or(|l| differs(&loaded.configuration, l)),
    }
}

/// Creates, uploads or re-creates an artifact, configures it, and says what its runtime needs.
pub(super) async fn write(
    client: &Client,
    cx: Context<'_>,
    step: &Step,
    loaded: Loaded,
) -> Result<Written, WriteError> {
    let id = &step.id;
    let kind = requests::kind_of(id)?;
    let facts = cx.facts.cloned().unwrap_or(Facts {
        deployed: false,
        version: String::new(),
        read_only: false,
    });
    let operations = artifact_operations(&case(kind, &facts, step, &loaded));
    let Loaded {
        desired,
        content,
        configuration,
        live_configuration,
        ..
    } = loaded;
    let mut content = Some(content);
    let mut effects = Vec::new();
    let mut uploaded = false;
    let mut configured = 0;
    for op in operations {
        match op {
            Operation::Skip => {
                return Ok(Written {
                    skipped: Some(Skip::NotWritable(kind.entity_type())),
                    ..Default::default()
                });
            }
            Operation::FromCatalogue => effects.push(Effect::TakenFromCatalogueCopy),
            Operation::Create | Operation::Upload | Operation::Recreate(_) => {
                let files = content.take().unwrap_or_default();
                let zip = repack(cx, id, files, &configuration);
                effects.push(upload(client, step, op, &desired, zip.await?, &facts.version).await?);
                uploaded = true;
            }
            Operation::Configure => {
                let known = live_configuration.as_ref().filter(|_| !uploaded);
                configured = configure(client, &id.key, &configuration, known).await?;
                if configured > 0 {
                    effects.push(Effect::Configured(configured));
                }
            }
            Operation::Write | Operation::Deploy | Operation::Undeploy | Operation::Delete => {
                return Err(WriteError::Unexpected(format!(
                    "{op:?} is not an artifact write"
                )));
            }
        }
    }
    let runtime = cx.runtime;
    let mut written = Written {
        effects,
        ..Default::default()
    };
    match runtime_operation(
        facts.deployed,
        uploaded || configured > 0,
        Runtime::of(runtime, &facts.version),
        cx.no_deploy,
    ) {
        Some(Operation::Deploy) => {
            written.deploy = Some(Deploy {
                id: id.clone(),
                kind,
                version: facts.version.clone(),
                previous: runtime.and_then(|r| r.deployed_on.clone()),
            })
        }
        Some(Operation::Undeploy) => written.undeploy = true,
        _ => {}
    }
    Ok(written)
}

/// The artifact's zip from its content files and configured values, as base64, built on a
/// blocking thread.
async fn repack(
    cx: Context<'_>,
    id: &ObjectId,
    files: Vec<(String, Vec<u8>)>,
    configuration: &Configuration,
) -> Result<String, WriteError> {
    let values: Vec<(String, String)> = configuration
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    let (kind, name, (format, limits)) = (id.kind, id.to_string(), cx.state);
    cx.blocking
        .run(move || {
            content::repack(kind, &name, &files, &values, format, &limits).map(|z| to_base64(&z))
        })
        .await
        .map_err(|e| WriteError::Unexpected(format!("repacking failed: {e}")))?
        .map_err(|e| WriteError::State(e.reason()))
}

/// Creates, updates or re-creates (`op`) the artifact of `step` from `zip`.
async fn upload(
    client: &Client,
    step: &Step,
    op: Operation,
    desired: &Map<String, Value>,
    zip: String,
    version: &str,
) -> Result<Effect, WriteError> {
    let id = &step.id;
    let metadata: DesigntimeArtifact = serde_json::from_value(Value::Object(desired.clone()))
        .map_err(|e| WriteError::State(format!("artifact.json does not fit the API: {e}")))?;
    let version = version.to_string();
    if op == Operation::Upload {
        requests::update(client, id, &metadata, zip).await?;
        return Ok(Effect::Updated(Detail::Version(version)));
    }
    if let Operation::Recreate(_) = op {
        requests::delete(client, id).await?;
    }
    let package = step
        .desired
        .as_ref()
        .and_then(|d| d.parent.clone())
        .unwrap_or_default();
    requests::create(client, id, &metadata, &package, zip).await?;
    Ok(match op {
        Operation::Recreate(RecreateReason::Moved) => Effect::Recreated(Recreate::Moved(version)),
        Operation::Recreate(RecreateReason::ValueMapping) => {
            Effect::Recreated(Recreate::ValueMapping(version))
        }
        _ => Effect::Created(Detail::Version(version)),
    })
}

/// Sets the configuration values of integration flow `key` that differ from the target's:
/// `known` when its values are known (nothing was uploaded), else read from the target.
/// Returns how many were set.
async fn configure(
    client: &Client,
    key: &str,
    configuration: &Configuration,
    known: Option<&Configuration>,
) -> Result<usize, WriteError> {
    let live = match known {
        Some(c) => c.clone(),
        None => client
            .configurations(key)
            .await?
            .into_iter()
            .map(|c| (c.parameter_key, (c.parameter_value, c.data_type)))
            .collect(),
    };
    let mut set = 0;
    for (parameter, (value, data_type)) in configuration {
        if live.get(parameter).map(|(v, _)| v) != Some(value) {
            client.configure(key, parameter, value, data_type).await?;
            set += 1;
        }
    }
    Ok(set)
}
