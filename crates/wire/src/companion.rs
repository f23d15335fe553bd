//! The companion package's protocol (design.md sections 4 and 9): the security-material
//! endpoint, an iFlow on the tenant that reads its own secure store and answers JSON. Not part of
//! SAP's API; cpi-gitops defines it, and the product and the emulator both speak it from here.

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
    /// Passwords of user credentials (and of Partner Directory credentials, named `pd:<Pid>:<Id>:UserCredential`).
    pub user_credentials: Vec<NamedPassword>,
    #[serde(default)]
    /// Client secrets of OAuth2 client credentials.
    pub oauth2_client_credentials: Vec<NamedClientSecret>,
    #[serde(default)]
    /// Values of secure parameters.
    pub secure_parameters: Vec<NamedValue>,
    #[serde(default)]
    /// Key pairs with their private keys.
    pub key_pairs: Vec<KeyPairMaterial>,
}

/// A user credential's password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedPassword {
    /// The credential's name.
    pub name: String,
    /// Its password.
    pub password: Secret,
}

/// An OAuth2 client credential's secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedClientSecret {
    /// The credential's name.
    pub name: String,
    /// The client secret.
    pub client_secret: Secret,
}

/// A secure parameter's value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedValue {
    /// The parameter's name.
    pub name: String,
    /// The value.
    pub value: Secret,
}

/// A key pair as PKCS#12 with its password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPairMaterial {
    /// The keystore alias.
    pub alias: String,
    /// Base64 of the PKCS#12 file.
    pub pkcs12: Secret,
    /// The PKCS#12 file's password.
    pub password: Secret,
}
