//! Security events. A failure to write one is logged but never fails the user's request.

mod event;

pub use event::{
    Actor, AuditEvent, FactorMethod, Generation, LoginFailure, LoginMethod, RevokeScope,
    SecondProof,
};

use super::ClientInfo;
use crate::server::db::{self, Exec, audit::NewEvent};

/// Records an event through `e` (the pool, or the transaction of the change it reports).
pub async fn record<'c>(
    e: impl Exec<'c>,
    event: AuditEvent,
    user_id: Option<&str>,
    actor_id: Option<&str>,
    client: &ClientInfo,
) {
    let kind = event.kind().as_str();
    let detail = event.detail();
    let row = NewEvent {
        kind,
        user_id,
        actor_id,
        ip: client.ip.as_deref(),
        user_agent: client.user_agent.as_deref(),
        detail: &detail,
    };
    match db::audit::insert(e, row, db::now()).await {
        Ok(()) => tracing::info!(kind, user_id, "audit"),
        Err(e) => tracing::error!(kind, user_id, error = ?e, "could not write audit event"),
    }
}

/// Records an event after the answer has gone: for events on paths whose timing must not
/// depend on the event (a failed login of an unknown name costs what a wrong password
/// costs).
pub fn record_later(
    state: &crate::server::state::AppState,
    event: AuditEvent,
    user_id: Option<String>,
    client: &ClientInfo,
) {
    let pool = state.db.pool.clone();
    let client = client.clone();
    tokio::spawn(async move {
        record(&pool, event, user_id.as_deref(), None, &client).await;
    });
}

/// A user's newest events.
pub async fn recent_for(
    state: &crate::server::state::AppState,
    user_id: &str,
    limit: i64,
) -> crate::server::error::Result<Vec<db::audit::EventRow>> {
    Ok(db::audit::recent_for_user(&state.db.pool, user_id, limit).await?)
}
