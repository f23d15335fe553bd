//! `$batch` (reference section 3.8): a multipart body of requests; reads stand alone, writes sit
//! in change sets that succeed or fail as a whole. Each inner request goes through the same
//! dispatcher as a direct one, so every rule (write-only secrets included) holds here too.

use super::{Call, dispatch};
use crate::odata::{ApiError, ApiResult, Query, Reply, parse_path};
use crate::render::rendered;
use crate::state::Tenant;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};

struct Part {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    if call.method != Method::POST {
        return Err(super::no_method(call));
    }
    let content_type = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = boundary_of(content_type).ok_or_else(|| {
        ApiError::bad_request(
            "A $batch request needs Content-Type multipart/mixed with a boundary.",
        )
    })?;
    let parts = split(call.body, &boundary);
    let mut out = Vec::new();
    let response_boundary = format!("batchresponse_{:016x}", t.ids.next_u64());
    for part in parts {
        out.extend_from_slice(format!("--{response_boundary}\r\n").as_bytes());
        let part_type = header_of(&part.headers, "content-type").unwrap_or_default();
        if let Some(changeset) = boundary_of(&part_type) {
            let snapshot = t.clone();
            let mut responses = Vec::new();
            let mut failed = None;
            for inner in split(&part.body, &changeset) {
                let (status, bytes) = run(call, t, &inner.body);
                if !status.is_success() {
                    failed = Some(bytes);
                    break;
                }
                responses.push(bytes);
            }
            match failed {
                Some(error) => {
                    *t = snapshot;
                    out.extend_from_slice(b"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
                    out.extend_from_slice(&error);
                }
                None => {
                    let cs = format!("changesetresponse_{:016x}", t.ids.next_u64());
                    out.extend_from_slice(
                        format!("Content-Type: multipart/mixed; boundary={cs}\r\n\r\n").as_bytes(),
                    );
                    for r in responses {
                        out.extend_from_slice(format!("--{cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n").as_bytes());
                        out.extend_from_slice(&r);
                        out.extend_from_slice(b"\r\n");
                    }
                    out.extend_from_slice(format!("--{cs}--\r\n").as_bytes());
                }
            }
        } else {
            let (_, bytes) = run(call, t, &part.body);
            out.extend_from_slice(
                b"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n",
            );
            out.extend_from_slice(&bytes);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("--{response_boundary}--\r\n").as_bytes());
    Ok(Reply::Raw {
        status: StatusCode::ACCEPTED,
        content_type: format!("multipart/mixed; boundary={response_boundary}"),
        body: out,
        headers: vec![],
    })
}

/// Runs one embedded HTTP request; returns its status and the serialized HTTP response.
fn run(outer: &Call, t: &mut Tenant, http: &[u8]) -> (StatusCode, Vec<u8>) {
    let result = parse_request(http).and_then(|(method, target, headers, body)| {
        let path = target.split('?').next().unwrap_or("");
        let query = Query::parse(target.split_once('?').map(|(_, q)| q));
        let path = match path.find("/api/v1") {
            Some(pos) => &path[pos + "/api/v1".len()..],
            None => path,
        };
        let segments = parse_path(path)?;
        if segments.first().is_some_and(|s| s.name == "$batch") {
            return Err(ApiError::bad_request(
                "A $batch cannot contain another $batch.",
            ));
        }
        let call = Call {
            method: &method,
            segments: &segments,
            query: &query,
            body: &body,
            headers: &headers,
            base: outer.base,
            user: outer.user,
            switches: outer.switches,
            clock: outer.clock,
        };
        dispatch(&call, t)
    });
    let r = rendered(result);
    let mut bytes = format!(
        "HTTP/1.1 {} {}\r\n",
        r.status.as_u16(),
        r.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &r.headers {
        bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&r.body);
    (r.status, bytes)
}

type Parsed = (Method, String, HeaderMap, Vec<u8>);

fn parse_request(http: &[u8]) -> Result<Parsed, ApiError> {
    let (head, body) = split_head(http);
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let request_line = lines.next().unwrap_or("").trim();
    let mut words = request_line.split_whitespace();
    let method = words
        .next()
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .ok_or_else(|| ApiError::bad_request("A batch part has no request line."))?;
    let target = words
        .next()
        .ok_or_else(|| ApiError::bad_request("A batch part has no request URL."))?
        .to_string();
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.trim().as_bytes()),
                HeaderValue::from_str(v.trim()),
            ) {
                headers.append(k, v);
            }
        }
    }
    Ok((method, target, headers, body.to_vec()))
}

fn split_head(bytes: &[u8]) -> (&[u8], &[u8]) {
    for (sep, len) in [(&b"\r\n\r\n"[..], 4), (&b"\n\n"[..], 2)] {
        if let Some(pos) = bytes.windows(len).position(|w| w == sep) {
            return (&bytes[..pos], &bytes[pos + len..]);
        }
    }
    (bytes, &[])
}

fn boundary_of(content_type: &str) -> Option<String> {
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/mixed")
    {
        return None;
    }
    content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_string())
    })
}

fn header_of(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

fn split(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut chunks = Vec::new();
    let mut rest = body;
    while let Some(pos) = rest
        .windows(delimiter.len())
        .position(|w| w == delimiter.as_bytes())
    {
        chunks.push(&rest[..pos]);
        rest = &rest[pos + delimiter.len()..];
    }
    for chunk in chunks.into_iter().skip(1) {
        let chunk = chunk
            .strip_prefix(b"\r\n")
            .or_else(|| chunk.strip_prefix(b"\n"))
            .unwrap_or(chunk);
        let chunk = chunk
            .strip_suffix(b"\r\n")
            .or_else(|| chunk.strip_suffix(b"\n"))
            .unwrap_or(chunk);
        if chunk.starts_with(b"--") {
            continue;
        }
        let (head, body) = split_head(chunk);
        let headers = String::from_utf8_lossy(head)
            .lines()
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        parts.push(Part {
            headers,
            body: body.to_vec(),
        });
    }
    parts
}
