//! Security events. A failure to write one is logged but never fails the user's request.

use super::ClientInfo;
use crate::server::db::{self, Exec, audit::NewEvent};
use serde_json::Value;

/// Event kinds, as stored in `audit_events.kind`.
pub mod kind {
    pub const SIGNUP: &str = "signup";
    pub const SIGNUP_ATTEMPTED: &str = "signup_attempted";
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
    pub const EMAIL_CHANGE_CANCELLED: &str = "email_change_cancelled";
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

/// Records an event after the answer has gone: for events on paths whose timing must not
/// depend on the event (a failed login of an unknown name costs what a wrong password
/// costs).
pub fn record_later(
    state: &crate::server::state::AppState,
    kind: &'static str,
    user_id: Option<String>,
    client: &ClientInfo,
    detail: Value,
) {
    let pool = state.db.pool.clone();
    let client = client.clone();
    tokio::spawn(async move {
        record(&pool, kind, user_id.as_deref(), None, &client, detail).await;
    });
}

/// An event in words for people: "New sign-in from Firefox 128 on Linux".
pub fn summary(kind: &str, detail: &str, user_agent: Option<&str>) -> String {
    let detail: Value = serde_json::from_str(detail).unwrap_or(Value::Null);
    let field = |name: &str| {
        detail
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let device = super::devices::describe(user_agent);
    match kind {
        kind::SIGNUP => "Account created".into(),
        kind::SIGNUP_ATTEMPTED => "Someone tried to sign up with your address".into(),
        kind::LOGIN_OK => match field("method").strip_prefix("oauth:") {
            Some(provider) => format!("New sign-in with {provider} from {device}"),
            None => format!("New sign-in from {device}"),
        },
        kind::LOGIN_FAILED => format!("Failed sign-in attempt from {device}"),
        kind::LOGOUT => format!("Logged out on {device}"),
        kind::REFRESH_REUSE => "A stolen session token was detected; that session was ended".into(),
        kind::PASSWORD_REHASHED => "Password storage upgraded".into(),
        kind::PROFILE_UPDATED => "Profile updated".into(),
        kind::ROLE_CHANGED => format!("Role changed from {} to {}", field("from"), field("to")),
        kind::VERIFICATION_SENT => "Verification email sent".into(),
        kind::EMAIL_VERIFIED => "Email address verified".into(),
        kind::EMAIL_CHANGE_REQUESTED => "Email address change requested".into(),
        kind::EMAIL_CHANGED => "Email address changed".into(),
        kind::EMAIL_CHANGE_CANCELLED => {
            "Email address change cancelled from the old address".into()
        }
        kind::PASSWORD_CHANGED => "Password changed".into(),
        kind::PASSWORD_RESET_REQUESTED => "Password reset requested".into(),
        kind::PASSWORD_RESET => "Password reset with an emailed link".into(),
        kind::OAUTH_LINKED => format!("{} connected", field("provider")),
        kind::OAUTH_UNLINKED => format!("{} disconnected", field("provider")),
        kind::OAUTH_STATE_MISMATCH => {
            "A sign-in with a provider was refused (state mismatch)".into()
        }
        kind::SESSION_REVOKED => match field("scope").as_str() {
            "all" if field("by") == "admin" => "Signed out everywhere by an admin".into(),
            "all" => "Signed out everywhere".into(),
            "others" => "Signed out all other devices".into(),
            _ => "A device was signed out".into(),
        },
        kind::USER_DEACTIVATED => "Account deactivated".into(),
        kind::USER_REACTIVATED => "Account reactivated".into(),
        kind::USER_DELETED => "Account deleted".into(),
        other => other.replace('_', " "),
    }
}

/// A user's newest events.
pub async fn recent_for(
    state: &crate::server::state::AppState,
    user_id: &str,
    limit: i64,
) -> crate::server::error::Result<Vec<db::audit::EventRow>> {
    Ok(db::audit::recent_for_user(&state.db.pool, user_id, limit).await?)
}
