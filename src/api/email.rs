//! Everything that starts or ends with an email: verification, resend, forgotten
//! password and reset.

use crate::{
    errors::AppError,
    model::{LinkStatus, VerifyOutcome},
};
use leptos::prelude::*;

/// Follows a verification (or address-change) link. Called when `/verify-email` opens.
#[server(prefix = "/fn", endpoint = "verify-email")]
pub async fn verify_email(#[server(default)] token: String) -> Result<VerifyOutcome, AppError> {
    use super::ssr::*;
    use crate::server::auth::verification;
    let state = state()?;
    verification::follow(&state, &token, &client_info())
        .await
        .map_err(AppError::from)
}

pub const RESEND_NOTICE: &str = "If that account exists and still needs verifying, a new link is on its way. Check your inbox (and spam folder).";

/// Sends a new verification link. The answer is the same whether or not the account
/// exists; at most one mail per minute goes out.
#[server(prefix = "/fn", endpoint = "resend-verification")]
pub async fn resend_verification(
    #[server(default)] login: String,
    #[server(default)] return_to: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::verification;
    let state = state()?;
    let return_to = crate::validate::safe_next(Some(&return_to)).unwrap_or_else(|| "/login".into());
    let form = if return_to.starts_with("/verify-email") {
        "resend"
    } else {
        "login"
    };
    match verification::resend(&state, &login, &client_info()).await {
        Ok(()) => {
            form_succeeded(form, &return_to, RESEND_NOTICE).await;
            Ok(RESEND_NOTICE.to_string())
        }
        Err(e) => Err(form_failed(form, &return_to, values([("login", &login)]), e.into()).await),
    }
}

pub const FORGOT_NOTICE: &str = "If an account uses that address, we have sent it a link to choose a new password. The link works for one hour.";

/// Mails a password-reset link; the same answer whether or not the account exists.
#[server(prefix = "/fn", endpoint = "forgot-password")]
pub async fn forgot_password(#[server(default)] email: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::recovery;
    let state = state()?;
    match recovery::request(&state, &email, &client_info()).await {
        Ok(()) => {
            form_succeeded("forgot", "/forgot-password", FORGOT_NOTICE).await;
            Ok(FORGOT_NOTICE.to_string())
        }
        Err(e) => Err(form_failed(
            "forgot",
            "/forgot-password",
            values([("email", &email)]),
            e.into(),
        )
        .await),
    }
}

/// Whether a reset link still works, so the page can say so before anyone types.
#[server(prefix = "/fn", endpoint = "reset-link")]
pub async fn reset_link_status(#[server(default)] token: String) -> Result<LinkStatus, AppError> {
    use super::ssr::*;
    use crate::server::auth::recovery;
    let state = state()?;
    recovery::link_status(&state, &token)
        .await
        .map_err(AppError::from)
}

/// Sets a new password with a reset link, then sends the browser to log in.
#[server(prefix = "/fn", endpoint = "reset-password")]
pub async fn reset_password(
    #[server(default)] token: String,
    #[server(default)] password: String,
    #[server(default)] password_confirm: String,
) -> Result<(), AppError> {
    use super::ssr::*;
    use crate::server::auth::{passwords::Password, recovery};
    let state = state()?;
    let (password, confirm) = (Password::new(password), Password::new(password_confirm));
    match recovery::reset(&state, &token, &password, &confirm, &client_info()).await {
        Ok(_) => {
            // Whoever was logged in here is logged out like every other session.
            clear_login_cookies(&state);
            redirect_with_notice("login", "/login", "Your password has been changed and every device signed out. Log in with your new password.").await;
            Ok(())
        }
        Err(e) => {
            let back = format!(
                "/reset-password?token={}",
                url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
            );
            Err(form_failed("reset", &back, values::<&str, 0>([]), e.into()).await)
        }
    }
}
