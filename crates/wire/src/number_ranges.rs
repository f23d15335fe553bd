//! `NumberRanges` (reference section 9.1).

use serde::{Deserialize, Serialize};

/// The entity set of number ranges.
pub const NUMBER_RANGES: &str = "NumberRanges";

/// Entity `NumberRange`. All values are strings; `CurrentValue` is advanced by flows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NumberRange {
    pub name: String,
    pub description: Option<String>,
    pub min_value: String,
    pub max_value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<String>,
    pub field_length: String,
    /// `"true"` or `"false"`.
    pub rotate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed_on: Option<String>,
}
