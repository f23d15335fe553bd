//! The eight design-time artifact kinds (API reference section 5): integration flows, value
//! mappings, message mappings, script collections, data types, message types, fault message
//! types and service interfaces. Each lives in its package's folder as `artifact.json`, its
//! content unpacked under `content/` (`store::content`), and for integration flows the
//! configured values as `configuration.json`.
//!
//! Uploading, configuring and deploying are steps of the sync engine (`sync::apply`), which uses
//! the requests here; only four kinds can be written one by one.

use super::super::phase::Phase;
use super::super::schema::{
    Field,
    Ty::{Bool, OptStr, Str},
    optional, required,
};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::WriteError;
use super::{insert, state_json};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::designtime::{ArtifactKind, ArtifactWrite, DesigntimeArtifact};
use serde_json::Value;

/// The fields of `artifact.json`. `Deployed` is required: a missing one would undeploy.
pub const FIELDS: &[Field] = &[
    required("Id", Str),
    required("Name", Str),
    required("Version", Str),
    required("Deployed", Bool),
    optional("Description", OptStr),
];

/// The fields of one value of `configuration.json` (`{key: {DataType, Value}}`).
pub const CONFIGURATION_VALUE: &[Field] = &[required("Value", Str), optional("DataType", Str)];

const fn spec(name: &'static str, folder: &'static str, phase: Phase, kind: ArtifactKind) -> Spec {
    Spec {
        name,
        folder,
        phase,
        placement: Placement::Artifact,
        identity: Identity::Field("Id"),
        secrets: &[],
        attachment: None,
        artifact: Some(kind),
        entity_set: kind.entity_set(),
        schema: FIELDS,
    }
}

/// `integration-flow`.
pub const INTEGRATION_FLOW: Spec = spec(
    "integration-flow",
    "integration-flows",
    Phase::IntegrationFlows,
    ArtifactKind::IntegrationFlow,
);
/// `value-mapping`.
pub const VALUE_MAPPING: Spec = spec(
    "value-mapping",
    "value-mappings",
    Phase::Mappings,
    ArtifactKind::ValueMapping,
);
/// `message-mapping`.
pub const MESSAGE_MAPPING: Spec = spec(
    "message-mapping",
    "message-mappings",
    Phase::Mappings,
    ArtifactKind::MessageMapping,
);
/// `script-collection`.
pub const SCRIPT_COLLECTION: Spec = spec(
    "script-collection",
    "script-collections",
    Phase::Libraries,
    ArtifactKind::ScriptCollection,
);
/// `data-type`.
pub const DATA_TYPE: Spec = spec(
    "data-type",
    "data-types",
    Phase::Libraries,
    ArtifactKind::DataType,
);
/// `message-type`.
pub const MESSAGE_TYPE: Spec = spec(
    "message-type",
    "message-types",
    Phase::Libraries,
    ArtifactKind::MessageType,
);
/// `fault-message-type`.
pub const FAULT_MESSAGE_TYPE: Spec = spec(
    "fault-message-type",
    "fault-message-types",
    Phase::Libraries,
    ArtifactKind::FaultMessageType,
);
/// `service-interface`.
pub const SERVICE_INTERFACE: Spec = spec(
    "service-interface",
    "service-interfaces",
    Phase::Libraries,
    ArtifactKind::ServiceInterface,
);

/// An artifact's `artifact.json`: its metadata, and whether it is deployed on the tenant.
pub fn metadata(kind: ArtifactKind, a: &DesigntimeArtifact, deployed: bool) -> Value {
    let mut json = state_json(Kind::of_artifact(kind), a);
    insert(&mut json, "Deployed", Value::Bool(deployed));
    json
}

/// What apply needs to know of a desired artifact without reading its files again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Whether git has it deployed.
    pub deployed: bool,
    /// Its version in git.
    pub version: String,
    /// Its package is configure-only (content comes from SAP's catalogue).
    pub read_only: bool,
}

impl Facts {
    /// The facts of an `artifact.json` (its package's mode is not in it: `read_only` is false).
    pub fn of(json: &Value) -> Facts {
        Facts {
            deployed: json
                .get("Deployed")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            version: json
                .get("Version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            read_only: false,
        }
    }
}

/// The kind of an artifact id (an error for other kinds).
pub fn kind_of(id: &ObjectId) -> Result<ArtifactKind, WriteError> {
    id.kind
        .artifact_kind()
        .ok_or_else(|| WriteError::Unexpected("not an artifact".into()))
}

/// Creates the artifact `id` in `package` from `zip` (base64).
pub async fn create(
    client: &Client,
    id: &ObjectId,
    desired: &DesigntimeArtifact,
    package: &str,
    zip: String,
) -> Result<(), WriteError> {
    let body = ArtifactWrite {
        id: Some(id.key.clone()),
        name: desired.name.clone(),
        package_id: Some(package.to_string()),
        description: desired.description.clone(),
        artifact_content: zip,
    };
    Ok(client.create_artifact(kind_of(id)?, &body).await?)
}

/// Uploads new content of the artifact `id` from `zip` (base64).
pub async fn update(
    client: &Client,
    id: &ObjectId,
    desired: &DesigntimeArtifact,
    zip: String,
) -> Result<(), WriteError> {
    let body = ArtifactWrite {
        id: None,
        name: desired.name.clone(),
        package_id: None,
        description: desired.description.clone(),
        artifact_content: zip,
    };
    Ok(client.update_artifact(kind_of(id)?, &id.key, &body).await?)
}

/// Deletes the artifact `id`.
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    Ok(client.delete_artifact(kind_of(id)?, &id.key).await?)
}
