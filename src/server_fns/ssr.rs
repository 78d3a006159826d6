//! Server-side helpers shared by the server functions: the request's state, login and
//! cookies, and the form layer's answer.

use crate::{
    errors::AppError,
    server::{
        auth::{
            ClientInfo,
            sessions::{Authenticated, IssuedTokens},
        },
        http::middleware::auth::RequestAuth,
        state::AppState,
    },
};
use axum::http::{HeaderValue, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// The app state. Missing only when a render was abandoned (say, by a redirect) while a
/// resource was still loading: then this fails instead of panicking.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::debug!("app state not in context (abandoned render?)");
        AppError::Internal
    })
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The logged-in user of this request, if any.
pub fn auth() -> Option<Authenticated> {
    parts()?.extensions.get::<RequestAuth>()?.0.clone()
}

/// The logged-in user, or 401.
pub fn require_auth() -> Result<Authenticated, AppError> {
    auth().ok_or(AppError::Unauthorized)
}

pub fn client_info() -> ClientInfo {
    parts()
        .and_then(|p| p.extensions.get::<ClientInfo>().cloned())
        .unwrap_or_default()
}

fn set_cookies(values: Vec<HeaderValue>) {
    if let Some(res) = use_context::<ResponseOptions>() {
        for value in values {
            res.append_header(header::SET_COOKIE, value);
        }
    }
}

pub fn set_login_cookies(state: &AppState, tokens: &IssuedTokens) {
    set_cookies(state.cookies.for_tokens(tokens));
}

pub fn clear_login_cookies(state: &AppState) {
    set_cookies(state.cookies.cleared());
}

pub use crate::forms::{
    server::{Done, check_confirmation},
    specs,
};

// The row-to-view conversions are shared with the JSON API.
pub use crate::server::views::*;
