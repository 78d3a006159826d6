//! The signed-in user's devices (sessions): list them, sign one out, the others, or all.

use crate::{errors::AppError, model::DeviceView};
use leptos::prelude::*;

/// Every live session of the signed-in user, most recently used first.
#[server(prefix = "/fn", endpoint = "devices")]
pub async fn devices() -> Result<Vec<DeviceView>, AppError> {
    use super::ssr::*;
    use crate::server::auth::devices;
    let auth = require_auth()?;
    let state = state()?;
    let now = state.clock.unix();
    Ok(devices::list(&state, &auth)
        .await?
        .into_iter()
        .map(|s| device_view(s, &auth.session_id, now))
        .collect())
}

/// Signs out one of the user's sessions (another device; this one logs out instead).
#[server(prefix = "/fn", endpoint = "sign-out-device")]
pub async fn sign_out_device(#[server(default)] session_id: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::devices;
    let auth = require_auth()?;
    let state = state()?;
    match devices::sign_out(&state, &auth, &session_id.clone().into(), &client_info()).await {
        Ok(()) if session_id == auth.session_id => {
            clear_login_cookies(&state);
            redirect_with_notice("login", "/login", "You have been logged out.").await;
            Ok("You have been logged out.".into())
        }
        Ok(()) => {
            let notice = "That device has been signed out.";
            form_succeeded("devices", "/sessions", notice).await;
            Ok(notice.into())
        }
        Err(e) => Err(form_failed("devices", "/sessions", values::<&str, 0>([]), e.into()).await),
    }
}

/// Signs out every other session; this one stays.
#[server(prefix = "/fn", endpoint = "sign-out-others")]
pub async fn sign_out_other_devices() -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::devices;
    let auth = require_auth()?;
    let state = state()?;
    let outcome = devices::sign_out_many(
        &state,
        &auth,
        devices::SignOut::OtherDevices,
        &client_info(),
    )
    .await
    .map(|n| match n {
        0 => "No other device was signed in.".to_string(),
        1 => "1 other device has been signed out.".to_string(),
        n => format!("{n} other devices have been signed out."),
    })
    .map_err(AppError::from);
    answer_form("devices", "/sessions", outcome).await
}

/// Signs out every session, this one included.
#[server(prefix = "/fn", endpoint = "sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use super::ssr::*;
    use crate::server::auth::devices;
    let auth = require_auth()?;
    let state = state()?;
    devices::sign_out_many(&state, &auth, devices::SignOut::Everywhere, &client_info()).await?;
    clear_login_cookies(&state);
    redirect_with_notice(
        "login",
        "/login",
        "You have been signed out on every device.",
    )
    .await;
    Ok(())
}
