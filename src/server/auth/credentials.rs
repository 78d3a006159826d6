//! Changing what proves who you are, while logged in: the password and the address.

use super::audit::AuditEvent;
use super::{
    ClientInfo, audit, one_time, passwords::Password, sessions::Authenticated, verification,
};
use crate::domain::TokenPurpose;
use crate::{
    server::{
        db::{self, users::UserRow},
        error::{Error, Result, SensitiveAction},
        mail::Email,
        state::AppState,
    },
    validate::{self, FieldErrors},
};

const NO_PASSWORD: &str =
    "Your account has no password yet. Use “Forgot your password?” on the login page to set one.";

/// Checks the current password of a logged-in user (a field error when wrong).
async fn confirm_current(
    state: &AppState,
    auth: &Authenticated,
    password: &Password,
    field: &str,
    client_ip: Option<&str>,
) -> Result<()> {
    let Some(hash) = auth.user.password_hash.as_deref() else {
        return Err(Error::field(field, NO_PASSWORD));
    };
    if password.expose().is_empty() {
        return Err(Error::field(field, "Enter your current password."));
    }
    // A stolen session must not become a way to guess the password: same budgets as login.
    state
        .throttle
        .check_password_attempt(&auth.user.id, client_ip)
        .await?;
    let ok = state.hasher.verify(password, Some(hash)).await?.ok;
    state
        .throttle
        .finish_password_attempt(&auth.user.id, client_ip, ok)
        .await;
    if !ok {
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
    client: &ClientInfo,
) -> Result<()> {
    super::step_up::require(state, auth, SensitiveAction::ChangePassword)?;
    let user = &auth.user;
    let policy = state.settings.password_policy();
    let inputs = [
        user.username.as_str(),
        user.email.as_str(),
        user.display_name.as_deref().unwrap_or(""),
    ];
    let mut fields = FieldErrors::new();
    if let Err(e) = validate::changed_password(current.expose(), new.expose(), &policy, &inputs) {
        fields.insert("new_password".into(), e);
    }
    // Only a wrong password is a field error; anything else (throttled, hasher busy,
    // store down) refuses the whole change: it must never pass as "checked".
    match confirm_current(
        state,
        auth,
        current,
        "current_password",
        client.ip.as_deref(),
    )
    .await
    {
        Ok(()) => {}
        Err(Error::Invalid(current_errors)) => fields.extend(current_errors),
        Err(e) => return Err(e),
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    super::breach::check(state, new, "new_password").await?;
    let hash = state.hasher.hash(new).await?;
    let mut tx = state.db.begin().await?;
    store_new_password(
        state,
        &mut tx,
        user,
        &hash,
        Some(&auth.session_id),
        NewPassword::Changed,
        client,
    )
    .await?;
    tx.commit().await?;
    state.auth_cache.forget_user(&user.id);
    state.mailer.wake();
    Ok(())
}

/// Why a password is being replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NewPassword {
    /// The owner changed it, knowing the old one.
    Changed,
    /// Set with an emailed reset link.
    Reset,
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
    how: NewPassword,
    client: &ClientInfo,
) -> Result<()> {
    let now = state.clock.unix();
    // A new credentials epoch: every link issued before (reset, verification, a pending
    // change of address or its cancel link) is dead, whoever asked for it.
    db::users::change_password_hash(&mut **tx, &user.id, hash, now).await?;
    db::one_time_tokens::invalidate_all_for_user_except(
        &mut **tx,
        &user.id,
        TokenPurpose::CancelEmailChange,
        now,
    )
    .await?;
    let by_reset = how == NewPassword::Reset;
    let reason = if by_reset {
        "password_reset"
    } else {
        "password_changed"
    };
    let revoked = db::sessions::revoke_all_for_user(&mut **tx, &user.id, keep, reason, now).await?;
    let name = verification::greeting(user);
    let providers = db::identities::for_user(&mut **tx, &user.id)
        .await?
        .into_iter()
        .map(|i| super::oauth::display_name(state, &i.provider))
        .collect();
    state
        .mailer
        .enqueue(
            &mut **tx,
            &user.email,
            Email::PasswordChanged {
                name,
                by_reset,
                providers,
            },
        )
        .await?;
    audit::record(
        &mut **tx,
        if by_reset {
            AuditEvent::PasswordReset {
                sessions_revoked: revoked,
            }
        } else {
            AuditEvent::PasswordChanged {
                sessions_revoked: revoked,
            }
        },
        Some(&user.id),
        Some(&user.id),
        client,
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
    super::step_up::require(state, auth, SensitiveAction::ChangeEmail)?;
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
    match confirm_current(state, auth, current, "email_password", client.ip.as_deref()).await {
        Ok(()) => {}
        Err(Error::Invalid(current_errors)) => fields.extend(current_errors),
        // Throttled, busy or unavailable: refuse, never treat as checked.
        Err(e) => return Err(e),
    }
    let Some(email) = email.filter(|_| fields.is_empty()) else {
        return Err(Error::Invalid(fields));
    };
    state
        .throttle
        .check_client(super::throttle::Spend::Mail, client.ip.as_deref())
        .await?;
    // At most one confirmation per account per resend interval (README's promise).
    if verification::recently_sent(state, user, TokenPurpose::ChangeEmail).await? {
        return Err(Error::TooManyRequests);
    }
    if db::users::find_by_login(&state.db.pool, email.as_str())
        .await?
        .is_some()
    {
        // The same traces as a real request (a spent link in place of a live one), so the
        // resend throttle answers a follow-up request alike for taken and free addresses.
        let now = state.clock.unix();
        let mut tx = state.db.begin().await?;
        db::one_time_tokens::invalidate_for_user(
            &mut *tx,
            &user.id,
            TokenPurpose::ChangeEmail,
            now,
        )
        .await?;
        one_time::issue(
            &mut *tx,
            user,
            TokenPurpose::ChangeEmail,
            Some(email.as_str()),
            state.settings.accounts.verify_email_ttl,
            state.clock.unix(),
        )
        .await?;
        db::one_time_tokens::invalidate_for_user(
            &mut *tx,
            &user.id,
            TokenPurpose::ChangeEmail,
            now,
        )
        .await?;
        audit::record(
            &mut *tx,
            AuditEvent::EmailChangeRequested {
                to: None,
                taken: true,
            },
            Some(&user.id),
            Some(&user.id),
            client,
        )
        .await;
        tx.commit().await?;
        return Ok(email.into_inner());
    }
    let now = state.clock.unix();
    let ttl = state.settings.accounts.verify_email_ttl;
    let mut tx = state.db.begin().await?;
    db::one_time_tokens::invalidate_for_user(&mut *tx, &user.id, TokenPurpose::ChangeEmail, now)
        .await?;
    let raw = one_time::issue(
        &mut *tx,
        user,
        TokenPurpose::ChangeEmail,
        Some(email.as_str()),
        ttl,
        state.clock.unix(),
    )
    .await?;
    // The old address can undo this with one click, without logging in.
    // It carries the old address, so it can also undo a change already confirmed.
    let cancel_raw = one_time::issue(
        &mut *tx,
        user,
        TokenPurpose::CancelEmailChange,
        Some(&user.email),
        ttl,
        state.clock.unix(),
    )
    .await?;
    let name = verification::greeting(user);
    let link = state.mailer.link("/verify-email", &raw);
    let cancel_link = state.mailer.link("/cancel-email-change", &cancel_raw);
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
                cancel_link,
            },
        )
        .await?;
    audit::record(
        &mut *tx,
        AuditEvent::EmailChangeRequested {
            to: Some(email.as_str().to_string()),
            taken: false,
        },
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    tx.commit().await?;
    state.mailer.wake();
    Ok(email.into_inner())
}
