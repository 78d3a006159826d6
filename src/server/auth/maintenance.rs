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
}

pub async fn purge(state: &AppState) -> Result<Purged> {
    let now = db::now();
    let sessions =
        db::sessions::purge(&state.db.pool, now, now - REVOKED_SESSION_RETENTION_SECONDS).await?;
    let browser_states = db::browser_states::delete_expired(&state.db.pool, now).await?;
    state.login_throttle.forget_idle();
    Ok(Purged {
        sessions,
        browser_states,
    })
}
