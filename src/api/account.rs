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
    match accounts::update_profile(
        &state,
        &auth.user.id,
        &display_name,
        &bio,
        &avatar_url,
        &client_info(),
    )
    .await
    {
        Ok(user) => {
            form_succeeded("profile", "/profile", "Your profile has been saved.").await;
            Ok(user_view(&user))
        }
        Err(e) => {
            let kept = values([
                ("display_name", &display_name),
                ("bio", &bio),
                ("avatar_url", &avatar_url),
            ]);
            Err(form_failed("profile", "/profile", kept, e.into()).await)
        }
    }
}

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
    let result = credentials::change_password(
        &state,
        &auth,
        &Password::new(current_password),
        &Password::new(new_password),
        &Password::new(new_password_confirm),
        &client_info(),
    )
    .await;
    match result {
        Ok(()) => {
            form_succeeded("password", "/profile", PASSWORD_CHANGED_NOTICE).await;
            Ok(PASSWORD_CHANGED_NOTICE.to_string())
        }
        Err(e) => Err(form_failed("password", "/profile", values::<&str, 0>([]), e.into()).await),
    }
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
    match credentials::change_email(
        &state,
        &auth,
        &new_email,
        &Password::new(email_password),
        &client_info(),
    )
    .await
    {
        Ok(address) => {
            let notice = format!(
                "We sent a confirmation link to {address}. Your address changes when you follow it; until then you keep using {}.",
                auth.user.email
            );
            form_succeeded("email", "/profile", &notice).await;
            Ok(notice)
        }
        Err(e) => Err(form_failed(
            "email",
            "/profile",
            values([("new_email", &new_email)]),
            e.into(),
        )
        .await),
    }
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
    match deletion::delete_own(
        &state,
        &auth,
        &Password::new(delete_password),
        &confirm,
        client_info().ip.as_deref(),
    )
    .await
    {
        Ok(()) => {
            let notice = "Your account and its data have been deleted. Goodbye!";
            clear_login_cookies(&state);
            redirect_with_notice("login", "/login", notice).await;
            Ok(notice.into())
        }
        Err(e) => {
            let kept = values([("confirm", &confirm)]);
            Err(form_failed("delete", "/profile", kept, e.into()).await)
        }
    }
}

/// The signed-in user's recent security events, newest first.
#[server(prefix = "/fn", endpoint = "activity")]
pub async fn my_activity() -> Result<Vec<crate::model::EventView>, AppError> {
    use super::ssr::*;
    use crate::server::auth::audit;
    let auth = require_auth()?;
    let state = state()?;
    let now = state.clock.unix();
    Ok(audit::recent_for(&state, &auth.user.id, 10)
        .await?
        .iter()
        .map(|e| {
            // The owner reads the summary; raw details are for admins.
            let mut view = event_view(e, now);
            view.detail = "{}".into();
            view
        })
        .collect())
}
