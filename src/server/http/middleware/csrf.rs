//! Cross-site request forgery defence on top of SameSite cookies: a state-changing
//! request (anything but GET/HEAD/OPTIONS) is refused unless it comes from our own origin.
//! Requests without cookies carry no ambient authority, so non-browser clients that send
//! no `Origin` still work.

use crate::{errors::AppError, server::state::AppState};
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn same_origin_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // The JSON API answers bearer tokens and never sets cookies: without cookies a
    // request from another origin (a CORS client) carries no ambient authority.
    // So do the OpenID Provider's back-channel endpoints (token, revocation, ...).
    let path = req.uri().path();
    let api_without_cookies = (path.starts_with("/api/")
        || crate::server::http::provider::is_backchannel(path))
        && !has_cookies(req.headers());
    if api_without_cookies
        || is_same_origin(
            req.headers(),
            &state.settings.server.public_url,
            has_cookies(req.headers()),
        )
    {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), origin = ?req.headers().get(header::ORIGIN), "cross-origin write refused");
    (StatusCode::FORBIDDEN, Json(AppError::CrossOrigin)).into_response()
}

fn has_cookies(headers: &HeaderMap) -> bool {
    headers.contains_key(header::COOKIE)
}

/// The decision, separate from HTTP plumbing so it can be tested directly.
pub fn is_same_origin(headers: &HeaderMap, public_origin: &str, has_cookies: bool) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = get("origin") {
        // The request's own host is same-origin by definition (and cannot be forged by a
        // page in a browser); the public URL covers proxies that rewrite Host.
        // Our own host counts in the scheme people reach us by: over https, a page served
        // over plain http (say, by someone on the network) is another origin.
        let scheme = if public_origin.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        let own = get("host").map(|host| format!("{scheme}://{host}"));
        return origin == public_origin || own.is_some_and(|own| own == origin);
    }
    match get("sec-fetch-site") {
        Some(site) => site == "same-origin" || site == "none",
        None => !has_cookies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    const PUBLIC: &str = "https://id.example";

    #[test]
    fn same_origin_is_allowed() {
        assert!(is_same_origin(
            &headers(&[("origin", "https://id.example")]),
            PUBLIC,
            true
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("host", "localhost:3000")
            ]),
            "http://127.0.0.1:3000",
            true
        ));
        assert!(is_same_origin(
            &headers(&[("origin", "https://id.internal"), ("host", "id.internal")]),
            PUBLIC,
            true
        ));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            PUBLIC,
            true
        ));
    }

    #[test]
    fn over_https_a_plain_http_origin_is_refused() {
        assert!(!is_same_origin(
            &headers(&[("origin", "http://id.example"), ("host", "id.example")]),
            PUBLIC,
            true
        ));
    }

    #[test]
    fn other_origins_are_refused() {
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example")]),
            PUBLIC,
            true
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example"), ("host", "id.example")]),
            PUBLIC,
            false
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null")]),
            PUBLIC,
            true
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            PUBLIC,
            true
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            PUBLIC,
            true
        ));
    }

    #[test]
    fn no_origin_needs_no_cookies() {
        assert!(is_same_origin(&HeaderMap::new(), PUBLIC, false));
        assert!(!is_same_origin(&HeaderMap::new(), PUBLIC, true));
    }
}
