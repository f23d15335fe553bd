//! `NumberRanges` (reference section 9.1).

use serde::{Deserialize, Serialize};

/// The entity set of number ranges.
pub const NUMBER_RANGES: &str = "NumberRanges";

/// Entity `NumberRange`. All values are strings; `CurrentValue` is advanced by flows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NumberRange {
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `MinValue`.
    pub min_value: String,
    /// `MaxValue`.
    pub max_value: String,
    /// `CurrentValue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<String>,
    /// `FieldLength`.
    pub field_length: String,
    /// `"true"` or `"false"`.
    pub rotate: String,
    /// `DeployedBy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_by: Option<String>,
    /// `DeployedOn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_on: Option<String>,
}
