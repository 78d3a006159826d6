//! Server-side helpers shared by the server functions.

use crate::{
    errors::AppError,
    model::FormFlash,
    server::{
        auth::{
            ClientInfo,
            sessions::{Authenticated, IssuedTokens},
        },
        browser_state,
        http::middleware::auth::RequestAuth,
        state::AppState,
    },
};
use axum::http::{HeaderValue, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::collections::BTreeMap;

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

/// A form posted by the browser itself (JavaScript off) rather than by the Leptos client:
/// it expects a page, so it gets a redirect.
pub fn is_plain_form_post() -> bool {
    parts()
        .and_then(|p| {
            p.headers
                .get(header::ACCEPT)?
                .to_str()
                .ok()
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// The flash for `forms` (one form name, or several separated by commas): on a
/// server-rendered page load, the one the middleware took;
/// when the hydrated page asks after a client-side navigation, straight from the session.
pub async fn flash_for(forms: &str) -> Option<FormFlash> {
    let wanted = |flash: &FormFlash| forms.split(',').any(|f| f == flash.form);
    let parts = parts()?;
    if let Some(flash) = parts.extensions.get::<FormFlash>() {
        return wanted(flash).then(|| flash.clone());
    }
    let session = parts.extensions.get::<tower_sessions::Session>()?;
    let peek = session
        .get::<FormFlash>(browser_state::FLASH_KEY)
        .await
        .ok()
        .flatten()?;
    if !wanted(&peek) {
        return None;
    }
    browser_state::take_flash(session).await
}

async fn put_flash(flash: FormFlash) {
    match leptos_axum::extract::<tower_sessions::Session>().await {
        Ok(session) => browser_state::put_flash(&session, &flash).await,
        Err(e) => tracing::error!(error = ?e, "no browser session for flash"),
    }
}

/// Answers a failed form submission. With JavaScript the page shows the error in place;
/// a plain form post is sent back to `return_to` with the error and what was typed
/// (never passwords) kept in a flash, so nothing is lost.
pub async fn form_failed(
    form: &str,
    return_to: &str,
    values: BTreeMap<String, String>,
    error: AppError,
) -> AppError {
    if is_plain_form_post() {
        put_flash(FormFlash {
            form: form.into(),
            error: Some(error.clone()),
            notice: None,
            values,
        })
        .await;
        leptos_axum::redirect(return_to);
    }
    error
}

/// Answers a successful form submission that stays on its page: a plain form post is
/// redirected back with the notice in a flash.
pub async fn form_succeeded(form: &str, return_to: &str, notice: &str) {
    if is_plain_form_post() {
        put_flash(notice_flash(form, notice)).await;
        leptos_axum::redirect(return_to);
    }
}

/// Answers a form whose success is a notice and whose failure keeps nothing typed: the
/// notice or error in place with JavaScript, or as a flash on `return_to` without it.
pub async fn answer_form(
    form: &str,
    return_to: &str,
    outcome: Result<String, AppError>,
) -> Result<String, AppError> {
    match outcome {
        Ok(notice) => {
            form_succeeded(form, return_to, &notice).await;
            Ok(notice)
        }
        Err(e) => Err(form_failed(form, return_to, BTreeMap::new(), e).await),
    }
}

/// Sends the browser to another page that shows `notice` (with or without JavaScript):
/// the notice waits in the session for that page's form.
pub async fn redirect_with_notice(form: &str, to: &str, notice: &str) {
    put_flash(notice_flash(form, notice)).await;
    leptos_axum::redirect(to);
}

fn notice_flash(form: &str, notice: &str) -> FormFlash {
    FormFlash {
        form: form.into(),
        error: None,
        notice: Some(notice.into()),
        values: BTreeMap::new(),
    }
}

/// Collects the non-secret fields of a form for the flash.
pub fn values<V: AsRef<str>, const N: usize>(pairs: [(&str, V); N]) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.as_ref().to_string()))
        .collect()
}

// The row-to-view conversions are shared with the JSON API.
pub use crate::server::views::*;
