//! Calls to the tenant's runtime, `<runtime_url>/http/...`: the companion's security-material
//! flow (export) and the probe. They carry credentials like any request but never a CSRF token
//! (the companion's channels have CSRF protection off, and a runtime user may have no API access
//! to fetch one), and every HTTP answer is returned for the caller to judge.

use super::error::{ClientError, RequestLabel};
use super::limiter::Area;
use super::reply::Reply;
use super::transport::{ACCEPT_JSON, CsrfHeader, Payload, Request};
use super::{Client, Inner};
use reqwest::{Method, Url};

impl Client {
    /// `GET <runtime_url><path>`; any status is an answer.
    pub async fn runtime_get(&self, path: &str) -> Result<Reply, ClientError> {
        self.inner.runtime(Method::GET, path, None).await
    }

    /// `POST <runtime_url><path>` with a JSON body; any status is an answer. The request is
    /// repeated after a transport failure: the runtime flows cpi-gitops calls change nothing.
    pub async fn runtime_post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Reply, ClientError> {
        let payload = Payload {
            content_type: "application/json".into(),
            bytes: body.to_string().into_bytes(),
        };
        self.inner.runtime(Method::POST, path, Some(payload)).await
    }

    /// `<runtime_url><path>`, as requests label it.
    pub fn runtime_address(&self, path: &str) -> String {
        format!("{}{}", self.inner.runtime_root, absolute(path))
    }
}

fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

impl Inner {
    async fn runtime(
        &self,
        method: Method,
        path: &str,
        body: Option<Payload>,
    ) -> Result<Reply, ClientError> {
        let path = absolute(path);
        let label = RequestLabel::new(method.clone(), path.clone());
        let url = Url::parse(&format!("{}{path}", self.runtime_root)).map_err(|e| {
            ClientError::InvalidRequest {
                tenant: self.name.clone(),
                request: label.clone(),
                cause: format!("not a valid URL: {e}"),
            }
        })?;
        let request = Request {
            method,
            url,
            label,
            accept: ACCEPT_JSON,
            body,
            safe: true,
            area: Area::Other,
        };
        let raw = self.authorized(&request, CsrfHeader::None, false).await?;
        Ok(Reply {
            status: raw.status,
            body: raw.body,
            headers: raw.headers,
        })
    }
}
