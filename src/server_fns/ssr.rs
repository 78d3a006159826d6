//! Server-side helpers shared by the server functions: the request's state, login and
//! cookies, and the form layer's answer.

use crate::{
    errors::AppError,
    server::{
        auth::{
            ClientInfo,
            factors::pending::SecondStep,
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

/// Reads the request without copying it (`use_context` would clone every header and
/// extension, several times per page render).
fn with_parts<T>(read: impl FnOnce(&Parts) -> Option<T>) -> Option<T> {
    with_context::<Parts, _>(read).flatten()
}

/// The logged-in user of this request, if any.
pub fn auth() -> Option<Authenticated> {
    with_parts(|p| p.extensions.get::<RequestAuth>()?.0.clone())
}

/// The logged-in user, or 401.
pub fn require_auth() -> Result<Authenticated, AppError> {
    auth().ok_or(AppError::Unauthorized)
}

pub fn client_info() -> ClientInfo {
    with_parts(|p| p.extensions.get::<ClientInfo>().cloned()).unwrap_or_default()
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

/// Holds a login that waits for its second factor in this browser.
pub fn set_pending_login(state: &AppState, step: &SecondStep) {
    let max_age = step.expires_at - state.clock.unix();
    set_cookies(vec![state.cookies.for_pending_login(&step.token, max_age)]);
}

pub fn clear_pending_login(state: &AppState) {
    set_cookies(vec![state.cookies.pending_login_cleared()]);
}

/// The token of the login waiting in this browser for its second factor.
pub fn pending_login_token(state: &AppState) -> Option<String> {
    with_parts(|p| crate::server::http::cookies::read(&p.headers, &state.cookies.pending_login))
}

/// Starts the session a login earned in this browser: the previous session (perhaps
/// another account's) ends, since its cookies are being replaced and nothing could ever
/// sign it out otherwise.
pub async fn replace_login(state: &AppState, tokens: &IssuedTokens) -> Result<(), AppError> {
    if let Some(replaced) = auth().filter(|a| a.session_id != tokens.session_id) {
        crate::server::auth::sessions::logout(state, &replaced, &client_info())
            .await
            .map_err(AppError::from)?;
    }
    set_login_cookies(state, tokens);
    Ok(())
}

/// This browser's server-side session (flashes, OAuth state, recovery codes shown once).
pub async fn browser_session() -> Option<tower_sessions::Session> {
    leptos_axum::extract::<tower_sessions::Session>().await.ok()
}

pub use crate::forms::{
    server::{Done, check_confirmation},
    specs,
};

// The row-to-view conversions are shared with the JSON API.
pub use crate::server::views::*;
