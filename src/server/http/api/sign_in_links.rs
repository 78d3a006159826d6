//! `/api/v1/auth/sign-in-link`: passwordless sign-in by emailed link, when the server has
//! `accounts.sign_in_links` on.

use super::types::{EmailOnly, ErrorBody, ErrorCode, LoginAnswer, Message, TokenBody};
use super::{ApiError, ApiResult, Body};
use crate::server::{
    auth::{ClientInfo, sign_in_links},
    state::AppState,
};
use axum::{Extension, Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_sign_in_link))
        .routes(routes!(sign_in_with_link))
}

/// Refused before anything else when the server does not offer sign-in links.
fn require_enabled(state: &AppState) -> ApiResult<()> {
    if sign_in_links::enabled(state) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::FeatureDisabled,
        "Sign-in links are turned off on this server (accounts.sign_in_links).",
    ))
}

#[utoipa::path(post, path = "/auth/sign-in-link", tag = "auth", request_body = EmailOnly,
    responses((status = 202, description = "Sent if the account exists (the same answer either way)", body = Message),
        (status = 404, description = "Sign-in links are turned off (`feature_disabled`)", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody)))]
pub async fn request_sign_in_link(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<EmailOnly>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    require_enabled(&state)?;
    sign_in_links::request(&state, &body.email, &client).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Message::new(
            "If an account uses that address, we have sent it a sign-in link.",
        )),
    ))
}

#[utoipa::path(post, path = "/auth/sign-in-link/verify", tag = "auth", request_body = TokenBody,
    responses((status = 200, description = "As POST /auth/login: tokens, or a second factor is needed (`mfa_required`, `mfa_token`: finish with POST /auth/mfa/verify)", body = LoginAnswer),
        (status = 400, description = "Link not valid", body = ErrorBody),
        (status = 403, description = "Account deactivated", body = ErrorBody),
        (status = 404, description = "Sign-in links are turned off (`feature_disabled`)", body = ErrorBody),
        (status = 410, description = "Link expired or used", body = ErrorBody)))]
pub async fn sign_in_with_link(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<TokenBody>,
) -> ApiResult<Json<LoginAnswer>> {
    require_enabled(&state)?;
    let (user, outcome) = sign_in_links::sign_in(&state, &body.token, &client).await?;
    Ok(Json(LoginAnswer::new(&user, outcome, state.clock.unix())))
}
