//! Security events. A failure to write one is logged but never fails the user's request.

use super::ClientInfo;
use crate::server::db::{self, Exec, audit::NewEvent};
use serde_json::Value;

/// Event kinds, as stored in `audit_events.kind`.
pub mod kind {
    pub const SIGNUP: &str = "signup";
    pub const LOGIN_OK: &str = "login_ok";
    pub const LOGIN_FAILED: &str = "login_failed";
    pub const LOGOUT: &str = "logout";
    pub const REFRESH_REUSE: &str = "refresh_token_reuse";
    pub const PASSWORD_REHASHED: &str = "password_rehashed";
    pub const PROFILE_UPDATED: &str = "profile_updated";
    pub const ROLE_CHANGED: &str = "role_changed";
    pub const VERIFICATION_SENT: &str = "verification_sent";
    pub const EMAIL_VERIFIED: &str = "email_verified";
    pub const EMAIL_CHANGE_REQUESTED: &str = "email_change_requested";
    pub const EMAIL_CHANGED: &str = "email_changed";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const PASSWORD_RESET_REQUESTED: &str = "password_reset_requested";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const OAUTH_LINKED: &str = "oauth_linked";
    pub const OAUTH_UNLINKED: &str = "oauth_unlinked";
    pub const OAUTH_STATE_MISMATCH: &str = "oauth_state_mismatch";
    pub const SESSION_REVOKED: &str = "session_revoked";
    pub const USER_DEACTIVATED: &str = "user_deactivated";
    pub const USER_REACTIVATED: &str = "user_reactivated";
    pub const USER_DELETED: &str = "user_deleted";
}

/// Records an event through `e` (the pool, or the transaction of the change it reports).
pub async fn record<'c>(
    e: impl Exec<'c>,
    kind: &str,
    user_id: Option<&str>,
    actor_id: Option<&str>,
    client: &ClientInfo,
    detail: Value,
) {
    let detail = detail.to_string();
    let event = NewEvent {
        kind,
        user_id,
        actor_id,
        ip: client.ip.as_deref(),
        user_agent: client.user_agent.as_deref(),
        detail: &detail,
    };
    match db::audit::insert(e, event, db::now()).await {
        Ok(()) => tracing::info!(kind, user_id, "audit"),
        Err(e) => tracing::error!(kind, user_id, error = ?e, "could not write audit event"),
    }
}
