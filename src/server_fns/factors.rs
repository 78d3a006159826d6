//! Second factors: the login's second step, confirming who you are (step-up), and the
//! Security card (authenticator app, recovery codes).

use crate::{
    errors::AppError,
    model::{PendingLoginView, SecurityView},
};
use leptos::prelude::*;

/// What the login waiting in this browser can be finished with; `None` when none waits.
#[server(prefix = "/fn", endpoint = "pending-login")]
pub async fn pending_login() -> Result<Option<PendingLoginView>, AppError> {
    use super::ssr::*;
    use crate::server::{auth::factors::pending, error::Error};
    let state = state()?;
    let Some(token) = pending_login_token(&state) else {
        return Ok(None);
    };
    match pending::find(&state, &token).await {
        Ok((user, methods)) => Ok(Some(PendingLoginView {
            username: user.username,
            methods,
        })),
        Err(Error::Refused(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Finishes the waiting login with an app code or a recovery code.
#[server(prefix = "/fn", endpoint = "login-verify")]
pub async fn login_verify(
    #[server(default)] code: String,
    #[server(default)] next: String,
) -> Result<(), AppError> {
    use super::ssr::*;
    use crate::server::{
        auth::factors::pending::{self, Proof},
        error::{Error, Refusal},
    };
    let state = state()?;
    let next = crate::validate::safe_next(Some(&next));
    let form = specs::LOGIN_VERIFY
        .post()
        .back_to(crate::validate::verify_login_path(next.as_deref()));
    if code.trim().is_empty() {
        return form
            .answer::<(), _>(Err(Error::field("code", "Enter a code.")))
            .await;
    }
    let Some(token) = pending_login_token(&state) else {
        return form
            .answer::<(), _>(Err(Error::Refused(Refusal::LoginExpired)))
            .await;
    };
    let outcome = match pending::complete(&state, &token, Proof::Code(&code), &client_info()).await
    {
        Ok((_, tokens)) => {
            replace_login(&state, &tokens).await?;
            clear_pending_login(&state);
            Ok(Done::new(()).go(next.as_deref().unwrap_or("/profile")))
        }
        Err(e) => Err(e),
    };
    form.answer(outcome).await
}

/// Confirms who you are (password or app code) before a sensitive change, then goes on.
#[server(prefix = "/fn", endpoint = "confirm-identity")]
pub async fn confirm_identity(
    #[server(default)] password: String,
    #[server(default)] code: String,
    #[server(default)] next: String,
) -> Result<(), AppError> {
    use super::ssr::*;
    use crate::server::{
        auth::{passwords::Password, step_up},
        error::Error,
    };
    let auth = require_auth()?;
    let state = state()?;
    let next = crate::validate::safe_next(Some(&next));
    let form = specs::CONFIRM
        .post()
        .back_to(crate::validate::path_with_next("/confirm", next.as_deref()));
    let proof = if !code.trim().is_empty() {
        step_up::Proof::Code(code)
    } else if !password.is_empty() {
        step_up::Proof::Password(Password::new(password))
    } else {
        return form
            .answer::<(), _>(Err(Error::field(
                "password",
                "Enter your password or a code from your authenticator app.",
            )))
            .await;
    };
    let done = step_up::confirm(&state, &auth, proof, &client_info())
        .await
        .map(|()| Done::new(()).go(next.as_deref().unwrap_or("/profile")));
    form.answer(done).await
}

/// The Security card's data. New recovery codes are in it after they were made, until
/// the person says they saved them (or for ten minutes).
#[server(prefix = "/fn", endpoint = "security")]
pub async fn security() -> Result<SecurityView, AppError> {
    use super::ssr::*;
    use crate::server::auth::factors;
    let auth = require_auth()?;
    let state = state()?;
    let have = factors::of(&state, &auth.user.id).await?;
    let setup = if have.totp {
        None
    } else {
        factors::totp::pending_setup(&state, &auth.user).await?
    };
    Ok(security_view(&state, &auth, have, setup).await)
}

/// The Security card's data from what the account has.
#[cfg(feature = "ssr")]
pub(super) async fn security_view(
    state: &crate::server::state::AppState,
    auth: &crate::server::auth::sessions::Authenticated,
    have: crate::server::auth::factors::Factors,
    setup: Option<crate::server::auth::factors::totp::Setup>,
) -> SecurityView {
    use super::ssr::browser_session;
    use crate::{
        model::TotpSetupView,
        server::{auth::step_up, browser_state},
    };
    let new_codes = match browser_session().await {
        Some(session) => browser_state::recovery_codes(&session, state.clock.unix()).await,
        None => None,
    };
    SecurityView {
        totp: have.totp,
        passkeys: have.passkeys,
        recovery_codes_left: have.recovery_codes_left,
        setup: setup.map(|s| TotpSetupView {
            secret: s.secret,
            uri: s.uri,
            qr_svg: s.qr_svg,
        }),
        new_codes,
        recently_confirmed: step_up::is_recent(state, auth),
        required: auth.user.role == crate::domain::Role::Admin
            && state.settings.admins_need_mfa()
            && !have.any(),
    }
}

/// One action of the Security card.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SecurityChange {
    /// Start setting up an authenticator app (shows its QR code).
    StartTotp,
    /// Finish setup with a first code.
    ConfirmTotp,
    RemoveTotp,
    RegenerateCodes,
    /// "I have saved them": the new recovery codes leave the card.
    HideCodes,
}

/// Runs one action of the Security card (one form, so a plain HTML post works too).
#[server(prefix = "/fn", endpoint = "security-step")]
pub async fn security_step(
    change: SecurityChange,
    #[server(default)] code: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::{
        auth::factors::{recovery, totp},
        browser_state,
    };
    let auth = require_auth()?;
    let state = state()?;
    let client = client_info();
    let form = specs::SECURITY.post();
    let now = state.clock.unix();
    let keep_codes = |codes: Vec<String>| async move {
        if let Some(session) = browser_session().await {
            browser_state::put_recovery_codes(&session, &codes, now).await;
        }
    };
    let done = match change {
        SecurityChange::StartTotp => totp::begin_setup(&state, &auth).await.map(|_| {
            Done::said(
                "Scan the QR code with your authenticator app, then enter the code it shows.",
            )
        }),
        SecurityChange::ConfirmTotp => {
            match totp::confirm_setup(&state, &auth.user, &code, &client).await {
                Ok(codes) => {
                    keep_codes(codes).await;
                    Ok(Done::said(
                        "Your authenticator app is set up. Save your recovery codes now: they are not shown again once you leave.",
                    ))
                }
                Err(e) => Err(e),
            }
        }
        SecurityChange::RemoveTotp => totp::remove(&state, &auth, &client)
            .await
            .map(|()| Done::said("The authenticator app was removed.")),
        SecurityChange::RegenerateCodes => match recovery::regenerate(&state, &auth, &client).await
        {
            Ok(codes) => {
                keep_codes(codes).await;
                Ok(Done::said(
                    "New recovery codes are ready; the old ones no longer work. Save them now: they are not shown again once you leave.",
                ))
            }
            Err(e) => Err(e),
        },
        SecurityChange::HideCodes => {
            if let Some(session) = browser_session().await {
                browser_state::forget_recovery_codes(&session).await;
            }
            Ok(Done::new(String::new()))
        }
    };
    form.answer(done).await
}
