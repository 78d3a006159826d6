//! Server-side helpers shared by the server functions.

use crate::{
    errors::AppError,
    model::{FormFlash, UserView},
    server::{
        auth::{
            ClientInfo,
            sessions::{Authenticated, IssuedTokens},
        },
        browser_state,
        db::users::UserRow,
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

pub fn format_date(ts: i64) -> String {
    use time::{OffsetDateTime, macros::format_description};
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|d| {
            d.format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

pub fn format_datetime(ts: i64) -> String {
    use time::{OffsetDateTime, macros::format_description};
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|d| {
            d.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "just now", "5 minutes ago", "3 hours ago", "2 days ago", or the date.
pub fn time_ago(now: i64, then: i64) -> String {
    let seconds = (now - then).max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        0..60 => "just now".into(),
        60..3_600 => plural(seconds / 60, "minute"),
        3_600..86_400 => plural(seconds / 3_600, "hour"),
        86_400..2_592_000 => plural(seconds / 86_400, "day"),
        _ => format_date(then),
    }
}

/// An account for the admin pages.
pub fn admin_user_view(user: &UserRow) -> crate::model::AdminUserView {
    crate::model::AdminUserView {
        id: user.id.clone(),
        username: user.username.clone(),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        role: user.role.clone(),
        active: user.is_active(),
        email_verified: user.email_verified_at.is_some(),
        created: format_date(user.created_at),
        last_login: user.last_login_at.map(format_datetime),
    }
}

/// A session as the Devices page and the API show it.
pub fn device_view(
    session: crate::server::db::sessions::SessionRow,
    current_session_id: &str,
    now: i64,
) -> crate::model::DeviceView {
    crate::model::DeviceView {
        description: crate::server::auth::devices::describe(session.user_agent.as_deref()),
        current: session.id == current_session_id,
        signed_in: format_datetime(session.created_at),
        last_active: time_ago(now, session.last_used_at),
        ip: session.ip,
        id: session.id,
    }
}

/// A security event for people to read.
pub fn event_view(e: &crate::server::db::audit::EventRow, now: i64) -> crate::model::EventView {
    crate::model::EventView {
        id: e.id.clone(),
        kind: e.kind.clone(),
        summary: crate::server::auth::audit::summary(&e.kind, &e.detail, e.user_agent.as_deref()),
        user_id: e.user_id.clone(),
        actor_id: e.actor_id.clone(),
        ip: e.ip.clone(),
        detail: e.detail.clone(),
        at: format_datetime(e.created_at),
        ago: time_ago(now, e.created_at),
    }
}

pub fn user_view(user: &UserRow) -> UserView {
    UserView {
        id: user.id.clone(),
        username: user.username.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified_at.is_some(),
        display_name: user.display_name.clone(),
        bio: user.bio.clone(),
        avatar_url: user.avatar_url.clone(),
        role: user.role.clone(),
        has_password: user.password_hash.is_some(),
        member_since: format_date(user.created_at),
        last_login: user.last_login_at.map(format_datetime),
    }
}
