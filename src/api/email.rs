//! Everything that starts or ends with an email: verification, resend, forgotten
//! password and reset.

use crate::{
    errors::AppError,
    model::{LinkStatus, VerifyOutcome},
};
use leptos::prelude::*;

/// What a verification (or address-change) link would do, without spending it. Called
/// when `/verify-email` opens; a GET, so link scanners change nothing.
#[server(prefix = "/fn", endpoint = "verify-email-status")]
pub async fn verify_email_status(
    #[server(default)] token: String,
) -> Result<VerifyOutcome, AppError> {
    use super::ssr::*;
    use crate::server::auth::verification;
    let state = state()?;
    verification::inspect(&state, &token)
        .await
        .map_err(AppError::from)
}

/// Follows a verification (or address-change) link: the page's confirm button posts it.
/// Without JavaScript the browser comes back to `/verify-email` with the outcome.
#[server(prefix = "/fn", endpoint = "verify-email")]
pub async fn verify_email(#[server(default)] token: String) -> Result<VerifyOutcome, AppError> {
    use super::ssr::*;
    use crate::server::auth::verification;
    let state = state()?;
    let outcome = verification::follow(&state, &token, &client_info())
        .await
        .map_err(AppError::from)?;
    let notice = match &outcome {
        VerifyOutcome::Verified { email } => format!("Your email is verified: {email} is confirmed."),
        VerifyOutcome::EmailChanged { email } => {
            format!("Your address has changed: your account now uses {email}.")
        }
        VerifyOutcome::AlreadyVerified => "Already verified: your email address was verified before. You can log in.".into(),
        VerifyOutcome::EmailTaken => {
            "That address is taken: another account started using it, so your address stays as it was.".into()
        }
        VerifyOutcome::Refused(crate::errors::LinkProblem::Expired) => "This link has expired: ask for a new one on the login page.".into(),
        VerifyOutcome::Refused(crate::errors::LinkProblem::Used) => "This link was already used: each link works once.".into(),
        VerifyOutcome::Refused(crate::errors::LinkProblem::Invalid) | VerifyOutcome::Confirm { .. } => {
            "This link is not valid: check that you copied all of it.".into()
        }
    };
    form_succeeded("verify", "/verify-email", &notice).await;
    Ok(outcome)
}

/// Whether a "this wasn't me" link still works (checked when its page opens).
#[server(prefix = "/fn", endpoint = "cancel-email-change-status")]
pub async fn cancel_email_change_status(
    #[server(default)] token: String,
) -> Result<LinkStatus, AppError> {
    use super::ssr::*;
    use crate::server::auth::cancel_email_change;
    let state = state()?;
    cancel_email_change::cancel_link_status(&state, &token)
        .await
        .map_err(AppError::from)
}

pub const CANCELLED_NOTICE: &str = "The change of address is cancelled. Your account keeps its address. Change your password now if you think someone else knows it.";
pub const REVERTED_NOTICE: &str = "Your old address is back, every device was signed out, and providers connected since the change were disconnected. Someone else may know your password, so it no longer works: we sent a link to your address to choose a new one.";

/// Cancels a pending change of address from the link mailed to the old address (no login
/// needed); a change already made is undone.
#[server(prefix = "/fn", endpoint = "cancel-email-change")]
pub async fn cancel_email_change(#[server(default)] token: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::cancel_email_change::{self as undo, CancelOutcome};
    let state = state()?;
    let outcome = undo::cancel_email_change(&state, &token, &client_info())
        .await
        .map(|outcome| {
            match outcome {
                CancelOutcome::Cancelled => CANCELLED_NOTICE,
                CancelOutcome::Reverted => REVERTED_NOTICE,
            }
            .to_string()
        })
        .map_err(AppError::from);
    answer_form("cancel-email", "/cancel-email-change", outcome).await
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
        Ok((_, providers)) => {
            // Whoever was logged in here is logged out like every other session.
            clear_login_cookies(&state);
            let mut notice = "Your password has been changed and every device signed out. Log in with your new password.".to_string();
            if !providers.is_empty() {
                notice.push_str(&format!(
                    " Still connected: {}. If you did not connect one, disconnect it from your profile after logging in.",
                    providers.join(", ")
                ));
            }
            redirect_with_notice("login", "/login", &notice).await;
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
