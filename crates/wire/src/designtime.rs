//! Design-time artifacts (reference section 5): the kinds, the shared entity, configurations and
//! build status.

use serde::{Deserialize, Serialize};

/// The design-time artifact kinds that live in packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ArtifactKind {
    /// `IntegrationDesigntimeArtifacts`.
    IntegrationFlow,
    /// `MessageMappingDesigntimeArtifacts`.
    MessageMapping,
    /// `ValueMappingDesigntimeArtifacts`.
    ValueMapping,
    /// `ScriptCollectionDesigntimeArtifacts`.
    ScriptCollection,
    /// `DataTypeDesigntimeArtifacts`.
    DataType,
    /// `MessageTypeDesigntimeArtifacts`.
    MessageType,
    /// `FaultMessageTypeDesigntimeArtifacts`.
    FaultMessageType,
    /// `ServiceInterfaceDesigntimeArtifacts`.
    ServiceInterface,
}

impl ArtifactKind {
    /// Every kind, in the order a sync writes them (dependencies first).
    pub const ALL: [ArtifactKind; 8] = [
        ArtifactKind::ScriptCollection,
        ArtifactKind::DataType,
        ArtifactKind::MessageType,
        ArtifactKind::FaultMessageType,
        ArtifactKind::ServiceInterface,
        ArtifactKind::MessageMapping,
        ArtifactKind::ValueMapping,
        ArtifactKind::IntegrationFlow,
    ];

    /// The entity set, e.g. `IntegrationDesigntimeArtifacts`; also the package navigation name.
    pub const fn entity_set(self) -> &'static str {
        match self {
            ArtifactKind::IntegrationFlow => "IntegrationDesigntimeArtifacts",
            ArtifactKind::MessageMapping => "MessageMappingDesigntimeArtifacts",
            ArtifactKind::ValueMapping => "ValueMappingDesigntimeArtifacts",
            ArtifactKind::ScriptCollection => "ScriptCollectionDesigntimeArtifacts",
            ArtifactKind::DataType => "DataTypeDesigntimeArtifacts",
            ArtifactKind::MessageType => "MessageTypeDesigntimeArtifacts",
            ArtifactKind::FaultMessageType => "FaultMessageTypeDesigntimeArtifacts",
            ArtifactKind::ServiceInterface => "ServiceInterfaceDesigntimeArtifacts",
        }
    }

    /// The kind whose entity set is `set`.
    pub fn from_entity_set(set: &str) -> Option<ArtifactKind> {
        ArtifactKind::ALL
            .into_iter()
            .find(|k| k.entity_set() == set)
    }

    /// The entity type, e.g. `IntegrationDesigntimeArtifact`.
    pub fn entity_type(self) -> &'static str {
        let set = self.entity_set();
        &set[..set.len() - 1]
    }

    /// The deploy function import, for deployable kinds.
    pub fn deploy_function(self) -> Option<&'static str> {
        match self {
            ArtifactKind::IntegrationFlow => Some("DeployIntegrationDesigntimeArtifact"),
            ArtifactKind::MessageMapping => Some("DeployMessageMappingDesigntimeArtifact"),
            ArtifactKind::ValueMapping => Some("DeployValueMappingDesigntimeArtifact"),
            ArtifactKind::ScriptCollection => Some("DeployScriptCollectionDesigntimeArtifact"),
            _ => None,
        }
    }

    /// The kind deployed by function import `name`.
    pub fn from_deploy_function(name: &str) -> Option<ArtifactKind> {
        ArtifactKind::ALL
            .into_iter()
            .find(|k| k.deploy_function() == Some(name))
    }

    /// `Type` of the runtime artifact, e.g. `INTEGRATION_FLOW`.
    pub fn runtime_type(self) -> &'static str {
        match self {
            ArtifactKind::IntegrationFlow => "INTEGRATION_FLOW",
            ArtifactKind::MessageMapping => "MESSAGE_MAPPING",
            ArtifactKind::ValueMapping => "VALUE_MAPPING",
            ArtifactKind::ScriptCollection => "SCRIPT_COLLECTION",
            ArtifactKind::DataType => "DATA_TYPE",
            ArtifactKind::MessageType => "MESSAGE_TYPE",
            ArtifactKind::FaultMessageType => "FAULT_MESSAGE_TYPE",
            ArtifactKind::ServiceInterface => "SERVICE_INTERFACE",
        }
    }

    /// Whether the API documents per-artifact create/update for this kind.
    pub fn writable(self) -> bool {
        matches!(
            self,
            ArtifactKind::IntegrationFlow
                | ArtifactKind::MessageMapping
                | ArtifactKind::ValueMapping
                | ArtifactKind::ScriptCollection
        )
    }
}

/// The entity shared by all design-time kinds. Integration-flow-only properties are skipped when
/// absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DesigntimeArtifact {
    /// `Id`.
    pub id: String,
    /// The saved version from `Bundle-Version`, or `Active` for a draft.
    pub version: String,
    /// `PackageId`.
    pub package_id: String,
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// Write-only: always `null` on read.
    pub artifact_content: Option<String>,
    /// `Sender`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// `Receiver`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    /// `CreatedBy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// `CreatedAt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// `ModifiedBy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<String>,
    /// `ModifiedAt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}

/// Body of `POST <Kind>DesigntimeArtifacts` (with `Id` and `PackageId`) and of `PUT
/// <Kind>DesigntimeArtifacts(Id='..',Version='active')` (without): an artifact's zip with its
/// name and description.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArtifactWrite {
    /// The artifact's id, on create only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Name`.
    pub name: String,
    /// The package, on create only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_id: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// Base64 of the zip.
    pub artifact_content: String,
}

/// Entity `Configuration`: one externalized parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Configuration {
    /// `ParameterKey`.
    pub parameter_key: String,
    /// `ParameterValue`.
    pub parameter_value: String,
    /// `DataType`.
    pub data_type: String,
    /// `Description`.
    pub description: Option<String>,
}

/// Body of `PUT .../$links/Configurations('<key>')`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigurationUpdate {
    /// `ParameterValue`.
    pub parameter_value: String,
    /// `DataType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
}

/// Entity `BuildAndDeployStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BuildAndDeployStatus {
    /// `TaskId`.
    pub task_id: String,
    /// `DEPLOYING`, `SUCCESS`, `FAIL` or `FAIL_ON_LICENSE_ERROR`.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ArtifactKind::ALL {
            assert_eq!(ArtifactKind::from_entity_set(kind.entity_set()), Some(kind));
            assert!(kind.entity_set().ends_with("DesigntimeArtifacts"));
            if let Some(f) = kind.deploy_function() {
                assert_eq!(ArtifactKind::from_deploy_function(f), Some(kind));
            }
        }
        assert_eq!(
            ArtifactKind::IntegrationFlow.entity_type(),
            "IntegrationDesigntimeArtifact"
        );
    }
}
