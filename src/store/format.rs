//! `format.json`: which version of the state layout a state folder is written in, so that a
//! newer cpi-gitops reads older states the way they were written and an older one refuses a
//! newer state instead of misreading it.
//!
//! | version | what changed |
//! |---|---|
//! | 1 | no `format.json`: the layout until this file existed. An integration flow's `parameters.prop` was not stored (apply wrote it from `configuration.json`); artifact files kept their names as they were; long keys could not be stored |
//! | 2 | `format.json` is `{"format_version": 2}`. An integration flow's `parameters.prop` is stored as a skeleton (`store::content`); artifact files named `.gitattributes`, `.gitignore`, `.gitmodules` and names with `%` are escaped (`store::layout::content_path`); keys longer than 100 escaped bytes are cut, names Windows reserves and trailing dots encoded (`model::key::component`) |
//!
//! Export writes the current version. Plan, apply and drift read versions 1 and 2.

use serde::{Deserialize, Serialize};

/// The file, at the root of the state folder.
pub const FILE: &str = "format.json";

/// The version export writes.
pub const CURRENT: u32 = 2;

/// The state's layout version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StateFormat(pub u32);

impl StateFormat {
    /// The version export writes.
    pub const CURRENT: StateFormat = StateFormat(CURRENT);
    /// States written before `format.json` existed.
    pub const V1: StateFormat = StateFormat(1);

    /// Whether an integration flow's `parameters.prop` is stored as a skeleton (else it is
    /// written from `configuration.json` on apply).
    pub fn keeps_parameters(self) -> bool {
        self.0 >= 2
    }

    /// Whether artifact file names are escaped (`store::layout::content_path`).
    pub fn escapes_content_names(self) -> bool {
        self.0 >= 2
    }

    /// The entry name of an artifact file stored at `path` under `content/`.
    pub fn content_name(self, path: &str) -> Option<String> {
        if self.escapes_content_names() {
            super::layout::content_name(path)
        } else {
            Some(path.to_string())
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    format_version: u32,
}

/// Why a state's `format.json` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not `{"format_version": N}`.
    #[error(
        "{file}: not a state format file ({reason}); it must be {{\"format_version\": {CURRENT}}}"
    )]
    Invalid {
        /// The file as shown.
        file: String,
        /// Why.
        reason: String,
    },
    /// Written by a newer cpi-gitops.
    #[error(
        "{file}: the state is in format {found}, newer than this cpi-gitops reads (up to {CURRENT})"
    )]
    Newer {
        /// The file as shown.
        file: String,
        /// The version found.
        found: u32,
    },
}

/// The format of a state whose `format.json` holds `bytes` (`None`: the file is missing, so
/// format 1). `file` names the file in errors.
pub fn parse(bytes: Option<&[u8]>, file: &str) -> Result<StateFormat, FormatError> {
    let Some(bytes) = bytes else {
        return Ok(StateFormat::V1);
    };
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| FormatError::Invalid {
        file: file.into(),
        reason: e.to_string(),
    })?;
    match doc.format_version {
        0 | 1 => Err(FormatError::Invalid {
            file: file.into(),
            reason: format!(
                "format {} has no format.json; remove the file or write the current format",
                doc.format_version
            ),
        }),
        v if v > CURRENT => Err(FormatError::Newer {
            file: file.into(),
            found: v,
        }),
        v => Ok(StateFormat(v)),
    }
}

/// The bytes of the current version's file (canonical JSON).
pub fn current_bytes() -> Vec<u8> {
    crate::wire::canonical::to_vec(&serde_json::json!({ "format_version": CURRENT }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_format_1_and_newer_is_refused() {
        assert_eq!(parse(None, "f").unwrap(), StateFormat::V1);
        assert_eq!(
            parse(Some(&current_bytes()), "f").unwrap(),
            StateFormat::CURRENT
        );
        assert_eq!(current_bytes(), b"{\n  \"format_version\": 2\n}\n");
        let newer = parse(
            Some(br#"{"format_version": 9}"#),
            "tenant-state/format.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            newer.contains("tenant-state/format.json") && newer.contains("9"),
            "{newer}"
        );
        assert!(parse(Some(b"{\"format_version\": \"2\"}"), "f").is_err());
        assert!(parse(Some(b"[]"), "f").is_err());
    }
}
