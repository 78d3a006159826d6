//! `/api/v1/users`: the admin's view of accounts. Admins only (403 for others).

use super::{ApiError, ApiResult, Body, Caller};
use crate::{
    model::AdminUserView,
    server::{
        auth::{ClientInfo, admin},
        db::users::UserOrder,
        state::AppState,
        views::admin_user_view,
    },
};
use axum::{
    Extension, Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::get,
};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/{id}", get(one).patch(update).delete(remove))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserList {
    users: Vec<AdminUserView>,
    total: i64,
    page: i64,
    pages: i64,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "A page of accounts", body = UserList), (status = 400, description = "Bad sort or page", body = super::ErrorBody), (status = 401, description = "No valid token", body = super::ErrorBody), (status = 403, description = "Admins only", body = super::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(auth): Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<UserList>> {
    let Ok(Query(query)) = query else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "page must be a whole number.",
        ));
    };
    let order = match query.sort.as_deref() {
        None | Some("newest") => UserOrder::Newest,
        Some("oldest") => UserOrder::Oldest,
        Some("last_login") => UserOrder::LastLogin,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "sort is newest, oldest or last_login.",
            ));
        }
    };
    let found = admin::users(&state, &auth, &query.q, order, query.page.unwrap_or(1)).await?;
    Ok(Json(UserList {
        users: found.items.iter().map(admin_user_view).collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
    }))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The account", body = AdminUserView), (status = 401, description = "No valid token", body = super::ErrorBody), (status = 403, description = "Admins only", body = super::ErrorBody), (status = 404, description = "No such account", body = super::ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminUserView>> {
    Ok(Json(admin_user_view(
        &admin::account(&state, &auth, &id).await?,
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    role: Option<String>,
    active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = UserPatch,
    responses((status = 200, description = "Changed", body = AdminUserView), (status = 401, description = "No valid token", body = super::ErrorBody), (status = 403, description = "Admins only", body = super::ErrorBody), (status = 404, description = "No such account", body = super::ErrorBody),
        (status = 409, description = "The last admin must stay", body = super::ErrorBody), (status = 422, description = "Invalid fields", body = super::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
    Path(id): Path<String>,
    Body(patch): Body<UserPatch>,
) -> ApiResult<Json<AdminUserView>> {
    let mut user = admin::account(&state, &auth, &id).await?;
    if let Some(role) = &patch.role {
        user = admin::set_role(&state, &auth, &id, admin::role_named(role)?, &client).await?;
    }
    if let Some(active) = patch.active {
        user = admin::set_active(&state, &auth, &id, active, &client).await?;
    }
    Ok(Json(admin_user_view(&user)))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token", body = super::ErrorBody), (status = 403, description = "Admins only", body = super::ErrorBody), (status = 404, description = "No such account", body = super::ErrorBody),
        (status = 409, description = "The last admin must stay", body = super::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    admin::delete_user(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
