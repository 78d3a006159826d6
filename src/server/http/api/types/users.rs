//! The admin's view of accounts.

use super::timestamp;
use crate::{domain::Role, query::UserOrder, server::db::users::UserRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An account as admins see it.
#[derive(Serialize, ToSchema)]
pub struct AdminUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub active: bool,
    pub email_verified: bool,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339; null before the first login.
    #[schema(format = DateTime)]
    pub last_login_at: Option<String>,
}

impl From<&UserRow> for AdminUser {
    fn from(user: &UserRow) -> Self {
        Self {
            id: user.id.to_string(),
            username: user.username.clone(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            active: user.is_active(),
            email_verified: user.email_verified_at.is_some(),
            created_at: timestamp(user.created_at),
            last_login_at: user.last_login_at.map(timestamp),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Part of the username or email, any case; empty lists everyone.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    #[param(inline)]
    pub sort: UserOrder,
    /// From 1; a page past the end answers the last one.
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// `user` or `admin`.
    pub role: Option<String>,
    /// False deactivates the account and ends its sessions.
    pub active: Option<bool>,
}
