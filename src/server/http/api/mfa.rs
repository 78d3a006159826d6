//! `/api/v1` second factors: finishing a login with a code, re-authenticating before a
//! sensitive change, and the caller's authenticator app and recovery codes.

use super::types::{
    CodeBody, ErrorBody, MfaStatus, MfaVerifyBody, ReauthBody, RecoveryCodes, TokenResponse,
    TotpSetup, User,
};
use super::{ApiResult, Body, Caller};
use crate::server::{
    auth::{
        ClientInfo,
        factors::{self, pending, recovery, totp},
        passwords::Password,
        step_up,
    },
    error::Error,
    state::AppState,
};
use axum::{Extension, Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(reauth))
        .routes(routes!(status))
        .routes(routes!(begin_totp, remove_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(regenerate_codes))
}

#[utoipa::path(post, path = "/auth/mfa/verify", tag = "auth", request_body = MfaVerifyBody,
    responses((status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "The mfa_token is expired, used or unknown", body = ErrorBody),
        (status = 403, description = "Deactivated", body = ErrorBody),
        (status = 422, description = "Wrong code (the fifth ends the mfa_token)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes for this account", body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<MfaVerifyBody>,
) -> ApiResult<Json<TokenResponse>> {
    if body.code.trim().is_empty() {
        return Err(Error::field("code", "Enter a code.").into());
    }
    let (user, tokens) = pending::complete(
        &state,
        body.mfa_token.trim(),
        pending::Proof::Code(&body.code),
        &client,
    )
    .await?;
    Ok(Json(TokenResponse::new(tokens, Some(User::from(&user)))))
}

#[utoipa::path(post, path = "/auth/reauth", tag = "auth", security(("bearer" = [])), request_body = ReauthBody,
    responses((status = 204, description = "Confirmed: sensitive changes go through for the next few minutes"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Wrong password or code", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody)))]
pub async fn reauth(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    Body(body): Body<ReauthBody>,
) -> ApiResult<StatusCode> {
    let proof = match (body.code, body.password) {
        (Some(code), _) if !code.trim().is_empty() => step_up::Proof::Code(code),
        (_, Some(password)) if !password.is_empty() => {
            step_up::Proof::Password(Password::new(password))
        }
        _ => {
            return Err(
                Error::field("password", "Send a password or an authenticator code.").into(),
            );
        }
    };
    step_up::confirm(&state, &auth, proof, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/account/mfa", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The caller's second factors", body = MfaStatus),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> ApiResult<Json<MfaStatus>> {
    let f = factors::of(&state, &auth.user.id).await?;
    Ok(Json(MfaStatus {
        totp: f.totp,
        passkeys: f.passkeys,
        recovery_codes_left: f.recovery_codes_left,
    }))
}

#[utoipa::path(post, path = "/account/mfa/totp", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "Setup started (or the setup in progress)", body = TotpSetup),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Re-authenticate first (code reauth_required)", body = ErrorBody),
        (status = 409, description = "An app is already set up", body = ErrorBody)))]
pub async fn begin_totp(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> ApiResult<Json<TotpSetup>> {
    let setup = totp::begin_setup(&state, &auth).await?;
    Ok(Json(TotpSetup {
        secret: setup.secret,
        uri: setup.uri,
    }))
}

#[utoipa::path(post, path = "/account/mfa/totp/confirm", tag = "account", security(("bearer" = [])), request_body = CodeBody,
    responses((status = 200, description = "The app is on; recovery codes, shown once", body = RecoveryCodes),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 409, description = "An app is already set up", body = ErrorBody),
        (status = 422, description = "Wrong code, or no setup started", body = ErrorBody),
        (status = 429, description = "Too many wrong codes", body = ErrorBody)))]
pub async fn confirm_totp(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    Body(body): Body<CodeBody>,
) -> ApiResult<Json<RecoveryCodes>> {
    let codes = totp::confirm_setup(&state, &auth.user, &body.code, &client).await?;
    Ok(Json(RecoveryCodes { codes }))
}

#[utoipa::path(delete, path = "/account/mfa/totp", tag = "account", security(("bearer" = [])),
    responses((status = 204, description = "The app was removed"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Re-authenticate first (code reauth_required)", body = ErrorBody),
        (status = 404, description = "No app is set up", body = ErrorBody)))]
pub async fn remove_totp(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
) -> ApiResult<StatusCode> {
    totp::remove(&state, &auth, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/account/mfa/recovery-codes", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "New codes (the old ones stop working), shown once", body = RecoveryCodes),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Re-authenticate first (code reauth_required)", body = ErrorBody),
        (status = 422, description = "No second factor to stand in for", body = ErrorBody)))]
pub async fn regenerate_codes(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
) -> ApiResult<Json<RecoveryCodes>> {
    let codes = recovery::regenerate(&state, &auth, &client).await?;
    Ok(Json(RecoveryCodes { codes }))
}
