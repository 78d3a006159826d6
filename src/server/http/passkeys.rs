//! The browser's passkey ceremonies, as small JSON endpoints for `public/passkeys.js`:
//! `POST /auth/passkey/register/{start,finish}` (signed in) and
//! `POST /auth/passkey/login/{start,finish}`. Each ceremony's state waits in the browser
//! state (tower-sessions) between its two legs and is taken, never read, by the second:
//! one use, whatever the outcome. Not part of the `/api/v1` contract.

use super::middleware::auth::RequestAuth;
use crate::{
    errors::AppError,
    forms::specs::PASSKEYS,
    model::FormFlash,
    server::{
        auth::{
            ClientInfo,
            factors::pending,
            passkeys::{self, PasskeyError, Registration, SignIn},
            sessions::IssuedTokens,
            step_up,
        },
        browser_state,
        error::{Error, RETRY_AFTER_SECONDS, Refusal},
        state::AppState,
    },
    validate,
};
use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use tower_sessions::Session;

const REGISTRATION_KEY: &str = "passkey_registration";
const SIGN_IN_KEY: &str = "passkey_sign_in";
/// The login page's autofill request waits beside a sign-in the person starts with the
/// button, so neither overwrites the other's challenge.
const AUTOFILL_KEY: &str = "passkey_autofill";
/// A passkey as a login's second step, and as a step-up confirmation.
const VERIFY_KEY: &str = "passkey_verify";
const CONFIRM_KEY: &str = "passkey_confirm";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/passkey/register/start", post(register_start))
        .route("/auth/passkey/register/finish", post(register_finish))
        .route("/auth/passkey/login/start", post(login_start))
        .route("/auth/passkey/login/finish", post(login_finish))
        .route("/auth/passkey/verify/start", post(verify_start))
        .route("/auth/passkey/verify/finish", post(verify_finish))
        .route("/auth/passkey/confirm/start", post(confirm_start))
        .route("/auth/passkey/confirm/finish", post(confirm_finish))
}

#[derive(Debug, Default, Deserialize)]
struct StartBody {
    /// The new passkey's name (registration).
    #[serde(default)]
    name: String,
    /// A sign-in for the username field's autofill (conditional mediation).
    #[serde(default)]
    autofill: bool,
}

#[derive(Debug, Default, Deserialize)]
struct FinishBody {
    #[serde(default)]
    credential: Value,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    autofill: bool,
}

fn sign_in_key(autofill: bool) -> &'static str {
    if autofill { AUTOFILL_KEY } else { SIGN_IN_KEY }
}

/// The body as JSON, or its defaults: what is missing or wrong is the domain's to say
/// (after it has looked at the ceremony), so every answer comes from one place.
fn body<T: DeserializeOwned + Default>(bytes: &Bytes) -> T {
    serde_json::from_slice(bytes).unwrap_or_default()
}

async fn register_start(
    State(state): State<AppState>,
    session: Session,
    Extension(auth): Extension<RequestAuth>,
    bytes: Bytes,
) -> Response {
    let Some(auth) = auth.0 else {
        return app_error(AppError::Unauthorized);
    };
    let StartBody { name, .. } = body(&bytes);
    match passkeys::start_registration(&state, &auth, &name).await {
        Ok((options, ceremony)) => keep(&session, REGISTRATION_KEY, &ceremony, options).await,
        Err(e) => error(e),
    }
}

async fn register_finish(
    State(state): State<AppState>,
    session: Session,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    bytes: Bytes,
) -> Response {
    let Some(auth) = auth.0 else {
        return app_error(AppError::Unauthorized);
    };
    let ceremony = take::<Registration>(&session, REGISTRATION_KEY).await;
    let FinishBody { credential, .. } = body(&bytes);
    match passkeys::finish_registration(&state, &auth, ceremony, &credential, &client).await {
        Ok(name) => {
            let notice =
                format!("Passkey \u{201c}{name}\u{201d} added. You can sign in with it now.");
            // The page reloads to show the list; the notice waits for the passkeys card.
            browser_state::put_flash(&session, &FormFlash::notice(PASSKEYS.id, notice.clone()))
                .await;
            Json(json!({ "name": name, "message": notice })).into_response()
        }
        Err(e) => error(e),
    }
}

async fn login_start(State(state): State<AppState>, session: Session, bytes: Bytes) -> Response {
    let StartBody { autofill, .. } = body(&bytes);
    match passkeys::start_sign_in(&state) {
        Ok((options, ceremony)) => keep(&session, sign_in_key(autofill), &ceremony, options).await,
        Err(e) => error(e),
    }
}

async fn login_finish(
    State(state): State<AppState>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    bytes: Bytes,
) -> Response {
    let FinishBody {
        credential,
        next,
        autofill,
    } = body(&bytes);
    let ceremony = take::<SignIn>(&session, sign_in_key(autofill)).await;
    match passkeys::finish_sign_in(&state, ceremony, &credential, &client).await {
        Ok((_, tokens)) => signed_in(&state, &tokens, next.as_deref()),
        Err(e) => error(e),
    }
}

/// A finished login: the session's cookies, and where the page goes next.
fn signed_in(state: &AppState, tokens: &IssuedTokens, next: Option<&str>) -> Response {
    let next = validate::safe_next(next).unwrap_or_else(|| "/profile".into());
    let mut res = Json(json!({ "next": next })).into_response();
    for cookie in state.cookies.for_tokens(tokens) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

/// The account of the login waiting in this browser for its second step.
async fn pending_user(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<(String, crate::domain::UserId), Response> {
    let token = super::cookies::read(headers, &state.cookies.pending_login)
        .ok_or_else(|| app_error(AppError::from(Error::Refused(Refusal::LoginExpired))))?;
    match pending::account(state, &token).await {
        Ok(user) => Ok((token, user.id)),
        Err(e) => Err(app_error(e.into())),
    }
}

async fn verify_start(
    State(state): State<AppState>,
    session: Session,
    headers: axum::http::HeaderMap,
) -> Response {
    let (_, user_id) = match pending_user(&state, &headers).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    match passkeys::start_for_user(&state, &user_id).await {
        Ok((options, check)) => keep(&session, VERIFY_KEY, &check, options).await,
        Err(e) => error(e),
    }
}

/// A verified passkey of the waiting account finishes its login, as a code would.
async fn verify_finish(
    State(state): State<AppState>,
    session: Session,
    headers: axum::http::HeaderMap,
    Extension(client): Extension<ClientInfo>,
    bytes: Bytes,
) -> Response {
    let (token, user_id) = match pending_user(&state, &headers).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let FinishBody {
        credential, next, ..
    } = body(&bytes);
    let check = take(&session, VERIFY_KEY).await;
    if let Err(e) = passkeys::finish_for_user(&state, &user_id, check, &credential).await {
        return error(e);
    }
    match pending::complete(&state, &token, pending::Proof::Passkey, &client).await {
        Ok((_, tokens)) => {
            let mut res = signed_in(&state, &tokens, next.as_deref());
            res.headers_mut()
                .append(header::SET_COOKIE, state.cookies.pending_login_cleared());
            res
        }
        Err(e) => app_error(e.into()),
    }
}

async fn confirm_start(
    State(state): State<AppState>,
    session: Session,
    Extension(auth): Extension<RequestAuth>,
) -> Response {
    let Some(auth) = auth.0 else {
        return app_error(AppError::Unauthorized);
    };
    match passkeys::start_for_user(&state, &auth.user.id).await {
        Ok((options, check)) => keep(&session, CONFIRM_KEY, &check, options).await,
        Err(e) => error(e),
    }
}

/// A verified passkey of the signed-in account renews its step-up window.
async fn confirm_finish(
    State(state): State<AppState>,
    session: Session,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    bytes: Bytes,
) -> Response {
    let Some(auth) = auth.0 else {
        return app_error(AppError::Unauthorized);
    };
    let FinishBody {
        credential, next, ..
    } = body(&bytes);
    let check = take(&session, CONFIRM_KEY).await;
    if let Err(e) = passkeys::finish_for_user(&state, &auth.user.id, check, &credential).await {
        return error(e);
    }
    match step_up::confirm(&state, &auth, step_up::Proof::Passkey, &client).await {
        Ok(()) => {
            let next = validate::safe_next(next.as_deref()).unwrap_or_else(|| "/profile".into());
            Json(json!({ "next": next })).into_response()
        }
        Err(e) => app_error(e.into()),
    }
}

/// Keeps a ceremony in the browser state and answers its options.
pub(crate) async fn keep<T: Serialize>(
    session: &Session,
    key: &str,
    ceremony: &T,
    options: Value,
) -> Response {
    match session.insert(key, ceremony).await {
        Ok(()) => Json(options).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "storing a passkey ceremony");
            app_error(AppError::Unavailable)
        }
    }
}

/// Takes (and so spends) a ceremony from the browser state.
pub(crate) async fn take<T: DeserializeOwned>(session: &Session, key: &str) -> Option<T> {
    session.remove::<T>(key).await.unwrap_or_else(|e| {
        tracing::warn!(error = ?e, "reading a passkey ceremony");
        None
    })
}

/// An error in the endpoints' shape: `{"code", "message"}` with its status.
pub(crate) fn error(e: PasskeyError) -> Response {
    let (status, code, message) = match e {
        PasskeyError::App(e) => return app_error(e.into()),
        PasskeyError::Disabled => (
            StatusCode::NOT_FOUND,
            "passkeys_disabled",
            "Passkeys are not available on this server.",
        ),
        PasskeyError::NoCeremony => (
            StatusCode::BAD_REQUEST,
            "no_ceremony",
            "No passkey request is under way in this browser (it was used already, or never started). Please try again.",
        ),
        PasskeyError::Expired => (
            StatusCode::GONE,
            "ceremony_expired",
            "The passkey request expired. Please try again.",
        ),
        PasskeyError::Malformed(detail) => {
            tracing::info!(detail, "malformed passkey credential");
            (
                StatusCode::BAD_REQUEST,
                "malformed_credential",
                "The browser's answer could not be read as a passkey. Please try again.",
            )
        }
        PasskeyError::Refused(reason) => {
            tracing::info!(?reason, "passkey refused");
            (
                StatusCode::BAD_REQUEST,
                "passkey_refused",
                "The passkey could not be verified. Please try again.",
            )
        }
        PasskeyError::UnknownCredential => (
            StatusCode::UNAUTHORIZED,
            "unknown_passkey",
            "This passkey is not registered here. Sign in another way, then add it from your profile.",
        ),
        PasskeyError::AlreadyRegistered => (
            StatusCode::CONFLICT,
            "passkey_exists",
            "This passkey is registered already.",
        ),
        PasskeyError::NoPasskeys => (
            StatusCode::NOT_FOUND,
            "no_passkeys",
            "This account has no passkey.",
        ),
    };
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

/// An error of the app's own kinds, with its status (and Retry-After for a 503).
fn app_error(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = serde_json::to_value(&e)
        .ok()
        .and_then(|v| v.get("code").cloned())
        .unwrap_or(Value::Null);
    let mut body = json!({ "code": code, "message": crate::forms::form_message(&e) });
    if let AppError::Invalid { fields } = &e {
        body["fields"] = json!(fields);
    }
    let mut res = (status, Json(body)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, RETRY_AFTER_SECONDS.into());
    }
    res
}
