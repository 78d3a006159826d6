//! The signed-in user's devices: their live sessions, and signing one, the others or all
//! of them out. A revoked session stops working on its next request, because every
//! request checks its session row.

use super::{
    ClientInfo,
    audit::{self, Actor, AuditEvent, RevokeScope},
    sessions::Authenticated,
};
use crate::domain::SessionId;
use crate::server::{
    db::{self, sessions::SessionRow},
    error::{Error, Result},
    state::AppState,
};

/// The user's live sessions, most recently used first.
pub async fn list(state: &AppState, auth: &Authenticated) -> Result<Vec<SessionRow>> {
    Ok(db::sessions::list_live_for_user(&state.db.pool, &auth.user.id, state.clock.unix()).await?)
}

/// Signs out one of the user's own sessions (possibly this one). Someone else's session
/// id is answered like an unknown one.
pub async fn sign_out(
    state: &AppState,
    auth: &Authenticated,
    session_id: &SessionId,
    client: &ClientInfo,
) -> Result<()> {
    let owned = db::sessions::find_by_id(&state.db.pool, session_id)
        .await?
        .filter(|s| s.user_id == auth.user.id && s.revoked_at.is_none());
    if owned.is_none() {
        return Err(Error::NotFound);
    }
    if db::sessions::revoke(
        &state.db.pool,
        session_id,
        "signed_out_by_user",
        state.clock.unix(),
    )
    .await?
    {
        state.auth_cache.forget_user(&auth.user.id);
        audit::record(
            &state.db.pool,
            AuditEvent::SessionRevoked {
                scope: RevokeScope::One,
                by: Actor::Owner,
                session_id: Some(session_id.clone()),
                count: 1,
            },
            Some(&auth.user.id),
            Some(&auth.user.id),
            client,
        )
        .await;
    }
    Ok(())
}

/// Which of the caller's sessions a sign-out ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOut {
    /// Every session but the caller's own.
    OtherDevices,
    /// Every session, the caller's included.
    Everywhere,
}

/// Signs out many of the user's sessions. Returns how many ended.
pub async fn sign_out_many(
    state: &AppState,
    auth: &Authenticated,
    which: SignOut,
    client: &ClientInfo,
) -> Result<u64> {
    let (keep, reason, scope) = match which {
        SignOut::OtherDevices => (
            Some(auth.session_id.as_str()),
            "signed_out_elsewhere",
            RevokeScope::Others,
        ),
        SignOut::Everywhere => (None, "signed_out_everywhere", RevokeScope::All),
    };
    let ended = db::sessions::revoke_all_for_user(
        &state.db.pool,
        &auth.user.id,
        keep,
        reason,
        state.clock.unix(),
    )
    .await?;
    state.auth_cache.forget_user(&auth.user.id);
    audit::record(
        &state.db.pool,
        AuditEvent::SessionRevoked {
            scope,
            by: Actor::Owner,
            session_id: None,
            count: ended,
        },
        Some(&auth.user.id),
        Some(&auth.user.id),
        client,
    )
    .await;
    Ok(ended)
}
