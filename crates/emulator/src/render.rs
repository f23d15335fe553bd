//! A handler's result as an HTTP answer: status, headers and body bytes ([`rendered`], which
//! `$batch` puts into its multipart answer) or a response ([`render`]). Errors get the OData
//! error body.

use super::odata::{ApiError, Reply};
use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};

/// A handler result as status, headers and body bytes.
pub struct Rendered {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Serializes a handler result; errors get the OData error body.
pub fn rendered(result: Result<Reply, ApiError>) -> Rendered {
    let json = || ("content-type".to_string(), "application/json".to_string());
    match result.map(Reply::resolve) {
        Ok(Reply::Json(status, value)) => Rendered {
            status,
            headers: vec![json()],
            body: value.to_string().into_bytes(),
        },
        Ok(Reply::Raw {
            status,
            content_type,
            body,
            mut headers,
        }) => {
            headers.insert(0, ("content-type".to_string(), content_type));
            Rendered {
                status,
                headers,
                body,
            }
        }
        Ok(Reply::Later(_)) => Rendered {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            headers: vec![],
            body: Vec::new(),
        },
        Ok(Reply::Empty(status)) => Rendered {
            status,
            headers: vec![],
            body: Vec::new(),
        },
        Err(e) => Rendered {
            status: e.status,
            headers: vec![json()],
            body: serde_json::to_vec(&e.body()).unwrap_or_default(),
        },
    }
}

/// Turns a handler result into an HTTP response.
pub fn render(result: Result<Reply, ApiError>) -> Response<Body> {
    let r = rendered(result);
    let mut response = Response::new(Body::from(r.body));
    *response.status_mut() = r.status;
    for (name, value) in r.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
