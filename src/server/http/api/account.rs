//! `/api/v1/auth/...`: the caller's own account (read, edit, delete, change the password)
//! and its sessions.

use super::{ApiError, ApiResult, Body, Caller};
use crate::{
    model::{DeviceView, UserView},
    server::{
        auth::{ClientInfo, accounts, credentials, devices, passwords::Password},
        state::AppState,
        views::{device_view, user_view},
    },
};
use axum::{
    Extension, Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::StatusCode,
    routing::{delete, get, put},
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/me", get(me).patch(update_me).delete(delete_me))
        .route("/auth/change-password", put(change_password))
        .route("/auth/sessions", get(list_sessions))
        .route("/auth/sessions/{id}", delete(end_session))
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The account", body = UserView), (status = 401, description = "No valid token", body = super::ErrorBody)))]
pub async fn me(Caller(auth): Caller) -> Json<UserView> {
    Json(user_view(&auth.user))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeleteMeBody {
    /// The current password (accounts without one: a login in the last ten minutes).
    #[serde(default)]
    password: String,
    /// The username, typed out to confirm.
    confirm: String,
}

#[utoipa::path(delete, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), request_body = DeleteMeBody,
    responses((status = 204, description = "Account deleted"),
        (status = 400, description = "Malformed request", body = super::ErrorBody),
        (status = 401, description = "No valid token", body = super::ErrorBody),
        (status = 409, description = "Last admin, or the login is not recent enough", body = super::ErrorBody),
        (status = 415, description = "Not JSON", body = super::ErrorBody),
        (status = 422, description = "Wrong password or confirmation", body = super::ErrorBody),
        (status = 429, description = "Too many password tries", body = super::ErrorBody)))]
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

/// Only these may change here; anything else in the body is refused, not ignored.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    display_name: Option<String>,
    bio: Option<String>,
    avatar_url: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), request_body = ProfilePatch,
    responses((status = 200, description = "Saved", body = UserView),
        (status = 400, description = "A protected or unknown field", body = super::ErrorBody),
        (status = 401, description = "No valid token", body = super::ErrorBody), (status = 422, description = "Invalid fields", body = super::ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    // Read loosely first: an unknown or protected field is a 400, not a shape error.
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> ApiResult<Json<UserView>> {
    let Ok(Json(value)) = body else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Send the changes as a JSON object.",
        ));
    };
    let patch: ProfilePatch = serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "protected_field",
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
    Ok(Json(user_view(&updated)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordBody {
    current_password: String,
    new_password: String,
}

#[utoipa::path(put, path = "/api/v1/auth/change-password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordBody,
    responses((status = 204, description = "Changed; other sessions ended"),
        (status = 401, description = "No valid token", body = super::ErrorBody), (status = 422, description = "Invalid fields", body = super::ErrorBody)))]
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

#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "Live sessions", body = [DeviceView]), (status = 401, description = "No valid token", body = super::ErrorBody)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<DeviceView>>> {
    let now = state.clock.unix();
    let list = devices::list(&state, &auth).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| device_view(s, &auth.session_id, now))
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 204, description = "Signed out"), (status = 401, description = "No valid token", body = super::ErrorBody),
        (status = 404, description = "No such session of yours", body = super::ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    devices::sign_out(&state, &auth, &id.into(), &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
