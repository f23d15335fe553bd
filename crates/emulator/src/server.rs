//! The network side: accept connections, and in front of the router add what a real network and
//! a loaded tenant add: latency, rate limiting, and seeded faults (503, 429 with `Retry-After`,
//! connections closed without an answer), and a tenant that is down (every connection closed).
//! `/admin` requests bypass all of it.

use super::app::{App, lock};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Serves `router` on `listener` until the task is dropped or aborted.
pub async fn serve(listener: TcpListener, app: Arc<App>, router: Router) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let router = router.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                handle(app.clone(), router.clone(), req)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

/// An injected connection reset: returning it makes hyper drop the connection unanswered.
#[derive(Debug)]
struct InjectedReset;

impl std::fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected connection reset")
    }
}

impl std::error::Error for InjectedReset {}

async fn handle(
    app: Arc<App>,
    router: Router,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, InjectedReset> {
    let path = req.uri().path().to_string();
    if path == "/admin" || path.starts_with("/admin/") {
        return Ok(router.oneshot(req).await.unwrap_or_else(|e| match e {}));
    }
    let json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
        || req
            .uri()
            .query()
            .is_some_and(|q| q.contains("$format=json"))
        || !path.starts_with("/api/v1/")
        || path.ends_with("/$value")
        || path.ends_with("/$count")
        || req.method() != axum::http::Method::GET;
    let route = route_of(req.method().as_str(), &path);
    let _in_flight = app.stats.begin(route.clone(), json);
    let switches = app.switches();
    if switches.down {
        app.stats.fault("down");
        return Err(InjectedReset);
    }
    if switches.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(switches.latency_ms)).await;
    }
    if let Some(limit) = switches.rate_limit {
        if !lock(&app.rate).admit(limit) {
            app.stats.fault("rate_limit");
            return Ok(finish(&app, too_many(switches.retry_after_secs)));
        }
    }
    let roll = lock(&app.dice).roll(switches.fault_seed);
    if roll < switches.fault_reset {
        app.stats.fault("reset");
        return Err(InjectedReset);
    }
    if roll < switches.fault_reset + switches.fault_503 {
        app.stats.fault("503");
        let mut r = Response::new(Body::from("Service Unavailable"));
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return Ok(finish(&app, r));
    }
    if roll < switches.fault_reset + switches.fault_503 + switches.fault_429 {
        app.stats.fault("429");
        return Ok(finish(&app, too_many(switches.retry_after_secs)));
    }
    if let Some(&code) = switches.fail_routes.get(&route) {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let error = crate::odata::ApiError::new(
            status,
            format!("{route} fails (the emulator's fail_routes switch)"),
        );
        return Ok(finish(&app, crate::render::render(Err(error))));
    }
    let response = router.oneshot(req).await.unwrap_or_else(|e| match e {});
    Ok(finish(&app, response))
}

fn finish(app: &App, response: Response<Body>) -> Response<Body> {
    app.stats.status(response.status().as_u16());
    response
}

fn too_many(retry_after: u64) -> Response<Body> {
    let mut r = Response::new(Body::from("Too Many Requests"));
    *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The statistics key of a request: method and path with key predicates elided,
/// e.g. `GET IntegrationDesigntimeArtifacts(..)/$value`.
pub fn route_of(method: &str, path: &str) -> String {
    let rest = path.strip_prefix("/api/v1").unwrap_or(path);
    let mut out = String::new();
    let mut depth = 0;
    for c in rest.trim_start_matches('/').chars() {
        match c {
            '(' => {
                if depth == 0 {
                    out.push_str("(..");
                }
                depth += 1;
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    out.push(')');
                }
            }
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    if !path.starts_with("/api/v1") {
        out = path.to_string();
    }
    format!("{method} {out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_elide_keys() {
        assert_eq!(
            route_of(
                "GET",
                "/api/v1/IntegrationDesigntimeArtifacts(Id='a(b)',Version='active')/$value"
            ),
            "GET IntegrationDesigntimeArtifacts(..)/$value"
        );
        assert_eq!(route_of("POST", "/oauth/token"), "POST /oauth/token");
    }
}
