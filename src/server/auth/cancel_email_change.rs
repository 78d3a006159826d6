//! The "this wasn't me" link mailed to the old address when someone asks to change it:
//! no login needed; it calls the change off, or undoes one already made.

use super::audit::AuditEvent;
use super::{ClientInfo, audit, one_time};
use crate::domain::TokenPurpose;
use crate::server::error::Refusal;
use crate::server::{
    db,
    error::{Error, Result},
    state::AppState,
};

/// What following a "this wasn't me" link did.
#[derive(Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The pending change was called off; the address never changed.
    Cancelled,
    /// The change had already gone through: the old address is back, and every session
    /// (the intruder's too) has ended.
    Reverted,
}

/// Whether a cancel link still works (the page asks before showing its button).
pub async fn cancel_link_status(state: &AppState, raw: &str) -> Result<crate::model::LinkStatus> {
    one_time::status(state, raw, &[TokenPurpose::CancelEmailChange]).await
}

/// Follows the one-click link mailed to the old address: no login needed, since its
/// owner may be locked out. Kills the pending change; if the change already happened,
/// puts the old address back and ends every session.
pub async fn cancel_email_change(
    state: &AppState,
    raw: &str,
    client: &ClientInfo,
) -> Result<CancelOutcome> {
    let one_time::LiveLink { token, user } =
        one_time::check(state, raw, &[TokenPurpose::CancelEmailChange]).await?;
    let old = token.email.clone().unwrap_or_default();
    let now = state.clock.unix();
    let mut tx = state.db.begin().await?;
    if !db::one_time_tokens::mark_used(&mut *tx, &token.id, now).await? {
        return Err(Error::Link(crate::server::error::LinkProblem::Used));
    }
    db::one_time_tokens::invalidate_for_user(&mut *tx, &user.id, TokenPurpose::ChangeEmail, now)
        .await?;
    let outcome = if old.is_empty() || old.eq_ignore_ascii_case(&user.email) {
        CancelOutcome::Cancelled
    } else {
        match db::users::set_email(&mut *tx, &user.id, &old, now).await {
            Ok(()) => {}
            // Someone else took the old address meanwhile: nothing to go back to.
            Err(db::users::InsertError::Taken(_)) => {
                return Err(Error::Refused(Refusal::OldAddressTaken));
            }
            Err(db::users::InsertError::Database(e)) => return Err(e.into()),
        }
        // Whoever made the change may know the password and may have connected a
        // provider: both go, every link and session ends, and the owner gets a reset link
        // at the restored address.
        db::one_time_tokens::invalidate_all_for_user(&mut *tx, &user.id, now).await?;
        db::sessions::revoke_all_for_user(&mut *tx, &user.id, None, "email_change_reverted", now)
            .await?;
        db::users::clear_password(&mut *tx, &user.id, now).await?;
        db::identities::delete_linked_since(&mut *tx, &user.id, token.created_at).await?;
        let restored = db::users::find_by_id(&mut *tx, &user.id)
            .await?
            .ok_or(Error::NotFound)?;
        super::recovery::queue_reset_link(state, &mut tx, &restored).await?;
        CancelOutcome::Reverted
    };
    audit::record(
        &mut *tx,
        AuditEvent::EmailChangeCancelled {
            reverted: outcome == CancelOutcome::Reverted,
        },
        Some(&user.id),
        None,
        client,
    )
    .await;
    tx.commit().await?;
    state.auth_cache.forget_user(&user.id);
    state.mailer.wake();
    Ok(outcome)
}
