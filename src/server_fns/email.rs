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
    let followed = verification::follow(&state, &token, &client_info())
        .await
        .map(|outcome| {
            let notice = verify_notice(&outcome);
            Done::new(outcome).notice(notice)
        });
    // A failed plain post comes back to the link's own page.
    specs::VERIFY
        .post()
        .back_to(format!(
            "/verify-email?token={}",
            url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
        ))
        .answer(followed)
        .await
}

#[cfg(feature = "ssr")]
fn verify_notice(outcome: &VerifyOutcome) -> String {
    match outcome {
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
    }
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
            Done::said(match outcome {
                CancelOutcome::Cancelled => CANCELLED_NOTICE,
                CancelOutcome::Reverted => REVERTED_NOTICE,
            })
        });
    specs::CANCEL_EMAIL_CHANGE.post().answer(outcome).await
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
    let spec = if return_to.starts_with(specs::RESEND.page) {
        &specs::RESEND
    } else {
        &specs::LOGIN
    };
    let sent = verification::resend(&state, &login, &client_info()).await;
    spec.post()
        .back_to(return_to)
        .typed([("login", &login)])
        .answer(sent.map(|()| Done::said(RESEND_NOTICE)))
        .await
}

/// The answer to a reset request, with the link's lifetime in force.
#[cfg(feature = "ssr")]
fn forgot_notice(state: &crate::server::state::AppState) -> String {
    let lifetime = crate::model::lifetime(state.settings.accounts.reset_password_ttl.as_secs());
    format!(
        "If an account uses that address, we have sent it a link to choose a new password. The link works for {lifetime}."
    )
}

/// Mails a password-reset link; the same answer whether or not the account exists.
#[server(prefix = "/fn", endpoint = "forgot-password")]
pub async fn forgot_password(#[server(default)] email: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::recovery;
    let state = state()?;
    let sent = recovery::request(&state, &email, &client_info()).await;
    specs::FORGOT_PASSWORD
        .post()
        .typed([("email", &email)])
        .answer(sent.map(|()| Done::said(forgot_notice(&state))))
        .await
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
    let form = specs::RESET_PASSWORD.post().back_to(format!(
        "/reset-password?token={}",
        url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
    ));
    if let Err(e) = check_confirmation(&password, &password_confirm, "password_confirm", || {
        // The account (for its own details) is the domain's to find: the plain rules here.
        let policy = state.settings.password_policy();
        crate::validate::new_password(&password, &policy, &[])
            .err()
            .map(|e| [("password".to_string(), e)].into())
            .unwrap_or_default()
    }) {
        return form.answer::<(), _>(Err(e)).await;
    }
    let reset = recovery::reset(&state, &token, &Password::new(password), &client_info())
        .await
        .map(|(_, providers)| {
            // Whoever was logged in here is logged out like every other session.
            clear_login_cookies(&state);
            let mut notice = "Your password has been changed and every device signed out. Log in with your new password.".to_string();
            if !providers.is_empty() {
                notice.push_str(&format!(
                    " Still connected: {}. If you did not connect one, disconnect it from your profile after logging in.",
                    providers.join(", ")
                ));
            }
            Done::new(()).notice(notice).go_to(&specs::LOGIN)
        });
    form.answer(reset).await
}
