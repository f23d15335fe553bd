//! The network side: accept connections, and in front of the router add what a real network and
//! a loaded tenant add: latency, rate limiting, seeded faults (503, 429 with `Retry-After`,
//! connections closed without an answer before or after the tenant acted), answers that are not
//! the API's (an HTML sign-in page, garbage), error answers that repeat the request body, and a
//! tenant that is down (every connection closed).
//! `/admin` requests bypass all of it.

use super::app::{App, lock};
use super::switches::{Echo, Garbage};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use base64::Engine;
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
    let req = req.map(Body::new);
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
    // The latency is the time the tenant takes to answer: the emulator's own work (building a
    // zip, say) is part of it, not added to it, so a client that keeps the request limit busy
    // takes exactly requests x latency / concurrency. Faults and refusals come after it too.
    let deadline =
        tokio::time::Instant::now() + std::time::Duration::from_millis(switches.latency_ms);
    let answer = async |r: Result<Response<Body>, InjectedReset>| {
        tokio::time::sleep_until(deadline).await;
        r
    };
    if let Some(limit) = switches.rate_limit {
        if !lock(&app.rate).admit(limit) {
            app.stats.fault("rate_limit");
            return answer(Ok(finish(&app, too_many(switches.retry_after_secs)))).await;
        }
    }
    let roll = lock(&app.dice).roll(switches.fault_seed);
    let mut edge = switches.fault_reset;
    if roll < edge || count_down(&app, &route, |s| &mut s.reset_routes) {
        app.stats.fault("reset");
        return answer(Err(InjectedReset)).await;
    }
    edge += switches.fault_503;
    if roll < edge {
        app.stats.fault("503");
        let mut r = Response::new(Body::from("Service Unavailable"));
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return answer(Ok(finish(&app, r))).await;
    }
    edge += switches.fault_429;
    if roll < edge {
        app.stats.fault("429");
        return answer(Ok(finish(&app, too_many(switches.retry_after_secs)))).await;
    }
    edge += switches.fault_reset_after;
    let cut = roll < edge || count_down(&app, &route, |s| &mut s.cut_routes);
    let (req, sent) = match switches.echo_request_bodies {
        Some(_) => {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            (
                Request::from_parts(parts, Body::from(bytes.clone())),
                Some(bytes),
            )
        }
        None => (req, None),
    };
    let response = if let Some(&code) = switches.fail_routes.get(&route) {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let error = crate::odata::ApiError::new(
            status,
            format!("{route} fails (the emulator's fail_routes switch)"),
        );
        let mut r = crate::render::render(Err(error));
        if status == StatusCode::TOO_MANY_REQUESTS {
            if let Ok(v) = HeaderValue::from_str(&switches.retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    } else if let Some(garbage) = switches.garbage_routes.get(&route) {
        garbage_answer(*garbage)
    } else {
        router.oneshot(req).await.unwrap_or_else(|e| match e {})
    };
    if cut {
        app.stats.fault("reset_after");
        return answer(Err(InjectedReset)).await;
    }
    let response = match (switches.echo_request_bodies, sent) {
        (Some(echo), Some(sent)) if response.status().as_u16() >= 400 && !sent.is_empty() => {
            echoed(response, echo, &sent).await
        }
        _ => response,
    };
    answer(Ok(finish(&app, response))).await
}

/// Counts down `route` in the count-based switch `routes` picks; whether it was due.
fn count_down(
    app: &App,
    route: &str,
    routes: impl FnOnce(&mut crate::switches::Switches) -> &mut std::collections::BTreeMap<String, u32>,
) -> bool {
    let mut switches = lock(&app.switches);
    match routes(&mut switches).get_mut(route) {
        Some(left) if *left > 0 => {
            *left -= 1;
            true
        }
        _ => false,
    }
}

/// A `200` answer that is not the API's: a sign-in page or garbage.
fn garbage_answer(kind: Garbage) -> Response<Body> {
    let (content_type, body) = match kind {
        Garbage::Html => (
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Sign in to your account</title></head><body><form method=\"post\"></form></body></html>\n",
        ),
        Garbage::Garbage => ("application/json", "\u{1}\u{2}{{{ not json at all"),
    };
    let mut r = Response::new(Body::from(body));
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// An error answer whose message repeats the request body `sent`, encoded as `echo` says.
async fn echoed(response: Response<Body>, echo: Echo, sent: &[u8]) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_json::json!({"error": {"code": "Error", "message": {"lang": "en", "value": String::from_utf8_lossy(&bytes)}}})
    });
    let repeated = match echo {
        Echo::Raw => String::from_utf8_lossy(sent).into_owned(),
        Echo::Base64 => base64::engine::general_purpose::STANDARD.encode(sent),
        Echo::Url => {
            percent_encoding::percent_encode(sent, percent_encoding::NON_ALPHANUMERIC).to_string()
        }
    };
    if let Some(message) = value.pointer_mut("/error/message/value") {
        let text = message.as_str().unwrap_or_default().to_string();
        *message = serde_json::Value::String(format!("Request body: {repeated} {text}"));
    }
    let mut r = Response::from_parts(parts, Body::from(value.to_string()));
    r.headers_mut().remove(header::CONTENT_LENGTH);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
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
