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
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};
use std::net::SocketAddr;

/// Who the request is from, for pages and server functions (`None`: anonymous).
#[derive(Clone, Debug, Default)]
pub struct RequestAuth(pub Option<Authenticated>);

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = client_info(&state, &req);
    req.extensions_mut().insert(client.clone());
    if is_static_path(req.uri().path()) {
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
        }
    }

    let mut set_cookies = Vec::new();
    let mut keep_cookies = false;
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
                tracing::error!(error = ?e, "refreshing session");
                keep_cookies = true;
            }
        }
    }
    if auth.is_none() && had_cookies && !keep_cookies {
        set_cookies = names.cleared();
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

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address (from `X-Forwarded-For` only when configured to trust it) and
/// user agent.
pub fn client_info(state: &AppState, req: &Request) -> ClientInfo {
    let headers = req.headers();
    let forwarded = state
        .settings
        .server
        .trust_forwarded_for
        .then(|| {
            headers
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .split(',')
                .next()
                .map(|s| s.trim().to_string())
        })
        .flatten()
        .filter(|s| !s.is_empty());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    ClientInfo::new(forwarded.or(peer), user_agent)
}
