//! `/api/v1/auth/...`: the emailed links: verification, a new verification link, a reset
//! link, and setting a password with one.

use super::types::{EmailOnly, ErrorBody, ErrorCode, LoginOnly, Message, ResetBody, TokenBody};
use super::{ApiError, ApiResult, Body};
use crate::{
    errors::LinkProblem,
    model::VerifyOutcome,
    server::{
        auth::{ClientInfo, passwords::Password, recovery, verification},
        error::Error,
        state::AppState,
    },
};
use axum::{Extension, Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
        .routes(routes!(request_password_reset))
        .routes(routes!(reset_password))
}

fn message(text: &str) -> Json<Message> {
    Json(Message::new(text))
}

#[utoipa::path(post, path = "/auth/verify-email", tag = "email", request_body = TokenBody,
    responses((status = 200, description = "Verified", body = Message),
        (status = 400, description = "Link not valid", body = ErrorBody),
        (status = 409, description = "Address taken meanwhile", body = ErrorBody),
        (status = 410, description = "Link expired or used", body = ErrorBody)))]
pub async fn verify_email(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<TokenBody>,
) -> ApiResult<Json<Message>> {
    use VerifyOutcome as V;
    match verification::follow(&state, &body.token, &client).await? {
        V::Verified { .. } | V::EmailChanged { .. } => {
            Ok(message("Your email address is verified."))
        }
        V::AlreadyVerified => Ok(message("This address was already verified.")),
        V::Refused(problem) => Err(Error::Link(problem).into()),
        // `follow` spends the link, so it never asks for a confirmation.
        V::Confirm { .. } => Err(Error::Link(LinkProblem::Invalid).into()),
        V::EmailTaken => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            "Another account uses this address now.",
        )),
    }
}

const SENT_IF_EXISTS: &str =
    "If an account with that address exists and needs it, we have sent an email.";

#[utoipa::path(post, path = "/auth/resend-verification", tag = "email", request_body = LoginOnly,
    responses((status = 202, description = "Sent if needed", body = Message), (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody)))]
pub async fn resend_verification(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<LoginOnly>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    verification::resend(&state, &body.login, &client).await?;
    Ok((StatusCode::ACCEPTED, message(SENT_IF_EXISTS)))
}

#[utoipa::path(post, path = "/auth/request-password-reset", tag = "email", request_body = EmailOnly,
    responses((status = 202, description = "Sent if the account exists", body = Message), (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody)))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<EmailOnly>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    recovery::request(&state, &body.email, &client).await?;
    Ok((StatusCode::ACCEPTED, message(SENT_IF_EXISTS)))
}

#[utoipa::path(post, path = "/auth/reset-password", tag = "email", request_body = ResetBody,
    responses((status = 200, description = "Password changed", body = Message),
        (status = 400, description = "Link not valid", body = ErrorBody),
        (status = 410, description = "Link expired or used", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody)))]
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
