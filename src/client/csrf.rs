//! The CSRF token protocol (API reference 2.3): the session's token, its cookies, and the test
//! for the `403` + `X-CSRF-Token: Required` refusal.
//!
//! The token is bound to the session cookies, so both live here: [`SessionCookies`] is the
//! client's cookie store, and a refetch after a refusal starts from an empty jar (a fresh
//! session). The fetch itself (a `GET` of the service root) is sent by `request.rs`; this module
//! keeps one token per client and makes concurrent refetches collapse into one. A write reads
//! the token when it goes on the wire ([`Csrf::current`]), not when it starts waiting for its
//! turn: a token renewed meanwhile is the one it sends.

use super::transport::CSRF_HEADER;
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderValue};
use std::future::Future;
use std::sync::{Arc, RwLock};
use tokio::sync::{Mutex, watch};

/// The client's cookie jar, which a CSRF refetch can empty.
#[derive(Default)]
pub(crate) struct SessionCookies(RwLock<Jar>);

impl SessionCookies {
    /// Drops every cookie, ending the session.
    pub fn clear(&self) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Jar::default();
    }
}

impl CookieStore for SessionCookies {
    fn set_cookies(
        &self,
        cookie_headers: &mut dyn Iterator<Item = &HeaderValue>,
        url: &reqwest::Url,
    ) {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .set_cookies(cookie_headers, url);
    }

    fn cookies(&self, url: &reqwest::Url) -> Option<HeaderValue> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .cookies(url)
    }
}

/// The CSRF state of one client.
pub(crate) struct Csrf {
    token: RwLock<Option<HeaderValue>>,
    /// Held while a token is fetched: concurrent refetches wait for the one in progress.
    single: Mutex<()>,
    /// `true` while a fetch is on its way. A flag of its own, not the state of `single`: a
    /// request that merely waited for `single` would hold it for a moment, and two writes
    /// waiting for each other's moment would wait forever.
    fetching: watch::Sender<bool>,
    cookies: Arc<SessionCookies>,
}

/// Lowers the `fetching` flag when the fetch ends, whether it finished, failed or was dropped.
struct Fetching<'a>(&'a watch::Sender<bool>);

impl Drop for Fetching<'_> {
    fn drop(&mut self) {
        self.0.send_replace(false);
    }
}

impl Csrf {
    /// State over the client's cookie store.
    pub fn new(cookies: Arc<SessionCookies>) -> Csrf {
        Csrf {
            token: RwLock::new(None),
            single: Mutex::new(()),
            fetching: watch::Sender::new(false),
            cookies,
        }
    }

    /// The token held now, without fetching.
    pub fn current(&self) -> Option<HeaderValue> {
        self.token.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether a token is being fetched right now.
    pub fn fetching(&self) -> bool {
        *self.fetching.borrow()
    }

    /// Waits until no token is being fetched.
    pub async fn fetched(&self) {
        let mut receiver = self.fetching.subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let _ = receiver.wait_for(|fetching| !*fetching).await;
    }

    fn set(&self, token: HeaderValue) {
        *self.token.write().unwrap_or_else(|p| p.into_inner()) = Some(token);
    }

    /// A token to send. `refused` is the token a request was refused with (`None` for the first
    /// use, or when it sent none): a held token other than that one is returned as it is;
    /// otherwise `fetch` runs once (concurrent callers wait for it), from a fresh cookie jar
    /// when a held token was refused.
    pub async fn token<F, Fut, E>(
        &self,
        refused: Option<&HeaderValue>,
        fetch: F,
    ) -> Result<HeaderValue, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<HeaderValue, E>>,
    {
        let _single = self.single.lock().await;
        if let Some(token) = self.current() {
            if refused != Some(&token) {
                return Ok(token);
            }
            self.cookies.clear();
        }
        self.fetching.send_replace(true);
        let _lower = Fetching(&self.fetching);
        let token = fetch().await?;
        self.set(token.clone());
        Ok(token)
    }
}

/// Whether an answer is the CSRF refusal: `403` with `X-CSRF-Token: Required` (any case). A
/// `403` without that header is an authorization failure and never repeated.
pub(crate) fn is_required(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::FORBIDDEN
        && headers
            .get_all(CSRF_HEADER)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.trim().eq_ignore_ascii_case("required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_needs_403_and_the_header_in_any_case() {
        let mut h = HeaderMap::new();
        assert!(!is_required(StatusCode::FORBIDDEN, &h));
        h.insert("X-CSRF-Token", HeaderValue::from_static("required"));
        assert!(is_required(StatusCode::FORBIDDEN, &h));
        assert!(!is_required(StatusCode::UNAUTHORIZED, &h));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_waiting_for_a_fetch_never_wait_for_each_other() {
        let csrf = Arc::new(Csrf::new(Arc::new(SessionCookies::default())));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let fetch = {
            let csrf = csrf.clone();
            tokio::spawn(async move {
                csrf.token(None, || async {
                    let _ = released.await;
                    Ok::<_, ()>(HeaderValue::from_static("t"))
                })
                .await
            })
        };
        while !csrf.fetching() {
            tokio::task::yield_now().await;
        }
        // Many writes wait for the fetch; none of them makes the others wait once it ended
        // (waiting on the fetch's own lock made two waiters wait for each other forever).
        let mut waiters = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let csrf = csrf.clone();
            waiters.spawn(async move {
                for _ in 0..100 {
                    csrf.fetched().await;
                    assert!(!csrf.fetching());
                }
            });
        }
        let _ = release.send(());
        assert_eq!(fetch.await.unwrap(), Ok(HeaderValue::from_static("t")));
        while let Some(done) = waiters.join_next().await {
            done.unwrap();
        }
    }

    #[tokio::test]
    async fn a_refused_token_is_fetched_again_once() {
        let csrf = Csrf::new(Arc::new(SessionCookies::default()));
        let first = csrf
            .token(None, || async {
                Ok::<_, ()>(HeaderValue::from_static("a"))
            })
            .await
            .unwrap();
        let again = csrf
            .token(None, || async { Err::<HeaderValue, ()>(()) })
            .await
            .unwrap();
        assert_eq!(first, again, "a held token is reused");
        let other = HeaderValue::from_static("stale");
        let kept = csrf
            .token(Some(&other), || async { Err::<HeaderValue, ()>(()) })
            .await
            .unwrap();
        assert_eq!(kept, first, "a token renewed by another request is reused");
        let renewed = csrf
            .token(Some(&first), || async {
                Ok::<_, ()>(HeaderValue::from_static("b"))
            })
            .await
            .unwrap();
        assert_eq!(renewed, "b", "the refused token is replaced");
    }
}
