//! `/api/v1/auth/...`: the emailed links: verification, a new verification link, a reset
//! link, and setting a password with one.

use super::{ApiResult, Body};
use crate::server::{
    auth::{ClientInfo, passwords::Password, recovery, verification},
    state::AppState,
};
use axum::{Extension, Json, Router, extract::State, http::StatusCode, routing::post};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/verify-email", post(verify_email))
        .route("/auth/resend-verification", post(resend_verification))
        .route("/auth/request-password-reset", post(request_password_reset))
        .route("/auth/reset-password", post(reset_password))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenBody {
    token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Message {
    detail: String,
}

pub(super) fn message(text: &str) -> Json<Message> {
    Json(Message {
        detail: text.to_string(),
    })
}

#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "email", request_body = TokenBody,
    responses((status = 200, description = "Verified", body = Message),
        (status = 400, description = "Link not valid", body = super::ErrorBody),
        (status = 409, description = "Address taken meanwhile", body = super::ErrorBody),
        (status = 410, description = "Link expired or used", body = super::ErrorBody)))]
pub async fn verify_email(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<TokenBody>,
) -> ApiResult<Json<Message>> {
    use crate::{errors::AppError, model::VerifyOutcome as V};
    match verification::follow(&state, &body.token, &client).await? {
        V::Verified { .. } | V::EmailChanged { .. } => {
            Ok(message("Your email address is verified."))
        }
        V::AlreadyVerified => Ok(message("This address was already verified.")),
        V::Expired => Err(AppError::LinkExpired.into()),
        V::AlreadyUsed => Err(AppError::LinkUsed.into()),
        V::Invalid | V::Confirm { .. } => Err(AppError::LinkInvalid.into()),
        V::EmailTaken => Err(AppError::Conflict {
            message: "Another account uses this address now.".into(),
        }
        .into()),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginOnly {
    /// Username or email.
    login: String,
}

const SENT_IF_EXISTS: &str =
    "If an account with that address exists and needs it, we have sent an email.";

#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "email", request_body = LoginOnly,
    responses((status = 202, description = "Sent if needed", body = Message), (status = 422, description = "Invalid fields", body = super::ErrorBody),
        (status = 429, description = "Too many requests", body = super::ErrorBody)))]
pub async fn resend_verification(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<LoginOnly>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    verification::resend(&state, &body.login, &client).await?;
    Ok((StatusCode::ACCEPTED, message(SENT_IF_EXISTS)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EmailOnly {
    email: String,
}

#[utoipa::path(post, path = "/api/v1/auth/request-password-reset", tag = "email", request_body = EmailOnly,
    responses((status = 202, description = "Sent if the account exists", body = Message), (status = 422, description = "Invalid fields", body = super::ErrorBody),
        (status = 429, description = "Too many requests", body = super::ErrorBody)))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<EmailOnly>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    recovery::request(&state, &body.email, &client).await?;
    Ok((StatusCode::ACCEPTED, message(SENT_IF_EXISTS)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetBody {
    token: String,
    new_password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "email", request_body = ResetBody,
    responses((status = 200, description = "Password changed", body = Message),
        (status = 400, description = "Link not valid", body = super::ErrorBody),
        (status = 410, description = "Link expired or used", body = super::ErrorBody), (status = 422, description = "Invalid fields", body = super::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<ResetBody>,
) -> ApiResult<Json<Message>> {
    let new = Password::new(body.new_password);
    let (_, providers) = recovery::reset(&state, &body.token, &new, &client).await?;
    let mut text =
        "Your password has been changed and every session ended. Log in with the new password."
            .to_string();
    if !providers.is_empty() {
        text.push_str(&format!(
            " Still connected: {}. Disconnect any you did not connect.",
            providers.join(", ")
        ));
    }
    Ok(message(&text))
}
