//! Which account a provider identity belongs to: linking a provider-verified address only
//! to an account whose own address is verified, creating accounts, and connecting or
//! disconnecting a provider from the profile (re-authenticated, and mailed to the owner).

use super::*;
use crate::domain::Role;
use crate::server::auth::audit::{Actor, AuditEvent, LoginMethod};
use crate::server::error::{Refusal, SensitiveAction};

/// First sign-in with this provider account: link it to the account with the same
/// address when both sides verified that address, create an account when there is none,
/// and otherwise (`None`) ask for a password login.
pub(super) async fn account_for_new_identity(
    state: &AppState,
    name: &str,
    profile: &ProviderProfile,
    client_info: &ClientInfo,
) -> Result<Option<UserRow>, OAuthError> {
    let email = profile
        .email
        .as_deref()
        .and_then(|e| validate::Email::parse(e).ok())
        .filter(|_| profile.email_verified);
    let Some(email) = email else {
        // No verified address: never match an account by it, and do not create one. The
        // answer must not depend on whether an account uses that address.
        return Err(OAuthError::EmailMissing);
    };
    if let Some(existing) = db::users::find_by_email(&state.db.pool, email.as_str()).await? {
        if existing.email_verified_at.is_none() {
            return Ok(None);
        }
        // A deactivated account gets no new way in, not even one it cannot use yet.
        if !existing.is_active() {
            return Err(OAuthError::App(Error::AccountDeactivated));
        }
        link(
            state,
            &existing,
            name,
            profile,
            client_info,
            Linking::AtFirstSignIn,
        )
        .await?;
        return Ok(Some(existing));
    }
    create_account(state, name, profile, email.as_str(), client_info)
        .await
        .map(Some)
}

/// Why a provider account is being connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Linking {
    /// The signed-in owner asked for it (after confirming their password).
    ByOwner,
    /// A first sign-in with a provider whose verified address matches the account.
    AtFirstSignIn,
}

/// What happened to a way in, for the owner's notice.
#[derive(Clone, Copy, Debug)]
enum Change {
    Connected(Linking),
    Disconnected,
}

/// Connects a provider account to a user.
pub(super) async fn link(
    state: &AppState,
    user: &UserRow,
    name: &str,
    profile: &ProviderProfile,
    client_info: &ClientInfo,
    linking: Linking,
) -> Result<Completion, OAuthError> {
    if let Some(identity) = db::identities::find(&state.db.pool, name, &profile.subject).await? {
        return if identity.user_id == user.id {
            Ok(Completion::AlreadyLinked)
        } else {
            Err(OAuthError::LinkedElsewhere)
        };
    }
    // The link, its audit row and the owner's mail land together or not at all: a new way
    // in never exists without the notice.
    let mut tx = state.db.begin().await?;
    match db::identities::insert(
        &mut *tx,
        &user.id,
        name,
        &profile.subject,
        profile.email.as_deref(),
        state.clock.unix(),
    )
    .await
    {
        Ok(()) => {}
        // The user has another account at this provider connected already.
        Err(LinkError::AlreadyLinked) => return Err(OAuthError::LinkedElsewhere),
        Err(LinkError::Database(e)) => return Err(e.into()),
    }
    audit::record(
        &mut *tx,
        AuditEvent::OauthLinked {
            provider: name.to_string(),
            automatic: linking == Linking::AtFirstSignIn,
        },
        Some(&user.id),
        Some(&user.id),
        client_info,
    )
    .await;
    tell_owner(state, &mut tx, user, name, Change::Connected(linking)).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Completion::Linked)
}

/// Mails the account's owner that a way in was added or removed ("not you? ...").
async fn tell_owner(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
    name: &str,
    change: Change,
) -> Result<(), Error> {
    let provider = display_name(state, name);
    let (connected, automatic) = match change {
        Change::Connected(linking) => (true, linking == Linking::AtFirstSignIn),
        Change::Disconnected => (false, false),
    };
    state
        .mailer
        .enqueue(
            &mut **tx,
            &user.email,
            crate::server::mail::Email::ProviderChanged {
                name: crate::server::auth::verification::greeting(user),
                provider: &provider,
                connected,
                automatic,
            },
        )
        .await?;
    Ok(())
}

/// Checks that the person starting to connect a provider is the owner, now: their
/// current password, or (an account without one) a login in the last ten minutes.
/// Counts against the same throttle as any password check.
pub async fn confirm_link(
    state: &AppState,
    auth: &Authenticated,
    password: &crate::server::auth::passwords::Password,
    client_info: &ClientInfo,
) -> Result<(), OAuthError> {
    match auth.user.password_hash.as_deref() {
        Some(hash) => {
            if password.expose().is_empty() {
                return Err(OAuthError::ReauthRequired { has_password: true });
            }
            state
                .throttle
                .check_password_attempt(&auth.user.id, client_info.ip.as_deref())
                .await?;
            let verified = state
                .hasher
                .verify(password, Some(hash))
                .await
                .map_err(Error::from)?;
            state
                .throttle
                .finish_password_attempt(&auth.user.id, client_info.ip.as_deref(), verified.ok)
                .await;
            if !verified.ok {
                return Err(OAuthError::ReauthRequired { has_password: true });
            }
            Ok(())
        }
        None if crate::server::auth::step_up::is_recent(state, auth) => Ok(()),
        None => Err(OAuthError::ReauthRequired {
            has_password: false,
        }),
    }
}

async fn create_account(
    state: &AppState,
    name: &str,
    profile: &ProviderProfile,
    email: &str,
    client_info: &ClientInfo,
) -> Result<UserRow, OAuthError> {
    let display_name = profile
        .name
        .as_deref()
        .map(|n| {
            n.chars()
                .take(validate::DISPLAY_NAME_MAX)
                .collect::<String>()
        })
        .and_then(|n| validate::display_name(&n).ok().flatten());
    let avatar = profile
        .avatar_url
        .as_deref()
        .and_then(|u| validate::avatar_url(u).ok().flatten());
    let now = state.clock.unix();
    for username in username_candidates(profile, email) {
        let mut tx = state.db.begin().await?;
        let inserted = db::users::insert(
            &mut *tx,
            NewUser {
                username: &username,
                email,
                password_hash: None,
                display_name: display_name.as_deref(),
                role: Role::User,
                email_verified_at: Some(now),
            },
            now,
        )
        .await;
        let user = match inserted {
            Ok(user) => user,
            Err(InsertError::Taken(Taken::Username)) => continue,
            // Someone signed up with this address a moment ago.
            Err(InsertError::Taken(Taken::Email)) => return Err(OAuthError::NeedsPasswordLogin),
            Err(InsertError::Database(e)) => return Err(e.into()),
        };
        if let Some(avatar) = &avatar {
            db::users::update_profile(
                &mut *tx,
                &user.id,
                display_name.as_deref(),
                None,
                Some(avatar),
                now,
            )
            .await?;
        }
        db::identities::insert(&mut *tx, &user.id, name, &profile.subject, Some(email), now)
            .await
            .map_err(|e| match e {
                LinkError::AlreadyLinked => OAuthError::LinkedElsewhere,
                LinkError::Database(e) => e.into(),
            })?;
        audit::record(
            &mut *tx,
            AuditEvent::Signup {
                method: LoginMethod::Provider(name.to_string()),
                role: Role::User,
                by: Actor::Owner,
            },
            Some(&user.id),
            Some(&user.id),
            client_info,
        )
        .await;
        tx.commit().await?;
        return Ok(db::users::find_by_id(&state.db.pool, &user.id)
            .await?
            .unwrap_or(user));
    }
    Err(OAuthError::App(Error::Internal(anyhow::anyhow!(
        "no free username"
    ))))
}

/// Usernames to try, best first: the provider login, the address's local part, then the
/// same with a number added.
pub fn username_candidates(profile: &ProviderProfile, email: &str) -> Vec<String> {
    let clean = |s: &str| {
        let kept: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .skip_while(|c| !c.is_ascii_alphanumeric())
            .take(validate::USERNAME_MAX - 5)
            .collect();
        kept
    };
    let mut bases: Vec<String> = [profile.login.as_deref(), email.split('@').next()]
        .into_iter()
        .flatten()
        .map(clean)
        .filter(|b| validate::Username::parse(b).is_ok())
        .collect();
    bases.dedup();
    if bases.is_empty() {
        bases.push("user".into());
    }
    let mut out = bases.clone();
    let base = &bases[0];
    for _ in 0..8 {
        out.push(format!("{base}{}", rand::random::<u16>() % 10_000));
    }
    out.retain(|u| validate::Username::parse(u).is_ok());
    out
}

/// The provider accounts connected to the signed-in user.
pub async fn linked(
    state: &AppState,
    auth: &Authenticated,
) -> Result<Vec<db::identities::IdentityRow>, Error> {
    Ok(db::identities::for_user(&state.db.pool, &auth.user.id).await?)
}

/// Disconnects a provider, unless it is the account's last way to log in (no password,
/// no other provider, no passkey). The check and
/// the delete run under a lock of the account's row, so two concurrent disconnects of the
/// last two providers cannot both pass.
pub async fn unlink(
    state: &AppState,
    auth: &Authenticated,
    name: &str,
    client_info: &ClientInfo,
) -> Result<(), Error> {
    crate::server::auth::step_up::require(state, auth, SensitiveAction::DisconnectProvider)?;
    let mut tx = state.db.begin().await?;
    db::users::lock(&mut *tx, &auth.user.id).await?;
    let user = db::users::find_by_id(&mut *tx, &auth.user.id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let identities = db::identities::for_user(&mut *tx, &user.id).await?;
    if !identities.iter().any(|i| i.provider == name) {
        return Err(Error::NotFound);
    }
    let passkeys = db::passkeys::count_for_user(&mut *tx, &user.id).await?;
    if user.password_hash.is_none() && identities.len() <= 1 && passkeys == 0 {
        return Err(Error::Refused(Refusal::LastLoginMethod));
    }
    db::identities::delete(&mut *tx, &user.id, name).await?;
    audit::record(
        &mut *tx,
        AuditEvent::OauthUnlinked {
            provider: name.to_string(),
        },
        Some(&user.id),
        Some(&user.id),
        client_info,
    )
    .await;
    tell_owner(state, &mut tx, &user, name, Change::Disconnected).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}
