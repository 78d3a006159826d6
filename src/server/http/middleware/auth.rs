//! Authenticates each request from its cookies (or a bearer token) and, when the access
//! cookie has expired but the refresh cookie is good, refreshes transparently: the request
//! proceeds as logged in and the response carries the new cookies.

use super::is_static_path;
use crate::server::{
    auth::{
        ClientInfo,
        sessions::{self, AccessRefused, Authenticated},
    },
    error::Error,
    http::cookies,
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::net::SocketAddr;

/// Who the request is from, for pages and server functions (`None`: anonymous).
#[derive(Clone, Debug, Default)]
pub struct RequestAuth(pub Option<Authenticated>);

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = client_info(&state, &req);
    req.extensions_mut().insert(client.clone());
    // Probes and static files need no login (and must answer while the store is down).
    if is_static_path(req.uri().path()) || matches!(req.uri().path(), "/healthz" | "/readyz") {
        return next.run(req).await;
    }

    let names = &state.cookies;
    let access_cookie = cookies::read(req.headers(), &names.access);
    let refresh = cookies::read(req.headers(), &names.refresh);
    // Only cookies are ever cleared; an API client's bearer token is its own business.
    let had_cookies = access_cookie.is_some() || refresh.is_some();
    let access = access_cookie.or_else(|| bearer(req.headers()));

    let mut auth = None;
    let mut may_refresh = true;
    if let Some(token) = &access {
        match sessions::authenticate(&state, token).await {
            Ok(found) => auth = Some(found),
            // A revoked session's refresh token is dead too: no point trying.
            Err(AccessRefused::Revoked) => may_refresh = false,
            Err(AccessRefused::Expired | AccessRefused::Invalid) => {}
            // Neither yes nor no: an outage is not a logout.
            Err(AccessRefused::Unavailable(e)) => {
                tracing::error!(error = ?e, "checking a session: store unavailable");
                return unavailable(&req);
            }
        }
    }

    let mut set_cookies = Vec::new();
    if auth.is_none()
        && may_refresh
        && let Some(token) = &refresh
    {
        match sessions::refresh(&state, token, &client).await {
            Ok((tokens, found)) => {
                set_cookies = names.for_tokens(&tokens);
                auth = Some(found);
            }
            Err(Error::Unauthorized) => {}
            // A database hiccup is no reason to log anyone out.
            Err(e) => {
                tracing::error!(error = ?e, "refreshing session: store unavailable");
                return unavailable(&req);
            }
        }
    }
    if auth.is_none() && had_cookies {
        set_cookies = names.cleared();
    }

    // Pages behind a login decide here, before any rendering: a real redirect that works
    // without JavaScript (and before the wasm has loaded).
    if auth.is_none() && req.method() == Method::GET && is_protected_page(req.uri().path()) {
        let mut res = redirect_to_login(req.uri());
        for value in set_cookies {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
        return res;
    }

    // Where admins must have a second factor, one without is sent to set one up before
    // any admin page opens (the admin server functions and API refuse too).
    if let Some(found) = &auth
        && req.method() == Method::GET
        && is_admin_page(req.uri().path())
        && found.user.role.is_admin()
        && state.settings.admins_need_mfa()
    {
        match crate::server::auth::factors::of(&state, &found.user.id).await {
            Ok(factors) if !factors.any() => {
                let mut res = (
                    StatusCode::SEE_OTHER,
                    [(header::LOCATION, "/profile?mfa=required#security")],
                )
                    .into_response();
                for value in set_cookies {
                    res.headers_mut().append(header::SET_COOKIE, value);
                }
                return res;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = ?e, "checking an admin's factors: store unavailable");
                return unavailable(&req);
            }
        }
    }

    req.extensions_mut().insert(RequestAuth(auth));
    let mut res = next.run(req).await;
    // A login or logout in this very request has the last word on the cookies.
    if !set_cookies.is_empty() && !names.response_sets_login_cookie(res.headers()) {
        for value in set_cookies {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    res
}

/// Pages only a logged-in person can see.
fn is_protected_page(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    matches!(
        path,
        "/profile" | "/sessions" | "/confirm" | "/authorize/consent"
    ) || is_admin_page(path)
}

fn is_admin_page(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == "/admin" || path.starts_with("/admin/")
}

/// `303 See Other` to the login page, coming back here afterwards.
fn redirect_to_login(uri: &axum::http::Uri) -> Response {
    let next = match uri.query() {
        None => uri.path().to_string(),
        Some(_) => {
            let full = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            url::form_urlencoded::byte_serialize(full.as_bytes()).collect()
        }
    };
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/login?next={next}"))],
    )
        .into_response()
}

/// The answer while the store is down: 503 with `Retry-After`, cookies untouched. Pages
/// get a calm page (quoting the request's id), server functions and the API their JSON
/// error.
pub fn unavailable<B>(req: &axum::http::Request<B>) -> Response {
    unavailable_at(req.uri().path(), super::request_id::of(req.headers()))
}

/// [`unavailable`] for a path, where the request itself is not at hand.
pub fn unavailable_at(path: &str, request_id: Option<&str>) -> Response {
    let retry = (
        header::RETRY_AFTER,
        super::super::RETRY_AFTER_SECONDS.to_string(),
    );
    let json = path.starts_with(super::SERVER_FN_PREFIX) || path.starts_with("/api/");
    if json {
        if path.starts_with("/api/") {
            return crate::server::http::api::ApiError::unavailable().into_response();
        }
        let body = serde_json::to_value(crate::errors::AppError::Unavailable).unwrap_or_default();
        return (StatusCode::SERVICE_UNAVAILABLE, [retry], axum::Json(body)).into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            retry,
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        unavailable_page(request_id),
    )
        .into_response()
}

// The site's own stylesheet (a static file, served without the database); no inline
// style, which the Content-Security-Policy would refuse.
fn unavailable_page(request_id: Option<&str>) -> String {
    // The id is ours or screened by `request_id::screen`: letters, digits, `-_.` only.
    let reference = request_id
        .map(|id| format!("\n<p class=\"muted request-id\">If you report this, quote the reference <code>{id}</code>.</p>"))
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Temporarily unavailable</title><link rel="stylesheet" href="/pkg/gatehouse.css"></head>
<body><main><section class="card narrow"><h1>Temporarily unavailable</h1>
<p>Gatehouse cannot reach its database right now. <strong>Your session is safe</strong>: you are still logged in, and nothing you saved is lost.</p>
<p>Please try again in a minute.</p>{reference}</section></main></body></html>"#
    )
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address and user agent. Behind trusted proxies (`trust_forwarded_for`),
/// the address is the right-most one in `X-Forwarded-For` that is not a trusted proxy,
/// so a client cannot choose its own address by sending the header itself.
pub fn client_info(state: &AppState, req: &Request) -> ClientInfo {
    let headers = req.headers();
    // `to_canonical`: behind a dual-stack listener an IPv4 peer shows as ::ffff:a.b.c.d,
    // which IPv4 proxy ranges would not match.
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical());
    let server = &state.settings.server;
    let address = if server.trust_forwarded_for {
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        forwarded_client(peer, &forwarded, &server.trusted_proxy_nets)
    } else {
        peer
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    ClientInfo::new(address.map(|a| a.to_string()), user_agent)
}

/// Walks the hops from the nearest (the peer) outwards and returns the first that is not
/// a trusted proxy. With no proxies listed, only the peer itself is trusted.
fn forwarded_client(
    peer: Option<std::net::IpAddr>,
    forwarded: &[&str],
    trusted: &[ipnet::IpNet],
) -> Option<std::net::IpAddr> {
    let is_trusted = |ip: std::net::IpAddr| {
        if trusted.is_empty() {
            Some(ip) == peer
        } else {
            trusted.iter().any(|net| net.contains(&ip))
        }
    };
    // A peer that is not a trusted proxy is the client, whatever the header says.
    if !peer.is_some_and(is_trusted) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        let Ok(ip) = hop.parse::<std::net::IpAddr>().map(|ip| ip.to_canonical()) else {
            break;
        };
        client = Some(ip);
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy() {
        let proxies: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // client -> proxy 10.0.0.5 -> proxy 10.0.0.9 (peer)
        let got = forwarded_client(Some(ip("10.0.0.9")), &["203.0.113.7", "10.0.0.5"], &proxies);
        assert_eq!(got, Some(ip("203.0.113.7")));
        // A forged left-most entry does not win.
        let got = forwarded_client(Some(ip("10.0.0.9")), &["1.2.3.4", "203.0.113.7"], &proxies);
        assert_eq!(got, Some(ip("203.0.113.7")));
        // A peer that is not a trusted proxy is the client, whatever it says.
        let got = forwarded_client(Some(ip("198.51.100.1")), &["1.2.3.4"], &proxies);
        assert_eq!(got, Some(ip("198.51.100.1")));
        // Garbage in the header stops the walk at the last good hop.
        let got = forwarded_client(Some(ip("10.0.0.9")), &["not-an-ip"], &proxies);
        assert_eq!(got, Some(ip("10.0.0.9")));
        // A mapped IPv4 peer matches an IPv4 range.
        let got = forwarded_client(
            Some(ip("::ffff:10.0.0.9").to_canonical()),
            &["203.0.113.7"],
            &proxies,
        );
        assert_eq!(got, Some(ip("203.0.113.7")));
        // No proxies listed: the peer is the proxy, the entry it added is the client.
        let got = forwarded_client(Some(ip("127.0.0.1")), &["1.2.3.4", "203.0.113.7"], &[]);
        assert_eq!(got, Some(ip("203.0.113.7")));
    }
}
