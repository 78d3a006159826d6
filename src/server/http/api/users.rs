//! `/api/v1/users`: the admin's view of accounts. Admins only (403 for others).

use super::types::{AdminUser, ErrorBody, ErrorCode, Page, UserListQuery, UserPatch};
use super::{ApiError, ApiResult, Body, Caller, IdPath};
use crate::server::{
    auth::{ClientInfo, admin},
    state::AppState,
};
use axum::{
    Extension, Json,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one, update, remove))
        .routes(routes!(reset_factors))
}

#[utoipa::path(get, path = "/users", tag = "admin", security(("bearer" = [])), params(UserListQuery),
    responses((status = 200, description = "A page of accounts", body = Page<AdminUser>), (status = 400, description = "Bad sort or page", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody),
        (status = 422, description = "Control characters in q", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(auth): Caller,
    query: Result<Query<UserListQuery>, QueryRejection>,
) -> ApiResult<Json<Page<AdminUser>>> {
    let Query(query) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!(
                "sort is newest, oldest or last_login, and page a whole number ({}).",
                e.body_text()
            ),
        )
    })?;
    let found = admin::users(&state, &auth, &query.q, query.sort, query.page.unwrap_or(1)).await?;
    Ok(Json(Page {
        items: found.items.iter().map(AdminUser::from).collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
        per_page: admin::PAGE_SIZE,
    }))
}

#[utoipa::path(get, path = "/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The account", body = AdminUser), (status = 401, description = "No valid token", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody), (status = 404, description = "No such account", body = ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    Caller(auth): Caller,
    IdPath(id): IdPath,
) -> ApiResult<Json<AdminUser>> {
    Ok(Json(AdminUser::from(
        &admin::account(&state, &auth, &id).await?,
    )))
}

#[utoipa::path(patch, path = "/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = UserPatch,
    responses((status = 200, description = "Changed", body = AdminUser), (status = 401, description = "No valid token", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody), (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The last admin must stay", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    IdPath(id): IdPath,
    Body(patch): Body<UserPatch>,
) -> ApiResult<Json<AdminUser>> {
    let mut user = admin::account(&state, &auth, &id).await?;
    if let Some(role) = &patch.role {
        user = admin::set_role(&state, &auth, &id, admin::role_named(role)?, &client).await?;
    }
    if let Some(active) = patch.active {
        user = admin::set_active(&state, &auth, &id, active, &client).await?;
    }
    Ok(Json(AdminUser::from(&user)))
}

#[utoipa::path(delete, path = "/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody), (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The last admin must stay", body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Caller(auth): Caller,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    admin::delete_user(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/users/{id}/mfa", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Every second factor of the account removed; the owner is told by mail"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Admins only, with a recent authentication (code reauth_required)", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody)))]
pub async fn reset_factors(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    admin::reset_factors(&state, &auth, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
