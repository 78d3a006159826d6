//! Signup, login and logout.

use crate::errors::AppError;
use leptos::prelude::*;

/// Creates an account, logs it in and goes to the profile.
#[server(prefix = "/fn", endpoint = "signup")]
pub async fn signup(
    #[server(default)] username: String,
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] password_confirm: String,
    #[server(default)] display_name: String,
) -> Result<(), AppError> {
    use super::ssr::*;
    use crate::server::auth::{
        accounts::{self, SignupInput},
        passwords::Password,
    };

    let state = state()?;
    let form = specs::SIGNUP.post().typed([
        ("username", &username),
        ("email", &email),
        ("display_name", &display_name),
    ]);
    // The confirmation is checked here, never by the domain; with it fails every other
    // rule the form can check on its own, so all problems show at once.
    if let Err(e) = check_confirmation(&password, &password_confirm, "password_confirm", || {
        let policy = state.settings.password_policy();
        crate::validate::new_account(&username, &email, &password, &display_name, &policy)
            .err()
            .unwrap_or_default()
    }) {
        return form.answer::<(), _>(Err(e)).await;
    }
    let password = Password::new(password);
    let input = SignupInput {
        username: &username,
        email: &email,
        password: &password,
        display_name: &display_name,
    };
    let outcome = match accounts::signup(&state, input, &client_info()).await {
        Ok((_, Some(tokens))) => {
            set_login_cookies(&state, &tokens);
            Ok(Done::new(()).go("/profile"))
        }
        Ok((user, None)) => Ok(check_inbox(&user.email)),
        // The address has an account and signup must not say so: the same answer.
        Err(crate::server::error::Error::SignupPending(email)) => Ok(check_inbox(&email)),
        Err(e) => Err(e),
    };
    form.answer(outcome).await
}

#[cfg(feature = "ssr")]
fn check_inbox(email: &str) -> super::ssr::Done<()> {
    super::ssr::Done::new(())
        .notice(format!(
            "Your account is ready. We sent a link to {email} — follow it to verify your address, then log in."
        ))
        .go_to(&super::ssr::specs::LOGIN)
}

/// Logs in with a username or email and goes to `next` (a local path) or the profile.
#[server(prefix = "/fn", endpoint = "login")]
pub async fn login(
    #[server(default)] login: String,
    #[server(default)] password: String,
    #[server(default)] next: String,
) -> Result<(), AppError> {
    use super::ssr::*;
    use crate::{
        server::auth::{accounts, factors::pending::LoginOutcome, passwords::Password},
        validate::safe_next,
    };

    let state = state()?;
    let next = safe_next(Some(&next));
    let client = client_info();
    let mut form = specs::LOGIN.post().typed([("login", &login)]);
    if let Some(next) = &next {
        form = form.back_to(format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ));
    }
    let outcome = match accounts::login(&state, &login, &Password::new(password), &client).await {
        Ok((_, LoginOutcome::Session(tokens))) => {
            replace_login(&state, &tokens).await?;
            Ok(Done::new(()).go(next.as_deref().unwrap_or("/profile")))
        }
        Ok((_, LoginOutcome::SecondFactor(step))) => {
            set_pending_login(&state, &step);
            Ok(Done::new(()).go(crate::validate::verify_login_path(next.as_deref())))
        }
        Err(e) => Err(e),
    };
    form.answer(outcome).await
}

/// Ends this session and clears the login cookies.
#[server(prefix = "/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::ssr::*;
    use crate::server::auth::sessions;

    let state = state()?;
    if let Some(auth) = auth() {
        sessions::logout(&state, &auth, &client_info())
            .await
            .map_err(AppError::from)?;
    }
    clear_login_cookies(&state);
    leptos_axum::redirect("/login");
    Ok(())
}
