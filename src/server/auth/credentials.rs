//! Changing what proves who you are, while logged in: the password and the address.

use super::{
    ClientInfo, audit, one_time, passwords::Password, sessions::Authenticated, verification,
};
use crate::{
    server::{
        db::{self, users::UserRow},
        error::{Error, Result},
        mail::Email,
        state::AppState,
    },
    validate::{self, FieldErrors},
};
use serde_json::json;

const NO_PASSWORD: &str =
    "Your account has no password yet. Use “Forgot your password?” on the login page to set one.";

/// Checks the current password of a logged-in user (a field error when wrong).
async fn confirm_current(
    state: &AppState,
    auth: &Authenticated,
    password: &Password,
    field: &str,
) -> Result<()> {
    let Some(hash) = auth.user.password_hash.as_deref() else {
        return Err(Error::field(field, NO_PASSWORD));
    };
    if password.expose().is_empty() {
        return Err(Error::field(field, "Enter your current password."));
    }
    if !state.hasher.verify(password, Some(hash)).await?.ok {
        return Err(Error::field(field, "That is not your current password."));
    }
    Ok(())
}

/// Replaces the password. This session stays; every other one ends.
pub async fn change_password(
    state: &AppState,
    auth: &Authenticated,
    current: &Password,
    new: &Password,
    confirm: &Password,
    client: &ClientInfo,
) -> Result<()> {
    let user = &auth.user;
    let policy = state.settings.password_policy();
    let inputs = [
        user.username.as_str(),
        user.email.as_str(),
        user.display_name.as_deref().unwrap_or(""),
    ];
    let mut fields = FieldErrors::new();
    if let Err(e) = validate::new_password(new.expose(), &policy, &inputs) {
        fields.insert("new_password".into(), e);
    } else if new.expose() == current.expose() {
        fields.insert(
            "new_password".into(),
            "Choose a password different from your current one.".into(),
        );
    }
    if let Err(e) = validate::password_confirmation(new.expose(), confirm.expose()) {
        fields.insert("new_password_confirm".into(), e);
    }
    if let Err(Error::Invalid(current_errors)) =
        confirm_current(state, auth, current, "current_password").await
    {
        fields.extend(current_errors);
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    let hash = state.hasher.hash(new).await?;
    let mut tx = state.db.begin().await?;
    store_new_password(
        state,
        &mut tx,
        user,
        &hash,
        Some(&auth.session_id),
        false,
        client,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Stores a new password hash in `tx` with what follows from it: reset links die,
/// sessions end (all but `keep`), the owner is told by mail, and the event is audited.
/// Shared by changing the password and resetting it with a link.
pub(super) async fn store_new_password(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
    hash: &str,
    keep: Option<&str>,
    by_reset: bool,
    client: &ClientInfo,
) -> Result<()> {
    let now = db::now();
    db::users::set_password_hash(&mut **tx, &user.id, hash, now).await?;
    db::one_time_tokens::invalidate_for_user(&mut **tx, &user.id, one_time::RESET_PASSWORD, now)
        .await?;
    let (reason, kind) = if by_reset {
        ("password_reset", audit::kind::PASSWORD_RESET)
    } else {
        ("password_changed", audit::kind::PASSWORD_CHANGED)
    };
    let revoked = db::sessions::revoke_all_for_user(&mut **tx, &user.id, keep, reason, now).await?;
    let name = verification::greeting(user);
    state
        .mailer
        .enqueue(
            &mut **tx,
            &user.email,
            Email::PasswordChanged { name, by_reset },
        )
        .await?;
    audit::record(
        &mut **tx,
        kind,
        Some(&user.id),
        Some(&user.id),
        client,
        json!({ "sessions_revoked": revoked }),
    )
    .await;
    Ok(())
}

/// Asks to move the account to a new address: a confirmation link goes to the new one,
/// a notice to the old one, and nothing changes until the link is followed. A taken
/// address gets the same answer as a free one (and no mail), so this cannot be used to
/// find out who has an account.
pub async fn change_email(
    state: &AppState,
    auth: &Authenticated,
    new_email: &str,
    current: &Password,
    client: &ClientInfo,
) -> Result<String> {
    let user = &auth.user;
    let mut fields = FieldErrors::new();
    let email = match validate::Email::parse(new_email) {
        Ok(email) if email.as_str().eq_ignore_ascii_case(&user.email) => {
            fields.insert("new_email".into(), "That is already your address.".into());
            None
        }
        Ok(email) => Some(email),
        Err(e) => {
            fields.insert("new_email".into(), e);
            None
        }
    };
    if let Err(Error::Invalid(current_errors)) =
        confirm_current(state, auth, current, "email_password").await
    {
        fields.extend(current_errors);
    }
    let Some(email) = email.filter(|_| fields.is_empty()) else {
        return Err(Error::Invalid(fields));
    };
    if db::users::find_by_login(&state.db.pool, email.as_str())
        .await?
        .is_some()
    {
        audit::record(
            &state.db.pool,
            audit::kind::EMAIL_CHANGE_REQUESTED,
            Some(&user.id),
            Some(&user.id),
            client,
            json!({ "taken": true }),
        )
        .await;
        return Ok(email.into_inner());
    }
    let now = db::now();
    let ttl = state.settings.accounts.verify_email_ttl_seconds;
    let mut tx = state.db.begin().await?;
    db::one_time_tokens::invalidate_for_user(&mut *tx, &user.id, one_time::CHANGE_EMAIL, now)
        .await?;
    let raw = one_time::issue(
        &mut *tx,
        &user.id,
        one_time::CHANGE_EMAIL,
        Some(email.as_str()),
        ttl,
    )
    .await?;
    let name = verification::greeting(user);
    let link = state.mailer.link("/verify-email", &raw);
    state
        .mailer
        .enqueue(
            &mut *tx,
            email.as_str(),
            Email::ConfirmNewEmail {
                name,
                new_email: email.as_str(),
                link,
            },
        )
        .await?;
    state
        .mailer
        .enqueue(
            &mut *tx,
            &user.email,
            Email::EmailChangeRequested {
                name,
                new_email: email.as_str(),
            },
        )
        .await?;
    audit::record(
        &mut *tx,
        audit::kind::EMAIL_CHANGE_REQUESTED,
        Some(&user.id),
        Some(&user.id),
        client,
        json!({ "to": email.as_str() }),
    )
    .await;
    tx.commit().await?;
    state.mailer.wake();
    Ok(email.into_inner())
}
