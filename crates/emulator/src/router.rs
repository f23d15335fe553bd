//! Routes of an emulated tenant: the OData API under `/api/v1`, the OAuth token endpoint, the
//! runtime's `/http/...` endpoints (the companion security-material endpoint and deployed HTTP
//! flows such as a health ping), and the admin API under `/admin`.

use super::api::{self, Call};
use super::app::{App, lock};
use super::auth::{self, Principal, Refusal};
use super::odata::{Query, Reply, parse_path};
use super::render::render;
use super::{admin, runtime_http};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri, header};
use axum::routing::{any, post};
use std::sync::Arc;

/// Builds the router of one tenant.
pub fn build(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/v1", any(api_handler))
        .route("/api/v1/", any(api_handler))
        .route("/api/v1/{*rest}", any(api_handler))
        .route("/oauth/token", post(token_handler))
        .route("/http/{*rest}", any(http_handler))
        .nest("/admin", admin::router())
        .with_state(app)
}

/// Authenticates and authorizes a request, answering the refusal when there is one.
fn gate(app: &App, method: &Method, headers: &HeaderMap, now: i64) -> Result<Principal, Refusal> {
    let (csrf_for_bearer, lifetimes) = {
        let s = lock(&app.switches);
        (
            s.csrf_for_bearer,
            auth::Lifetimes {
                session_max_writes: s.session_max_writes,
                expire_sessions_every: s.expire_sessions_every,
                expire_tokens_every: s.expire_tokens_every,
            },
        )
    };
    let mut auth = lock(&app.auth);
    auth.count_request(lifetimes);
    let principal = auth.authenticate(&app.credentials, headers, now)?;
    auth.authorize(
        &principal,
        method,
        headers,
        now,
        csrf_for_bearer,
        lifetimes.session_max_writes,
    )?;
    Ok(principal)
}

fn refusal(r: Refusal) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    match r {
        Refusal::Unauthenticated => {
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, auth::challenge());
        }
        Refusal::ReadOnly => *response.status_mut() = StatusCode::FORBIDDEN,
        Refusal::CsrfRequired => {
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
                .headers_mut()
                .insert("x-csrf-token", HeaderValue::from_static("Required"));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            *response.body_mut() = Body::from("CSRF token validation failed");
        }
    }
    response
}

/// The service root as clients address it, from the `Host` header.
pub fn service_root(app: &App, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| app.addr.to_string());
    format!("http://{host}/api/v1")
}

async fn api_handler(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let now = app.clock.now();
    let principal = match gate(&app, &method, &headers, now) {
        Ok(Principal::Client { client_id }) if client_id != app.credentials.client_id => {
            // A runtime user's token (the `runtime_users` switch) reaches `/http` only.
            return refusal(Refusal::ReadOnly);
        }
        Ok(p) => p,
        Err(r) => return refusal(r),
    };
    let mut extra = Vec::new();
    if method == Method::GET && auth::wants_csrf(&headers) {
        let (token, cookie) = lock(&app.auth).fetch_csrf(&headers, now, app.csrf_ttl_ms);
        extra.push(("x-csrf-token".to_string(), token));
        if let Some(cookie) = cookie {
            extra.push(("set-cookie".to_string(), cookie));
        }
    }
    let path = uri.path().strip_prefix("/api/v1").unwrap_or("");
    let result = match parse_path(path) {
        Err(e) => Err(e),
        Ok(segments) => {
            let query = Query::parse(uri.query());
            let switches = app.switches();
            let base = service_root(&app, &headers);
            let user = principal.name();
            let call = Call {
                method: &method,
                segments: &segments,
                query: &query,
                body: &body,
                headers: &headers,
                base: &base,
                user: &user,
                switches: &switches,
                clock: &app.clock,
            };
            let result = api::dispatch(&call, &mut lock(&app.tenant));
            result.map(Reply::resolve)
        }
    };
    let wrote =
        auth::is_modifying(&method) && result.as_ref().is_ok_and(|r| r.status().is_success());
    if wrote {
        if let Err(e) = app.persist() {
            tracing::error!("cannot write the emulator's data file: {e}");
        }
    }
    let mut response = render(result);
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

async fn token_handler(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let form = Query::parse(std::str::from_utf8(&body).ok());
    let query = Query::parse(uri.query());
    let field = |name: &str| {
        form.get(name)
            .or_else(|| query.get(name))
            .map(str::to_string)
    };
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        let mut r = Response::new(Body::from(
            serde_json::json!({ "error": error, "error_description": description }).to_string(),
        ));
        *r.status_mut() = status;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    };
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::basic);
    let (id, secret) = match (from_header, field("client_id"), field("client_secret")) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication is required",
            );
        }
    };
    let api_client =
        id == app.credentials.client_id && secret == app.credentials.client_secret.expose();
    let runtime_user = app
        .switches()
        .runtime_users
        .get(&id)
        .is_some_and(|u| u.password == secret);
    if !api_client && !runtime_user {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "bad client credentials",
        );
    }
    let now = app.clock.now();
    let token = lock(&app.auth).issue_token(&id, now, app.token_ttl_ms);
    let reply = serde_json::json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": app.token_ttl_secs,
        "scope": "it!b1.AuthGroup_IntegrationDeveloper it!b1.AuthGroup_Administrator",
        "jti": format!("{:x}", now),
    });
    let mut r = Response::new(Body::from(reply.to_string()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn http_handler(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let now = app.clock.now();
    let switches = app.switches();
    let roles = match runtime_roles(&app, &switches, &headers, now) {
        Ok(roles) => roles,
        Err(r) => return refusal(r),
    };
    let path = uri.path().strip_prefix("/http").unwrap_or("").to_string();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let result = {
        let tenant = lock(&app.tenant);
        let request = runtime_http::HttpRequest {
            method: &method,
            path: &path,
            body: &body,
            host: &host,
            roles: &roles,
            now_ms: now,
        };
        runtime_http::handle(&tenant, &switches, &request)
    };
    // The companion's answer encrypts: off the async workers, after the tenant's lock.
    let result = match result {
        Ok(reply) => tokio::task::spawn_blocking(move || reply.resolve())
            .await
            .map_err(|e| crate::odata::ApiError::internal(format!("the answer failed: {e}"))),
        Err(e) => Err(e),
    };
    render(result)
}

/// The roles of the caller of `/http/...`: a runtime user's (the `runtime_users` switch, by Basic
/// credentials or a token of theirs), or every role for the API's own credentials.
fn runtime_roles(
    app: &App,
    switches: &crate::switches::Switches,
    headers: &HeaderMap,
    now: i64,
) -> Result<runtime_http::Roles, Refusal> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::basic);
    if let Some((user, password)) = basic {
        if let Some(u) = switches.runtime_users.get(&user) {
            return if u.password == password {
                Ok(runtime_http::Roles::Only(u.roles.clone()))
            } else {
                Err(Refusal::Unauthenticated)
            };
        }
    }
    match gate(app, &Method::GET, headers, now)? {
        Principal::Client { client_id } if client_id != app.credentials.client_id => switches
            .runtime_users
            .get(&client_id)
            .map(|u| runtime_http::Roles::Only(u.roles.clone()))
            .ok_or(Refusal::Unauthenticated),
        _ => Ok(runtime_http::Roles::All),
    }
}
