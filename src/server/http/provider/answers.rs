//! The small answers the browser side gives: redirects that are never cached, and plain
//! pages for what cannot go back to the app.

use crate::server::{
    auth::{ClientInfo, sessions, sessions::Authenticated},
    state::AppState,
};
use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

pub(super) fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(super) fn see_other(url: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

pub(super) fn expired() -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "This sign-in has expired",
        "Go back to the app and start signing in again.",
    )
}

/// Ends this session (the browser's cookies too) and goes on to `to`; a 503 if the
/// store cannot be asked, never a half logout.
pub(super) async fn log_out_to(
    state: &AppState,
    found: &Authenticated,
    client: &ClientInfo,
    to: &str,
) -> Response {
    if sessions::logout(state, found, client).await.is_err() {
        return unavailable();
    }
    let mut res = see_other(to);
    for value in state.cookies.cleared() {
        res.headers_mut().append(header::SET_COOKIE, value);
    }
    res
}

pub(super) fn unavailable() -> Response {
    crate::server::http::middleware::auth::unavailable_at("/oauth2/authorize", None)
}

/// A plain page in the site's style. `message` is always our own text.
pub(super) fn page(status: StatusCode, title: &str, message: &str) -> Response {
    page_with(
        status,
        title,
        &format!(r#"<p>{message}</p><p><a href="/">Gatehouse home</a></p>"#),
    )
}

/// A plain page around `content`, HTML that escapes whatever it did not write itself.
pub(super) fn page_with(status: StatusCode, title: &str, content: &str) -> Response {
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Gatehouse</title><link rel="stylesheet" href="/pkg/gatehouse.css"><link rel="icon" type="image/svg+xml" href="/favicon.svg"></head>
<body><main class="container"><section class="card narrow"><h1>{title}</h1>
{content}</section></main></body></html>"#
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
