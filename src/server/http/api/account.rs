//! `/api/v1/auth/...`: the caller's own account (read, edit, delete, change the password)
//! and its sessions.

use super::types::{
    ChangePasswordBody, DeleteMeBody, ErrorBody, ErrorCode, ProfilePatch, Session, User,
};
use super::{ApiError, ApiResult, Body, Caller, IdPath};
use crate::server::{
    auth::{ClientInfo, accounts, credentials, devices, passwords::Password},
    state::AppState,
};
use axum::{
    Extension, Json,
    extract::{State, rejection::JsonRejection},
    http::StatusCode,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me, update_me, delete_me))
        .routes(routes!(change_password))
        .routes(routes!(list_sessions))
        .routes(routes!(end_session))
}

#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The account", body = User), (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn me(Caller(auth): Caller) -> Json<User> {
    Json(User::from(&auth.user))
}

#[utoipa::path(delete, path = "/auth/me", tag = "auth", security(("bearer" = [])), request_body = DeleteMeBody,
    responses((status = 204, description = "Account deleted"),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 409, description = "Last admin, or the login is not recent enough", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Wrong password or confirmation", body = ErrorBody),
        (status = 429, description = "Too many password tries", body = ErrorBody)))]
pub async fn delete_me(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    Body(body): Body<DeleteMeBody>,
) -> ApiResult<StatusCode> {
    crate::server::auth::deletion::delete_own(
        &state,
        &auth,
        &Password::new(body.password),
        &body.confirm,
        client.ip.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(patch, path = "/auth/me", tag = "auth", security(("bearer" = [])), request_body = ProfilePatch,
    responses((status = 200, description = "Saved", body = User),
        (status = 400, description = "A protected or unknown field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    // Read loosely first: an unknown or protected field is a 400, not a shape error.
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> ApiResult<Json<User>> {
    let Ok(Json(value)) = body else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Send the changes as a JSON object.",
        ));
    };
    let patch: ProfilePatch = serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::ProtectedField,
            format!("Only display_name, bio and avatar_url can be changed here ({e})."),
        )
    })?;
    let user = &auth.user;
    let keep = |new: Option<String>, old: &Option<String>| {
        new.unwrap_or_else(|| old.clone().unwrap_or_default())
    };
    let updated = accounts::update_profile(
        &state,
        &user.id,
        &keep(patch.display_name, &user.display_name),
        &keep(patch.bio, &user.bio),
        &keep(patch.avatar_url, &user.avatar_url),
        &client,
    )
    .await?;
    Ok(Json(User::from(&updated)))
}

#[utoipa::path(put, path = "/auth/change-password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordBody,
    responses((status = 204, description = "Changed; other sessions ended"),
        (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    Body(body): Body<ChangePasswordBody>,
) -> ApiResult<StatusCode> {
    credentials::change_password(
        &state,
        &auth,
        &Password::new(body.current_password),
        &Password::new(body.new_password),
        &client,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "Live sessions", body = [Session]), (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<Session>>> {
    let list = devices::list(&state, &auth).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| Session::new(s, &auth.session_id))
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 204, description = "Signed out"), (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such session of yours", body = ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    devices::sign_out(&state, &auth, &id.into(), &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
