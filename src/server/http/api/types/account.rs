//! The caller's own account and sessions.

use super::timestamp;
use crate::{
    domain::{Role, SessionId},
    server::{
        db::{sessions::SessionRow, users::UserRow},
        views,
    },
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An account as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub role: Role,
    /// False for accounts that only log in through a provider.
    pub has_password: bool,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339; null before the first login.
    #[schema(format = DateTime)]
    pub last_login_at: Option<String>,
}

impl From<&UserRow> for User {
    fn from(user: &UserRow) -> Self {
        Self {
            id: user.id.to_string(),
            username: user.username.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified_at.is_some(),
            display_name: user.display_name.clone(),
            bio: user.bio.clone(),
            avatar_url: user.avatar_url.clone(),
            role: user.role,
            has_password: user.password_hash.is_some(),
            created_at: timestamp(user.created_at),
            last_login_at: user.last_login_at.map(timestamp),
        }
    }
}

/// One signed-in device (login session).
#[derive(Serialize, ToSchema)]
pub struct Session {
    pub id: String,
    /// Browser and system read from the user agent, e.g. "Firefox 128 on Linux".
    pub description: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// When it signed in (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it was last used (RFC 3339).
    #[schema(format = DateTime)]
    pub last_used_at: String,
    /// When it ends unless used again (RFC 3339).
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Whether this is the session of the token making the request.
    pub current: bool,
}

impl Session {
    pub fn new(session: SessionRow, current_session_id: &SessionId) -> Self {
        Self {
            description: views::describe(session.user_agent.as_deref()),
            current: &session.id == current_session_id,
            created_at: timestamp(session.created_at),
            last_used_at: timestamp(session.last_used_at),
            expires_at: timestamp(session.expires_at),
            user_agent: session.user_agent,
            ip: session.ip,
            id: session.id.to_string(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteMeBody {
    /// The current password (accounts without one: a login in the last ten minutes).
    #[serde(default)]
    pub password: String,
    /// The username, typed out to confirm.
    pub confirm: String,
}

/// Only these may change here; anything else in the body is refused, not ignored.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// One line; empty clears it.
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
    /// Empty clears it.
    #[schema(max_length = 500)]
    pub bio: Option<String>,
    /// An absolute http(s) URL; empty clears it.
    #[schema(max_length = 512)]
    pub avatar_url: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    pub current_password: String,
    /// Long and strong enough for the server's password policy.
    pub new_password: String,
}
