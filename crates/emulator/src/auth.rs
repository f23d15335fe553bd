//! Who is calling, and may they write: Basic credentials, OAuth bearer tokens from the
//! emulator's token endpoint, sessions with CSRF tokens (reference sections 2 and 12.2, 12.3).
//!
//! Tokens and CSRF tokens expire by the emulator's clock, and `POST /admin/expire` expires all of
//! them at once so that clients' refresh paths can be tested without waiting. Count-based
//! switches end them in the middle of a run, never by wall time: a session ends after
//! `session_max_writes` writes, and every `expire_sessions_every` (`expire_tokens_every`) API
//! requests all sessions (tokens) end.

use super::state::IdGenerator;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use base64::Engine;
use cpi_gitops_wire::Secret;
use std::collections::HashMap;

/// The credentials an emulated tenant accepts.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Basic-auth user with full rights.
    pub user: String,
    /// The user's password.
    pub password: Secret,
    /// OAuth client id for the token endpoint.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: Secret,
    /// An optional Basic user that may only read (writes get `403`).
    pub read_only: Option<(String, Secret)>,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            user: DEFAULT_USER.into(),
            password: Secret::new(DEFAULT_PASSWORD),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
            read_only: None,
        }
    }
}

/// Default Basic user.
pub const DEFAULT_USER: &str = "admin";
/// Default Basic password.
pub const DEFAULT_PASSWORD: &str = "emulator";
/// Default OAuth client id.
pub const DEFAULT_CLIENT_ID: &str = "sb-cpi-gitops-emulator";
/// Default OAuth client secret.
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-secret";
/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "JSESSIONID";

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Basic credentials: a session client that needs CSRF tokens for writes.
    User { name: String, read_only: bool },
    /// A bearer token from the token endpoint.
    Client { client_id: String },
}

impl Principal {
    /// The name recorded in `CreatedBy`, `DeployedBy`, ...
    pub fn name(&self) -> String {
        match self {
            Principal::User { name, .. } => name.clone(),
            Principal::Client { client_id } => client_id.clone(),
        }
    }
}

/// Live tokens and sessions.
#[derive(Debug, Default)]
pub struct AuthState {
    tokens: HashMap<String, Issued>,
    sessions: HashMap<String, Session>,
    ids: IdGenerator,
    /// API requests seen, for the count-based expiry switches.
    requests: u64,
}

/// The count-based switches of sessions and tokens.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lifetimes {
    /// A session ends after this many writes.
    pub session_max_writes: Option<u32>,
    /// Every this many requests, all sessions end.
    pub expire_sessions_every: Option<u32>,
    /// Every this many requests, all tokens end.
    pub expire_tokens_every: Option<u32>,
}

#[derive(Debug)]
struct Issued {
    client_id: String,
    expires_at: i64,
}

#[derive(Debug)]
struct Session {
    csrf: String,
    expires_at: i64,
    writes: u32,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No or wrong credentials, or an unknown or expired token: `401`.
    Unauthenticated,
    /// A write by a read-only user: `403` with an empty body.
    ReadOnly,
    /// A write without the session's CSRF token: `403` with `X-CSRF-Token: Required`.
    CsrfRequired,
}

impl AuthState {
    /// A state whose generated ids follow `seed`.
    pub fn new(seed: u64) -> Self {
        AuthState {
            ids: IdGenerator::new(seed.wrapping_add(17)),
            ..Default::default()
        }
    }

    /// Issues a bearer token valid for `ttl_ms`.
    pub fn issue_token(&mut self, client_id: &str, now: i64, ttl_ms: i64) -> String {
        let token = format!(
            "emu.{:016x}{:016x}",
            self.ids.next_u64(),
            self.ids.next_u64()
        );
        self.tokens.insert(
            token.clone(),
            Issued {
                client_id: client_id.into(),
                expires_at: now.saturating_add(ttl_ms),
            },
        );
        token
    }

    /// Identifies the caller from the `Authorization` header.
    pub fn authenticate(
        &self,
        creds: &Credentials,
        headers: &HeaderMap,
        now: i64,
    ) -> Result<Principal, Refusal> {
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(Refusal::Unauthenticated)?;
        if let Some((user, password)) = basic(value) {
            if user == creds.user && password == creds.password.expose() {
                return Ok(Principal::User {
                    name: user,
                    read_only: false,
                });
            }
            if let Some((ro_user, ro_password)) = &creds.read_only {
                if &user == ro_user && password == ro_password.expose() {
                    return Ok(Principal::User {
                        name: user,
                        read_only: true,
                    });
                }
            }
            return Err(Refusal::Unauthenticated);
        }
        let token = scheme_value(value, "Bearer").ok_or(Refusal::Unauthenticated)?;
        match self.tokens.get(token) {
            Some(issued) if issued.expires_at > now => Ok(Principal::Client {
                client_id: issued.client_id.clone(),
            }),
            _ => Err(Refusal::Unauthenticated),
        }
    }

    /// Counts one API request; every `expire_sessions_every` (`expire_tokens_every`) requests,
    /// every session (token) ends before the request is served.
    pub fn count_request(&mut self, lifetimes: Lifetimes) {
        self.requests += 1;
        let due = |every: Option<u32>| every.is_some_and(|n| self.requests % u64::from(n) == 0);
        if due(lifetimes.expire_sessions_every) {
            self.sessions.clear();
        }
        if due(lifetimes.expire_tokens_every) {
            self.tokens.clear();
        }
    }

    /// Checks that `principal` may perform `method`, enforcing CSRF for session clients (and for
    /// bearer clients when `csrf_for_bearer`). A session's write is counted; the session ends
    /// after `session_max_writes` of them.
    pub fn authorize(
        &mut self,
        principal: &Principal,
        method: &Method,
        headers: &HeaderMap,
        now: i64,
        csrf_for_bearer: bool,
        session_max_writes: Option<u32>,
    ) -> Result<(), Refusal> {
        if !is_modifying(method) {
            return Ok(());
        }
        let needs_csrf = match principal {
            Principal::User {
                read_only: true, ..
            } => return Err(Refusal::ReadOnly),
            Principal::User { .. } => true,
            Principal::Client { .. } => csrf_for_bearer,
        };
        if !needs_csrf {
            return Ok(());
        }
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .ok_or(Refusal::CsrfRequired)?;
        let id = session_id(headers).ok_or(Refusal::CsrfRequired)?;
        let session = self.sessions.get_mut(&id).ok_or(Refusal::CsrfRequired)?;
        if session.csrf != sent || session.expires_at <= now {
            return Err(Refusal::CsrfRequired);
        }
        session.writes += 1;
        if session_max_writes.is_some_and(|max| session.writes >= max) {
            self.sessions.remove(&id);
        }
        Ok(())
    }

    /// Answers `X-CSRF-Token: Fetch`: the token of the caller's session (made when missing or
    /// expired) and, for a new session, the `Set-Cookie` value.
    pub fn fetch_csrf(
        &mut self,
        headers: &HeaderMap,
        now: i64,
        ttl_ms: i64,
    ) -> (String, Option<String>) {
        if let Some(id) = session_id(headers) {
            if let Some(session) = self.sessions.get(&id).filter(|s| s.expires_at > now) {
                return (session.csrf.clone(), None);
            }
        }
        let id = format!("{:016X}{:016X}", self.ids.next_u64(), self.ids.next_u64());
        let csrf =
            base64::engine::general_purpose::STANDARD.encode(self.ids.next_u64().to_be_bytes());
        self.sessions.insert(
            id.clone(),
            Session {
                csrf: csrf.clone(),
                expires_at: now.saturating_add(ttl_ms),
                writes: 0,
            },
        );
        (
            csrf,
            Some(format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly")),
        )
    }

    /// Expires every bearer token and CSRF session.
    pub fn expire_all(&mut self) {
        self.tokens.clear();
        self.sessions.clear();
    }
}

/// Whether `method` changes state and so needs CSRF protection.
pub fn is_modifying(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || method.as_str() == "MERGE"
}

/// Whether the request asks for a CSRF token (`X-CSRF-Token: Fetch`, any case).
pub fn wants_csrf(headers: &HeaderMap) -> bool {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("fetch"))
}

/// Decodes `Basic base64(user:password)`.
pub fn basic(value: &str) -> Option<(String, String)> {
    let encoded = scheme_value(value, "Basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn scheme_value<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookies| {
            cookies.split(';').find_map(|c| {
                let (name, value) = c.trim().split_once('=')?;
                (name == SESSION_COOKIE).then(|| value.to_string())
            })
        })
}

/// The `WWW-Authenticate` value of `401` answers.
pub fn challenge() -> HeaderValue {
    HeaderValue::from_static("Basic realm=\"cpi-gitops emulator\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn csrf_is_bound_to_the_session_cookie() {
        let mut auth = AuthState::new(1);
        let (token, cookie) = auth.fetch_csrf(&HeaderMap::new(), 0, 1000);
        let cookie = cookie.unwrap();
        let cookie = cookie.split(';').next().unwrap();
        let user = Principal::User {
            name: "u".into(),
            read_only: false,
        };
        let ok = headers(&[("x-csrf-token", &token), ("cookie", cookie)]);
        assert_eq!(
            auth.authorize(&user, &Method::POST, &ok, 1, false, None),
            Ok(())
        );
        let no_cookie = headers(&[("x-csrf-token", &token)]);
        assert_eq!(
            auth.authorize(&user, &Method::POST, &no_cookie, 1, false, None),
            Err(Refusal::CsrfRequired)
        );
        assert_eq!(
            auth.authorize(&user, &Method::POST, &ok, 5000, false, None),
            Err(Refusal::CsrfRequired)
        );
        let client = Principal::Client {
            client_id: "c".into(),
        };
        assert_eq!(
            auth.authorize(&client, &Method::POST, &HeaderMap::new(), 1, false, None),
            Ok(())
        );
        assert_eq!(
            auth.authorize(&client, &Method::POST, &HeaderMap::new(), 1, true, None),
            Err(Refusal::CsrfRequired)
        );
    }

    #[test]
    fn sessions_end_after_their_writes_and_all_end_every_m_requests() {
        let mut auth = AuthState::new(1);
        let user = Principal::User {
            name: "u".into(),
            read_only: false,
        };
        let (token, cookie) = auth.fetch_csrf(&HeaderMap::new(), 0, 1_000_000);
        let cookie = cookie.unwrap();
        let ok = headers(&[
            ("x-csrf-token", &token),
            ("cookie", cookie.split(';').next().unwrap()),
        ]);
        for _ in 0..3 {
            assert_eq!(
                auth.authorize(&user, &Method::PUT, &ok, 1, false, Some(3)),
                Ok(())
            );
        }
        assert_eq!(
            auth.authorize(&user, &Method::PUT, &ok, 1, false, Some(3)),
            Err(Refusal::CsrfRequired),
            "the fourth write of a session of three is refused"
        );
        let (token, cookie) = auth.fetch_csrf(&HeaderMap::new(), 0, 1_000_000);
        let cookie = cookie.unwrap();
        let ok = headers(&[
            ("x-csrf-token", &token),
            ("cookie", cookie.split(';').next().unwrap()),
        ]);
        let every = Lifetimes {
            expire_sessions_every: Some(2),
            ..Default::default()
        };
        auth.count_request(every);
        assert_eq!(
            auth.authorize(&user, &Method::PUT, &ok, 1, false, None),
            Ok(())
        );
        auth.count_request(every);
        assert_eq!(
            auth.authorize(&user, &Method::PUT, &ok, 1, false, None),
            Err(Refusal::CsrfRequired),
            "the second request ended every session"
        );
    }
}
