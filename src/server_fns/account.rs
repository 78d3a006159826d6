//! The signed-in user's own account.

use crate::{errors::AppError, model::UserView};
use leptos::prelude::*;

/// Saves display name, bio and avatar URL. Any other posted field (username, email, role,
/// id) is not an argument here and so is ignored.
#[server(prefix = "/fn", endpoint = "profile")]
pub async fn update_profile(
    #[server(default)] display_name: String,
    #[server(default)] bio: String,
    #[server(default)] avatar_url: String,
) -> Result<UserView, AppError> {
    use super::ssr::*;
    use crate::server::auth::accounts;

    let auth = require_auth()?;
    let state = state()?;
    let saved = accounts::update_profile(
        &state,
        &auth.user.id,
        &display_name,
        &bio,
        &avatar_url,
        &client_info(),
    )
    .await;
    specs::PROFILE
        .post()
        .typed([
            ("display_name", &display_name),
            ("bio", &bio),
            ("avatar_url", &avatar_url),
        ])
        .answer(saved.map(|user| Done::new(user_view(&user)).notice(PROFILE_SAVED)))
        .await
}

pub const PROFILE_SAVED: &str = "Your profile has been saved.";

pub const PASSWORD_CHANGED_NOTICE: &str =
    "Your password has been changed. Your other devices have been signed out.";

/// Changes the password (the current one is required). Other sessions end.
#[server(prefix = "/fn", endpoint = "change-password")]
pub async fn change_password(
    #[server(default)] current_password: String,
    #[server(default)] new_password: String,
    #[server(default)] new_password_confirm: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::{credentials, passwords::Password};
    let auth = require_auth()?;
    let state = state()?;
    let form = specs::PASSWORD.post();
    let user = &auth.user;
    if let Err(e) = check_confirmation(
        &new_password,
        &new_password_confirm,
        "new_password_confirm",
        || {
            let inputs = [
                user.username.as_str(),
                user.email.as_str(),
                user.display_name.as_deref().unwrap_or(""),
            ];
            let policy = state.settings.password_policy();
            crate::validate::changed_password(&current_password, &new_password, &policy, &inputs)
                .err()
                .map(|e| [("new_password".to_string(), e)].into())
                .unwrap_or_default()
        },
    ) {
        return form.answer::<String, _>(Err(e)).await;
    }
    let changed = credentials::change_password(
        &state,
        &auth,
        &Password::new(current_password),
        &Password::new(new_password),
        &client_info(),
    )
    .await;
    form.answer(changed.map(|()| Done::said(PASSWORD_CHANGED_NOTICE)))
        .await
}

/// Asks to move the account to a new address (the current password is required). The
/// answer is the same whether or not the address is taken.
#[server(prefix = "/fn", endpoint = "change-email")]
pub async fn change_email(
    #[server(default)] new_email: String,
    #[server(default)] email_password: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::{credentials, passwords::Password};
    let auth = require_auth()?;
    let state = state()?;
    let asked = credentials::change_email(
        &state,
        &auth,
        &new_email,
        &Password::new(email_password),
        &client_info(),
    )
    .await
    .map(|address| {
        Done::said(format!(
            "We sent a confirmation link to {address}. Your address changes when you follow it; until then you keep using {}.",
            auth.user.email
        ))
    });
    specs::EMAIL
        .post()
        .typed([("new_email", &new_email)])
        .answer(asked)
        .await
}

/// Deletes the signed-in account for good: `confirm` is the username, `delete_password`
/// the password (accounts without one need a login in the last ten minutes).
#[server(prefix = "/fn", endpoint = "delete-account")]
pub async fn delete_account(
    #[server(default)] delete_password: String,
    #[server(default)] confirm: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::{deletion, passwords::Password};
    let auth = require_auth()?;
    let state = state()?;
    let deleted = deletion::delete_own(
        &state,
        &auth,
        &Password::new(delete_password),
        &confirm,
        client_info().ip.as_deref(),
    )
    .await
    .map(|()| {
        clear_login_cookies(&state);
        Done::said("Your account and its data have been deleted. Goodbye!").go_to(&specs::LOGIN)
    });
    specs::DELETE_ACCOUNT
        .post()
        .typed([("confirm", &confirm)])
        .answer(deleted)
        .await
}

/// The signed-in user's recent security events, newest first.
#[server(prefix = "/fn", endpoint = "activity")]
pub async fn my_activity() -> Result<Vec<crate::model::EventView>, AppError> {
    use super::ssr::*;
    use crate::server::{
        auth::{account_data, audit},
        views::own_event_view,
    };
    let auth = require_auth()?;
    let state = state()?;
    let now = state.clock.unix();
    Ok(
        audit::recent_for(&state, &auth.user.id, account_data::RECENT_EVENTS)
            .await?
            .iter()
            .map(|e| own_event_view(e, now))
            .collect(),
    )
}
