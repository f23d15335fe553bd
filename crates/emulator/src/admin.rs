//! The admin API under `/admin` (outside `/api/v1`, never delayed or faulted), for tests,
//! benchmarks and users' own pipelines:
//!
//! | request | effect |
//! |---|---|
//! | `POST /admin/reset` | empty tenant |
//! | `POST /admin/seed` `{"seed": "demo"}` | replace the tenant with a seed |
//! | `GET /admin/dump` | the whole state as canonical JSON (secrets and files as SHA-256) |
//! | `GET /admin/stats`, `DELETE /admin/stats` | request counters and the runs of each tick, and their reset |
//! | `GET /admin/switches`, `PUT /admin/switches` | read or change switches (any subset) |
//! | `POST /admin/tick` | one run of every started flow that starts by itself (timers, pollers, consumers), then one observation of every deploy/undeploy in flight; answers `{"tick": n, "ran": [ids]}` |
//! | `POST /admin/settle` | finish every deploy/undeploy in flight |
//! | `POST /admin/expire` | expire every OAuth token and CSRF session |
//!
//! Admin requests need the tenant's Basic credentials.

use super::app::{App, lock};
use super::auth;
use super::dump;
use super::seed::{self, Seed};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use axum::routing::{get, post};
use std::sync::Arc;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/reset", post(reset))
        .route("/seed", post(load_seed))
        .route("/dump", get(dump_state))
        .route("/stats", get(stats).delete(reset_stats))
        .route("/switches", get(get_switches).put(put_switches))
        .route("/tick", post(tick))
        .route("/settle", post(settle))
        .route("/expire", post(expire))
}

fn allowed(app: &App, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::basic)
        .is_some_and(|(u, p)| u == app.credentials.user && p == app.credentials.password.expose())
}

fn reply(status: StatusCode, json: serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Body::from(json.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn denied() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, auth::challenge());
    r
}

fn saved(app: &App) -> Response<Body> {
    if let Err(e) = app.persist() {
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": format!("cannot write the data file: {e}") }),
        );
    }
    Response::new(Body::empty())
}

async fn reset(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    let ids = lock(&app.tenant).ids.clone();
    *lock(&app.tenant) = super::state::Tenant {
        ids,
        ..Default::default()
    };
    saved(&app)
}

async fn load_seed(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    let name = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("seed").and_then(|s| s.as_str()).map(str::to_string));
    let Some(name) = name else {
        return reply(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "error": "send {\"seed\": \"<name>\"}" }),
        );
    };
    let parsed: Seed = match name.parse() {
        Ok(s) => s,
        Err(e) => return reply(StatusCode::BAD_REQUEST, serde_json::json!({ "error": e })),
    };
    let id_seed = lock(&app.tenant).ids.clone();
    let mut tenant = seed::build(&parsed, 0);
    tenant.ids = id_seed;
    *lock(&app.tenant) = tenant;
    saved(&app)
}

async fn dump_state(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    let value = dump::dump(&lock(&app.tenant));
    let mut r = Response::new(Body::from(cpi_gitops_wire::canonical::to_string(&value)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn stats(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    reply(
        StatusCode::OK,
        serde_json::to_value(app.stats.report()).unwrap_or_default(),
    )
}

async fn reset_stats(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    app.stats.reset();
    Response::new(Body::empty())
}

async fn get_switches(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    reply(
        StatusCode::OK,
        serde_json::to_value(app.switches()).unwrap_or_default(),
    )
}

async fn put_switches(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    let patch: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return reply(
                StatusCode::BAD_REQUEST,
                serde_json::json!({ "error": e.to_string() }),
            );
        }
    };
    let mut switches = lock(&app.switches);
    match switches.merged(&patch) {
        Ok(merged) => {
            *switches = merged;
            reply(
                StatusCode::OK,
                serde_json::to_value(&*switches).unwrap_or_default(),
            )
        }
        Err(e) => reply(StatusCode::BAD_REQUEST, serde_json::json!({ "error": e })),
    }
}

async fn tick(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    let tick = super::scheduler::tick(&app);
    let saved = saved(&app);
    if saved.status() != StatusCode::OK {
        return saved;
    }
    reply(
        StatusCode::OK,
        serde_json::to_value(tick).unwrap_or_default(),
    )
}

async fn settle(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    super::api::settle_all(&mut lock(&app.tenant));
    saved(&app)
}

async fn expire(State(app): State<Arc<App>>, headers: HeaderMap) -> Response<Body> {
    if !allowed(&app, &headers) {
        return denied();
    }
    lock(&app.auth).expire_all();
    Response::new(Body::empty())
}
