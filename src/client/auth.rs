//! Credentials on the wire (API reference 2.1, 2.2): a fixed Basic header, or OAuth client
//! credentials with a cached bearer token.
//!
//! The token is fetched once and shared by every request of the client (single flight: callers
//! wait for the one fetch in progress), renewed shortly before `expires_in` elapses, and dropped
//! when a request using it gets `401`. Header values are marked sensitive and never logged; the
//! token-endpoint request is retried like any other (issuing a token twice does no harm).

use super::config::Auth;
use super::error::{ClientError, RequestLabel, message_of};
use super::transport::{ACCEPT_JSON, Payload, Request, Transport, sensitive};
use crate::wire::token::TokenResponse;
use base64::Engine;
use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The longest head start of a token renewal before the token expires.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// The longest a token is kept, whatever `expires_in` says (a day; SAP issues 12 hours).
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// Produces the `Authorization` header of API requests.
pub(crate) enum Authenticator {
    /// Basic credentials on every request.
    Basic { header: HeaderValue },
    /// OAuth client credentials.
    OAuth {
        token_url: Url,
        /// `Basic base64(client_id:client_secret)` for the token endpoint.
        client: HeaderValue,
        cache: Mutex<Option<CachedToken>>,
    },
}

/// A bearer token and when to renew it.
#[derive(Clone)]
pub(crate) struct CachedToken {
    header: HeaderValue,
    renew_at: Instant,
}

impl Authenticator {
    /// The authenticator for `auth`; `token_url` is the checked token URL of OAuth configs.
    pub fn new(
        tenant: &str,
        auth: &Auth,
        token_url: Option<Url>,
    ) -> Result<Authenticator, ClientError> {
        match (auth, token_url) {
            (Auth::Basic { user, password }, _) => Ok(Authenticator::Basic {
                header: basic_header(tenant, user, password.expose())?,
            }),
            (
                Auth::OAuth {
                    client_id,
                    client_secret,
                    ..
                },
                Some(token_url),
            ) => Ok(Authenticator::OAuth {
                token_url,
                client: basic_header(tenant, client_id, client_secret.expose())?,
                cache: Mutex::new(None),
            }),
            (Auth::OAuth { .. }, None) => Err(ClientError::Config(format!(
                "tenant `{tenant}`: OAuth needs a token_url"
            ))),
        }
    }

    /// Whether requests carry a bearer token (which a `401` may renew).
    pub fn is_bearer(&self) -> bool {
        matches!(self, Authenticator::OAuth { .. })
    }

    /// Whether the client is a session client (Basic) that must fetch CSRF tokens up front.
    pub fn is_session(&self) -> bool {
        matches!(self, Authenticator::Basic { .. })
    }

    /// The `Authorization` value for the next request, fetching a token when none is valid.
    pub async fn header(&self, transport: &Transport) -> Result<HeaderValue, ClientError> {
        match self {
            Authenticator::Basic { header } => Ok(header.clone()),
            Authenticator::OAuth {
                token_url,
                client,
                cache,
            } => {
                let mut cached = cache.lock().await;
                if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
                    return Ok(token.header.clone());
                }
                let token = fetch_token(transport, token_url, client).await?;
                let header = token.header.clone();
                *cached = Some(token);
                Ok(header)
            }
        }
    }

    /// Forgets the token behind `used` after the tenant refused it (unless another request has
    /// renewed it already).
    pub async fn invalidate(&self, used: &HeaderValue) {
        if let Authenticator::OAuth { cache, .. } = self {
            let mut cached = cache.lock().await;
            if cached.as_ref().is_some_and(|t| t.header == *used) {
                *cached = None;
            }
        }
    }
}

/// `Basic base64(user:password)`, marked sensitive.
fn basic_header(tenant: &str, user: &str, password: &str) -> Result<HeaderValue, ClientError> {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}").as_bytes());
    sensitive(&format!("Basic {encoded}")).ok_or_else(|| {
        ClientError::Config(format!(
            "tenant `{tenant}`: the credentials cannot be sent in a header"
        ))
    })
}

/// How long before expiry a token is renewed: a tenth of its lifetime, at most five minutes.
pub(crate) fn refresh_margin(expires_in: Duration) -> Duration {
    (expires_in / 10).min(MAX_REFRESH_MARGIN)
}

/// `POST <token_url>` with `grant_type=client_credentials` and Basic client authentication.
async fn fetch_token(
    transport: &Transport,
    token_url: &Url,
    client: &HeaderValue,
) -> Result<CachedToken, ClientError> {
    let label = RequestLabel::new(Method::POST, token_url.as_str());
    let request = Request {
        method: Method::POST,
        url: token_url.clone(),
        label: label.clone(),
        accept: ACCEPT_JSON,
        body: Some(Payload {
            content_type: "application/x-www-form-urlencoded".into(),
            bytes: b"grant_type=client_credentials".to_vec(),
        }),
        safe: true,
        area: super::limiter::Area::Other,
    };
    let requested_at = Instant::now();
    let raw = transport
        .run(
            &request,
            Some(client),
            super::transport::CsrfHeader::None,
            false,
        )
        .await?;
    if !raw.status.is_success() {
        return Err(ClientError::Http {
            tenant: transport.tenant.clone(),
            request: label,
            status: raw.status,
            message: message_of(&raw.body),
            attempts: raw.attempts,
            gave_up: raw.gave_up.map(String::into_boxed_str),
        });
    }
    let unexpected = |cause: String| ClientError::Unexpected {
        tenant: transport.tenant.clone(),
        request: label.clone(),
        cause,
    };
    // The serde message could quote part of the body (the token), so only its position is kept.
    let token: TokenResponse = serde_json::from_slice(&raw.body).map_err(|e| {
        unexpected(format!(
            "the token endpoint's reply is not an OAuth token (JSON error at line {} column {})",
            e.line(),
            e.column()
        ))
    })?;
    if !token.token_type.eq_ignore_ascii_case("bearer") {
        return Err(unexpected(format!(
            "the token endpoint issued a `{}` token, not a bearer token",
            token.token_type
        )));
    }
    crate::redact::register_str(token.access_token.expose());
    let header = sensitive(&format!("Bearer {}", token.access_token.expose()))
        .ok_or_else(|| unexpected("the access token cannot be sent in a header".into()))?;
    let lifetime = token_lifetime(token.expires_in);
    tracing::debug!(
        tenant = %transport.tenant,
        expires_in = token.expires_in,
        "fetched an OAuth token"
    );
    Ok(CachedToken {
        header,
        renew_at: renew_at(requested_at, lifetime),
    })
}

/// How long a token with `expires_in` seconds is used: capped at [`MAX_TOKEN_LIFETIME`].
pub(crate) fn token_lifetime(expires_in: u64) -> Duration {
    Duration::from_secs(expires_in).min(MAX_TOKEN_LIFETIME)
}

/// When a token fetched at `requested_at` that lives `lifetime` is renewed.
fn renew_at(requested_at: Instant, lifetime: Duration) -> Instant {
    requested_at
        .checked_add(lifetime - refresh_margin(lifetime))
        .unwrap_or(requested_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_shortly_before_they_expire() {
        assert_eq!(
            refresh_margin(Duration::from_secs(43199)),
            Duration::from_secs(300)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(300)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(60)),
            Duration::from_secs(6)
        );
        assert_eq!(refresh_margin(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn a_huge_expires_in_is_capped() {
        assert_eq!(token_lifetime(u64::MAX), MAX_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(43199), Duration::from_secs(43199));
        let now = Instant::now();
        assert!(renew_at(now, token_lifetime(u64::MAX)) > now);
    }

    #[test]
    fn basic_header_is_sensitive() {
        let h = basic_header("t", "u", "canary").unwrap();
        assert!(h.is_sensitive());
        assert!(!format!("{h:?}").contains("dTpjYW5hcnk"));
    }
}
