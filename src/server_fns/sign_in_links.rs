//! Email sign-in links: asking for one on the login page, and signing in with one.

use crate::{errors::AppError, model::LinkStatus};
use leptos::prelude::*;

/// The answer to every well-formed request, whether or not the address has an account.
pub const SIGN_IN_LINK_NOTICE: &str = "If an account uses that address, we have sent it a sign-in link. Check your inbox (and spam folder).";

/// Mails a sign-in link; the same answer whether or not the account exists.
#[server(prefix = "/fn", endpoint = "request-sign-in-link")]
pub async fn request_sign_in_link(#[server(default)] email: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::sign_in_links;
    let state = state()?;
    let sent = sign_in_links::request(&state, &email, &client_info()).await;
    specs::SIGN_IN_LINK_REQUEST
        .post()
        .typed([("email", &email)])
        .answer(sent.map(|()| Done::said(SIGN_IN_LINK_NOTICE)))
        .await
}

/// Whether a sign-in link still works (checked when `/login/link` opens; a GET, so link
/// scanners spend nothing).
#[server(prefix = "/fn", endpoint = "sign-in-link-status")]
pub async fn sign_in_link_status(#[server(default)] token: String) -> Result<LinkStatus, AppError> {
    use super::ssr::*;
    use crate::server::auth::sign_in_links;
    let state = state()?;
    sign_in_links::link_status(&state, &token)
        .await
        .map_err(AppError::from)
}

/// Signs in with an emailed link (the link page's button posts it) and goes to the
/// profile; a refused link comes back to the link's page, which says why.
#[server(prefix = "/fn", endpoint = "sign-in-link")]
pub async fn sign_in_with_link(#[server(default)] token: String) -> Result<(), AppError> {
    use super::ssr::*;
    use crate::server::auth::{factors::pending::LoginOutcome, sign_in_links};
    let state = state()?;
    let client = client_info();
    let form = specs::SIGN_IN_LINK.post().back_to(format!(
        "/login/link?token={}",
        url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
    ));
    // An app's sign-in waiting in this browser goes on after the link, as it does
    // after a password (whose form carries it as `next`).
    let app_waiting = match browser_session().await {
        Some(session) => crate::server::browser_state::authorization(&session)
            .await
            .is_some(),
        None => false,
    };
    let next = app_waiting.then_some(crate::validate::AUTHORIZE_RESUME_PATH);
    // As after a password: logged in, or on to the second factor.
    let outcome = match sign_in_links::sign_in(&state, &token, &client).await {
        Ok((_, LoginOutcome::Session(tokens))) => {
            replace_login(&state, &tokens).await?;
            Ok(Done::new(()).go(next.unwrap_or("/profile")))
        }
        Ok((_, LoginOutcome::SecondFactor(step))) => {
            set_pending_login(&state, &step);
            Ok(Done::new(()).go(crate::validate::verify_login_path(next)))
        }
        Err(e) => Err(e),
    };
    form.answer(outcome).await
}
