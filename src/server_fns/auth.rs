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
    let (password, password_confirm) = (Password::new(password), Password::new(password_confirm));
    let input = SignupInput {
        username: &username,
        email: &email,
        password: &password,
        password_confirm: &password_confirm,
        display_name: &display_name,
    };
    match accounts::signup(&state, input, &client_info()).await {
        Ok((_, Some(tokens))) => {
            set_login_cookies(&state, &tokens);
            leptos_axum::redirect("/profile");
            Ok(())
        }
        Ok((user, None)) => {
            check_inbox(&user.email).await;
            Ok(())
        }
        // The address has an account and signup must not say so: the same answer.
        Err(crate::server::error::Error::SignupPending(email)) => {
            check_inbox(&email).await;
            Ok(())
        }
        Err(e) => {
            let kept = values([
                ("username", &username),
                ("email", &email),
                ("display_name", &display_name),
            ]);
            Err(form_failed("signup", "/signup", kept, e.into()).await)
        }
    }
}

#[cfg(feature = "ssr")]
async fn check_inbox(email: &str) {
    let notice = format!(
        "Your account is ready. We sent a link to {email} — follow it to verify your address, then log in."
    );
    super::ssr::redirect_with_notice("login", "/login", &notice).await;
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
        server::auth::{accounts, passwords::Password, sessions},
        validate::safe_next,
    };

    let state = state()?;
    let next = safe_next(Some(&next));
    let client = client_info();
    match accounts::login(&state, &login, &Password::new(password), &client).await {
        Ok((_, tokens)) => {
            // The browser's previous session (perhaps another account's) ends: its
            // cookies are being replaced, so nothing could ever sign it out otherwise.
            if let Some(replaced) = auth().filter(|a| a.session_id != tokens.session_id) {
                sessions::logout(&state, &replaced, &client)
                    .await
                    .map_err(AppError::from)?;
            }
            set_login_cookies(&state, &tokens);
            leptos_axum::redirect(next.as_deref().unwrap_or("/profile"));
            Ok(())
        }
        Err(e) => {
            let return_to = match &next {
                Some(next) => format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                ),
                None => "/login".into(),
            };
            Err(form_failed("login", &return_to, values([("login", &login)]), e.into()).await)
        }
    }
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
