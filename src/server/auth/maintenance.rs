//! Housekeeping: rows nobody can use any more are deleted, so the tables stay the size of
//! the live data. Runs hourly in the background (and on demand in tests).

use crate::server::{db, error::Result, state::AppState};

/// Revoked sessions are kept this long (a day) so the Devices page and the admins can
/// still see what ended recently; expired ones go at once.
pub const REVOKED_SESSION_RETENTION_SECONDS: i64 = 86_400;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub browser_states: u64,
    pub one_time_tokens: u64,
    pub pending_logins: u64,
    pub outbox: u64,
    pub audit_events: u64,
    /// Authorization codes and app grants (the OpenID Provider's).
    pub app_tokens: u64,
}

/// Spent or expired one-time links and sent mail are kept this long (a week) for
/// support questions ("I never got the mail"), then deleted.
pub const SPENT_ROW_RETENTION_SECONDS: i64 = 7 * 86_400;

pub async fn purge(state: &AppState) -> Result<Purged> {
    let now = state.clock.unix();
    let sessions =
        db::sessions::purge(&state.db.pool, now, now - REVOKED_SESSION_RETENTION_SECONDS).await?;
    let browser_states = db::browser_states::delete_expired(&state.db.pool, now).await?;
    let one_time_tokens =
        db::one_time_tokens::purge(&state.db.pool, now - SPENT_ROW_RETENTION_SECONDS).await?;
    let pending_logins = db::pending_logins::purge(&state.db.pool, now).await?;
    // Used codes stay a day, so a replay is still recognised and revokes its grant.
    let app_tokens = db::provider::codes::delete_expired(&state.db.pool, now - 86_400).await?
        + db::provider::grants::purge(&state.db.pool, now - REVOKED_SESSION_RETENTION_SECONDS)
            .await?;
    let outbox = db::outbox::purge_done(&state.db.pool, now - SPENT_ROW_RETENTION_SECONDS).await?;
    let retention = crate::server::clock::seconds(state.settings.accounts.audit_retention);
    let audit_events = if retention > 0 {
        db::audit::purge_before(&state.db.pool, now - retention).await?
    } else {
        0
    };
    // The overview shows 30 days; a year of counts is kept for a longer look by hand.
    db::daily_counts::purge_before(&state.db.pool, now.div_euclid(86_400) - 366).await?;
    state.throttle.forget_idle();
    Ok(Purged {
        sessions,
        browser_states,
        one_time_tokens,
        pending_logins,
        outbox,
        audit_events,
        app_tokens,
    })
}
