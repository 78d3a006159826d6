//! A one-second cache of the pages an anonymous visitor sees (`/login`, `/signup`, ...).
//! Every first visit renders the same page but for the CSP nonce, so a render is kept
//! split around its nonce and served again with this response's nonce. Anything that
//! could make a page personal bypasses it: a query string, an `Authorization` header,
//! any Gatehouse cookie (login, refresh, flash, pending second factor), a logged-in
//! request; and only a plain 200 HTML answer that sets no cookie is kept.

use super::{auth::RequestAuth, security_headers::CspNonce};
use crate::server::http::cookies::{self, CookieNames};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// Long enough that a burst of visitors costs one render, short enough that no setting or
/// build change is noticed late.
const TTL: Duration = Duration::from_secs(1);

/// The anonymous pages. Pages behind a login, and pages that act on a link's token (which
/// comes in the query string), are never cached.
const PAGES: &[&str] = &["/", "/login", "/signup", "/forgot-password", "/login/link"];

pub struct PageCache {
    cookies: [String; 4],
    pages: quick_cache::sync::Cache<&'static str, Arc<CachedPage>>,
}

struct CachedPage {
    at: Instant,
    headers: HeaderMap,
    /// The body cut at each occurrence of the nonce it was rendered with.
    pieces: Vec<String>,
}

impl PageCache {
    pub fn new(names: &CookieNames) -> Self {
        Self {
            cookies: [
                names.access.clone(),
                names.refresh.clone(),
                names.browser_state.clone(),
                names.pending_login.clone(),
            ],
            pages: quick_cache::sync::Cache::new(PAGES.len()),
        }
    }

    /// The cache key of a request whose answer cannot depend on who sent it.
    fn key(&self, req: &Request) -> Option<&'static str> {
        if req.method() != Method::GET
            || req.uri().query().is_some()
            || req.headers().contains_key(header::AUTHORIZATION)
            || req
                .extensions()
                .get::<RequestAuth>()
                .is_some_and(|a| a.0.is_some())
            || self.carries_our_cookie(req.headers())
        {
            return None;
        }
        PAGES.iter().copied().find(|p| *p == req.uri().path())
    }

    fn carries_our_cookie(&self, headers: &HeaderMap) -> bool {
        self.cookies
            .iter()
            .any(|name| cookies::read(headers, name).is_some())
    }
}

impl CachedPage {
    fn response(&self, nonce: &str) -> Response {
        let mut res = Response::new(Body::from(self.pieces.join(nonce)));
        *res.headers_mut() = self.headers.clone();
        res
    }
}

pub async fn serve(State(cache): State<Arc<PageCache>>, req: Request, next: Next) -> Response {
    let (Some(key), Some(nonce)) = (
        cache.key(&req),
        req.extensions().get::<CspNonce>().map(|n| n.0.clone()),
    ) else {
        return next.run(req).await;
    };
    let cached = cache.pages.get(key).filter(|p| p.at.elapsed() < TTL);
    crate::server::metrics::count_lookup("page", cached.is_some());
    if let Some(page) = cached {
        return page.response(&nonce);
    }
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if res.status() != StatusCode::OK || !html || res.headers().contains_key(header::SET_COOKIE) {
        return res;
    }
    let (parts, body) = res.into_parts();
    // Pages render in full before their first byte (`SsrMode::Async`): nothing is lost by
    // collecting them here.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(error = %e, "page body failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "Please try again.").into_response();
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let page = CachedPage {
        at: Instant::now(),
        headers: parts.headers.clone(),
        pieces: text.split(nonce.as_str()).map(str::to_owned).collect(),
    };
    cache.pages.insert(key, Arc::new(page));
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> PageCache {
        let settings = crate::server::config::Settings::default();
        PageCache::new(&CookieNames::new(&settings))
    }

    fn get(uri: &str, cookie: Option<&str>) -> Request {
        let mut req = Request::get(uri);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_anonymous_plain_visits_to_public_pages_are_cached() {
        let cache = cache();
        let ours = cache.cookies[2].clone();
        assert_eq!(cache.key(&get("/login", None)), Some("/login"));
        assert_eq!(
            cache.key(&get("/login", Some("theme=dark; other=1"))),
            Some("/login")
        );
        assert_eq!(cache.key(&get("/login?next=/profile", None)), None);
        assert_eq!(cache.key(&get("/profile", None)), None);
        assert_eq!(cache.key(&get("/reset-password", None)), None);
        assert_eq!(
            cache.key(&get("/login", Some(&format!("theme=dark; {ours}=abc")))),
            None
        );
        for name in &cache.cookies {
            assert_eq!(cache.key(&get("/", Some(&format!("{name}=x")))), None);
        }
        let mut bearer = get("/login", None);
        bearer
            .headers_mut()
            .insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(cache.key(&bearer), None);
        let post = Request::post("/login").body(Body::empty()).unwrap();
        assert_eq!(cache.key(&post), None);
    }

    #[tokio::test]
    async fn a_cached_page_takes_the_new_nonce_everywhere() {
        let page = CachedPage {
            at: Instant::now(),
            headers: HeaderMap::new(),
            pieces: "<script nonce=\"N1\">a</script><script nonce=\"N1\">b</script>"
                .split("N1")
                .map(str::to_owned)
                .collect(),
        };
        let res = page.response("N2");
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            "<script nonce=\"N2\">a</script><script nonce=\"N2\">b</script>"
        );
    }
}
