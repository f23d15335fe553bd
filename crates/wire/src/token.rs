//! The OAuth 2.0 token endpoint's reply (reference section 2.1).

use crate::Secret;
use serde::{Deserialize, Serialize};

/// `200` reply of `POST .../oauth/token` with `grant_type=client_credentials`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    /// `AccessToken`.
    pub access_token: Secret,
    /// `TokenType`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// `Scope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `Jti`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}
