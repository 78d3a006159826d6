//! Deleting an account, by its owner or an admin. The user row goes, and with it (by
//! cascade) sessions, identities and one-time links; mail not yet sent to the address is
//! dropped; the audit trail keeps its events but loses what identifies the person. One
//! event records the deletion itself, with no personal data.

use super::{
    ClientInfo,
    audit::{self, Actor, AuditEvent},
    passwords::Password,
    sessions::Authenticated,
};
use crate::server::{
    db::{self, users::UserRow},
    error::{AdminChange, Error, Result, SensitiveAction},
    state::AppState,
};

/// The owner deletes their own account: `confirm` must be their username, and they need
/// their password (or, without one, a login in the last ten minutes).
pub async fn delete_own(
    state: &AppState,
    auth: &Authenticated,
    password: &Password,
    confirm: &str,
    client_ip: Option<&str>,
) -> Result<()> {
    super::step_up::require(state, auth, SensitiveAction::DeleteAccount)?;
    let user = &auth.user;
    if !confirm.trim().eq_ignore_ascii_case(&user.username) {
        return Err(Error::field(
            "confirm",
            format!("Type your username, {}, to confirm.", user.username),
        ));
    }
    // Without a password, the recent login (or confirmation) above is the proof.
    if let Some(hash) = &user.password_hash {
        if password.expose().is_empty() {
            return Err(Error::field("delete_password", "Enter your password."));
        }
        state
            .throttle
            .check_password_attempt(&user.id, client_ip)
            .await?;
        let ok = state.hasher.verify(password, Some(hash)).await?.ok;
        state
            .throttle
            .finish_password_attempt(&user.id, client_ip, ok)
            .await;
        if !ok {
            return Err(Error::field(
                "delete_password",
                "That password is not right.",
            ));
        }
    }
    erase(state, user, &user.id, Actor::Owner).await
}

/// Removes the account and what identifies its owner, in one transaction.
pub(super) async fn erase(
    state: &AppState,
    user: &UserRow,
    actor_id: &str,
    by: Actor,
) -> Result<()> {
    let change = match by {
        Actor::Owner => AdminChange::DeleteOwn,
        _ => AdminChange::Delete,
    };
    let mut tx = state.db.begin().await?;
    super::last_admin::keep_an_admin(&mut tx, user, change).await?;
    db::outbox::forget_recipient(&mut *tx, &user.email).await?;
    db::audit::scrub_user(&mut *tx, &user.id).await?;
    if !db::users::delete(&mut *tx, &user.id).await? {
        return Err(Error::NotFound);
    }
    // No IP or browser: this record outlives the account and must not identify anyone.
    audit::record(
        &mut *tx,
        AuditEvent::UserDeleted { by },
        Some(&user.id),
        Some(actor_id).filter(|a| *a != user.id.as_str()),
        &ClientInfo::default(),
    )
    .await;
    tx.commit().await?;
    state.auth_cache.forget_user(&user.id);
    Ok(())
}
