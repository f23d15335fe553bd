//! Collections (API reference 3.2, 3.7): `d.results` of every page, following `__next` until it
//! is absent.
//!
//! A `__next` link may be absolute or relative to the service root; it is resolved against
//! `<api root>/`. A link that leaves the API root is refused (the client would otherwise send
//! its credentials elsewhere), and a link that repeats the page just read is refused too (the
//! loop would never end). Pages are read one after another: the server's skip token orders them.

use super::error::{ClientError, RequestLabel};
use super::transport::ACCEPT_JSON;
use super::{Client, Inner};
use crate::wire::odata::{Collection, Envelope};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

impl Client {
    /// `GET <api root>/<path>`, a collection: the entries of every page, in order.
    pub async fn get_collection<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, ClientError> {
        let inner = &self.inner;
        let mut request = inner.api_request(Method::GET, path, ACCEPT_JSON, None)?;
        let mut entries = Vec::new();
        loop {
            let raw = inner.execute_ok(&request).await?;
            let page: Envelope<Collection<T>> = inner.decode(&request.label, &raw)?;
            entries.extend(page.d.results);
            let Some(next) = page.d.next else {
                return Ok(entries);
            };
            let url = inner.next_page(&request.label, &request.url, &next)?;
            request.label = RequestLabel::new(Method::GET, inner.relative(&url));
            request.url = url;
        }
    }
}

impl Inner {
    /// Resolves a `__next` link read in the answer to `current`.
    fn next_page(
        &self,
        label: &RequestLabel,
        current: &Url,
        next: &str,
    ) -> Result<Url, ClientError> {
        let refuse = |cause: String| ClientError::Unexpected {
            tenant: self.name.clone(),
            request: label.clone(),
            cause,
        };
        let url = self
            .api_base
            .join(next.trim())
            .map_err(|e| refuse(format!("its __next link `{next}` is not a URL: {e}")))?;
        if !within(&self.api_base, &url) {
            return Err(refuse(format!(
                "its __next link `{next}` leaves the API root {}",
                self.api_base
            )));
        }
        if &url == current {
            return Err(refuse(format!(
                "its __next link `{next}` points to the same page again"
            )));
        }
        Ok(url)
    }

    /// A URL under the API root as a path relative to it (for labels).
    fn relative(&self, url: &Url) -> String {
        url.as_str()
            .strip_prefix(self.api_base.as_str())
            .unwrap_or(url.as_str())
            .to_string()
    }
}

/// Whether `url` is under `base` (same scheme, host and port; path below base's path).
/// Absolute links may spell the default port out (`https://host:443/...`, reference 3.3).
fn within(base: &Url, url: &Url) -> bool {
    base.scheme() == url.scheme()
        && base.host_str().map(str::to_ascii_lowercase)
            == url.host_str().map(str::to_ascii_lowercase)
        && base.port_or_known_default() == url.port_or_known_default()
        && url.path().starts_with(base.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_must_stay_under_the_api_root() {
        let base = Url::parse("https://t.example/api/v1/").unwrap();
        let ok = base.join("Packages?$skiptoken=2").unwrap();
        assert!(within(&base, &ok));
        let abs = Url::parse("https://t.example:443/api/v1/Packages?$skiptoken=2").unwrap();
        assert!(
            within(&base, &abs),
            "an explicit default port is the same origin"
        );
        for bad in [
            "https://evil.example/api/v1/Packages",
            "http://t.example/api/v1/Packages",
            "https://t.example:8443/api/v1/Packages",
            "https://t.example/other/Packages",
        ] {
            assert!(!within(&base, &Url::parse(bad).unwrap()), "{bad}");
        }
        let escaped = base.join("../../admin/reset").unwrap();
        assert!(!within(&base, &escaped), "dot segments cannot climb out");
    }
}
