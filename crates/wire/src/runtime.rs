//! `IntegrationRuntimeArtifacts` (reference section 6).

use serde::{Deserialize, Serialize};

/// The entity set of deployed artifacts.
pub const INTEGRATION_RUNTIME_ARTIFACTS: &str = "IntegrationRuntimeArtifacts";

/// Entity `IntegrationRuntimeArtifact`: one deployed artifact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IntegrationRuntimeArtifact {
    /// `Id`.
    pub id: String,
    /// `Version`.
    pub version: String,
    /// `Name`.
    pub name: Option<String>,
    /// `INTEGRATION_FLOW`, `VALUE_MAPPING`, ... (an open set).
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    /// `DeployedBy`.
    pub deployed_by: Option<String>,
    /// `/Date(ms)/`.
    pub deployed_on: Option<String>,
    /// `STARTING`, `STARTED`, `ERROR`, `STOPPING` (others are non-final).
    pub status: String,
}

/// Runtime status values.
pub mod status {
    /// Starting; not final.
    pub const STARTING: &str = "STARTING";
    /// Running.
    pub const STARTED: &str = "STARTED";
    /// Failed to start; `ErrorInformation` says why.
    pub const ERROR: &str = "ERROR";
    /// Being undeployed; not final.
    pub const STOPPING: &str = "STOPPING";
}

/// `ErrorInformation/$value` of a runtime artifact in `ERROR`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInformation {
    /// Where the error came from.
    pub message: ErrorInformationMessage,
    /// Human-readable descriptions; the first is the text to show.
    #[serde(default)]
    pub parameter: Vec<String>,
}

/// The `message` object of [`ErrorInformation`] (note SAP's misspelt `subsytemPartName`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInformationMessage {
    /// `subsystemName`.
    #[serde(rename = "subsystemName", default)]
    pub subsystem_name: String,
    /// `subsytemPartName`.
    #[serde(rename = "subsytemPartName", default)]
    pub subsystem_part_name: String,
    /// `messageId`.
    #[serde(rename = "messageId", default)]
    pub message_id: String,
    /// `messageText`.
    #[serde(rename = "messageText", default)]
    pub message_text: String,
}
