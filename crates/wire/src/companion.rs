//! The companion security-material endpoint (design.md section 4): an iFlow on the primary that
//! reads its own secure store and answers JSON. Not part of SAP's API; cpi-gitops defines it.

use crate::Secret;
use serde::{Deserialize, Serialize};

/// Default path below the runtime URL.
pub const DEFAULT_PATH: &str = "/http/cpi-gitops/security-material";

/// The whole reply. Any list may be absent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SecurityMaterial {
    /// Format version, `1`.
    pub format: u32,
    #[serde(default)]
    pub user_credentials: Vec<NamedPassword>,
    #[serde(default)]
    pub oauth2_client_credentials: Vec<NamedClientSecret>,
    #[serde(default)]
    pub secure_parameters: Vec<NamedValue>,
    #[serde(default)]
    pub key_pairs: Vec<KeyPairMaterial>,
}

/// A user credential's password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedPassword {
    pub name: String,
    pub password: Secret,
}

/// An OAuth2 client credential's secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedClientSecret {
    pub name: String,
    pub client_secret: Secret,
}

/// A secure parameter's value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedValue {
    pub name: String,
    pub value: Secret,
}

/// A key pair as PKCS#12 with its password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPairMaterial {
    pub alias: String,
    /// Base64 of the PKCS#12 file.
    pub pkcs12: Secret,
    pub password: Secret,
}
