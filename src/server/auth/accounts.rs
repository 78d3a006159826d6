//! Account flows: signup, login and profile edit.

use super::audit::{Actor, AuditEvent, LoginFailure, LoginMethod, SecondProof};
use super::factors::pending::{LoginOutcome, after_first_factor};
use super::{
    ClientInfo, audit,
    passwords::Password,
    sessions::{self, IssuedTokens},
    throttle::Spend,
    verification,
};
use crate::domain::{AuditKind, Role};
use crate::server::clock::seconds;
use crate::{
    server::{
        db::{
            self,
            users::{InsertError, NewUser, Taken, UserRow},
        },
        error::{Error, Result},
        state::AppState,
    },
    validate::{self, FieldErrors},
};

pub struct SignupInput<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a Password,
    pub display_name: &'a str,
}

/// Creates an account, queues its verification mail (in the same transaction), and logs
/// it in unless the address must be verified first (then there are no tokens).
#[tracing::instrument(skip_all, fields(username = input.username))]
pub async fn signup(
    state: &AppState,
    input: SignupInput<'_>,
    client: &ClientInfo,
) -> Result<(UserRow, Option<IssuedTokens>)> {
    let policy = state.settings.password_policy();
    let valid = validate::new_account(
        input.username,
        input.email,
        input.password.expose(),
        input.display_name,
        &policy,
    )
    .map_err(Error::Invalid)?;
    state
        .throttle
        .check_client(Spend::Hash, client.ip.as_deref())
        .await?;
    super::breach::check(state, input.password, "password").await?;
    let hash = state.hasher.hash(input.password).await?;
    let now = state.clock.unix();
    // Insert and let the unique indexes decide: no check-then-insert race.
    let mut tx = state.db.begin().await?;
    let user = db::users::insert(
        &mut *tx,
        NewUser {
            username: valid.username.as_str(),
            email: valid.email.as_str(),
            password_hash: Some(&hash),
            display_name: valid.display_name.as_deref(),
            role: Role::User,
            email_verified_at: None,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertError::Taken(Taken::Username) => {
            Error::taken("username", "That username is taken. Please choose another.")
        }
        InsertError::Taken(Taken::Email) => Error::taken(
            "email",
            "An account with this email already exists. Log in instead, or use another address.",
        ),
        InsertError::Database(e) => Error::Database(e),
    });
    let user = match user {
        Ok(user) => user,
        Err(Error::Taken(fields))
            if fields.contains_key("email") && !state.settings.reveals_taken_email() =>
        {
            // Answer exactly as for a new address; the owner hears about it by mail.
            drop(tx);
            tell_owner_of_signup_attempt(state, valid.email.as_str(), client).await?;
            return Err(Error::SignupPending(valid.email.as_str().to_string()));
        }
        Err(e) => return Err(e),
    };
    audit::record(
        &mut *tx,
        AuditEvent::Signup {
            method: LoginMethod::Password,
            role: Role::User,
            by: Actor::Owner,
        },
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    verification::queue(state, &mut tx, &user).await?;
    tx.commit().await?;
    state.mailer.wake();
    if state.settings.accounts.require_verified_email {
        return Ok((user, None));
    }
    let tokens = begin_session(state, &user, client, LoginMethod::Signup, None).await?;
    Ok((user, Some(tokens)))
}

/// Someone tried to sign up with an address that has an account: mail its owner (at most
/// once per resend interval) instead of saying so on the page.
async fn tell_owner_of_signup_attempt(
    state: &AppState,
    email: &str,
    client: &ClientInfo,
) -> Result<()> {
    let Some(owner) = db::users::find_by_email(&state.db.pool, email).await? else {
        return Ok(());
    };
    let recent = db::audit::last_event_at(
        &state.db.pool,
        &owner.id,
        AuditKind::SignupAttempted.as_str(),
    )
    .await?
    .is_some_and(|at| {
        state.clock.unix() - at < seconds(state.settings.accounts.email_resend_interval)
    });
    if recent {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    state
        .mailer
        .enqueue(
            &mut *tx,
            &owner.email,
            crate::server::mail::Email::SignupAttempted {
                name: verification::greeting(&owner),
            },
        )
        .await?;
    audit::record(
        &mut *tx,
        AuditEvent::SignupAttempted,
        Some(&owner.id),
        None,
        client,
    )
    .await;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Logs in with a username or email and a password. Every failure that could tell an
/// attacker whether an account exists answers `InvalidCredentials`, after the same amount
/// of hashing work.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    login: &str,
    password: &Password,
    client: &ClientInfo,
) -> Result<(UserRow, LoginOutcome)> {
    let result = password_login(state, login, password, client).await;
    let outcome = match &result {
        Ok((_, LoginOutcome::Session(_))) => "ok",
        Ok((_, LoginOutcome::SecondFactor(_))) => "second_factor",
        Err(Error::TooManyRequests) => "throttled",
        Err(Error::InvalidCredentials | Error::AccountDeactivated | Error::EmailNotVerified) => {
            "failed"
        }
        Err(Error::Invalid(_)) => "invalid",
        Err(_) => "error",
    };
    metrics::counter!("gatehouse_logins_total", "outcome" => outcome).increment(1);
    result
}

async fn password_login(
    state: &AppState,
    login: &str,
    password: &Password,
    client: &ClientInfo,
) -> Result<(UserRow, LoginOutcome)> {
    let policy = state.settings.password_policy();
    let mut fields = FieldErrors::new();
    let login = validate::login_identifier(login)
        .map_err(|e| fields.insert("login".into(), e))
        .unwrap_or_default();
    if let Err(e) = validate::login_password(password.expose(), &policy) {
        fields.insert("password".into(), e);
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    // The client's budget first, before any lookup or hashing: a refused request costs
    // the server nothing and touches no account's budget.
    state
        .throttle
        .check_client(Spend::Login, client.ip.as_deref())
        .await?;
    let user = db::users::find_by_login(&state.db.pool, &login).await?;
    // One budget per account, whichever spelling was typed.
    let account_key = match &user {
        Some(u) => u.id.to_string(),
        None => format!("name:{}", login.to_lowercase()),
    };
    state
        .throttle
        .begin_password_attempt(&account_key, client.ip.as_deref())
        .await?;
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = state.hasher.verify(password, stored_hash).await?;
    state
        .throttle
        .finish_password_attempt(
            &account_key,
            client.ip.as_deref(),
            verified.ok && user.is_some(),
        )
        .await;

    // Audited after answering, so no failure costs more time than another.
    let failed = |user_id: Option<String>, reason: LoginFailure| {
        audit::record_later(state, AuditEvent::LoginFailed { reason }, user_id, client);
    };
    let Some(user) = user else {
        failed(None, LoginFailure::UnknownUser);
        return Err(Error::InvalidCredentials);
    };
    if !verified.ok {
        let reason = if user.password_hash.is_some() {
            LoginFailure::WrongPassword
        } else {
            LoginFailure::NoPassword
        };
        failed(Some(user.id.to_string()), reason);
        return Err(Error::InvalidCredentials);
    }
    // Only someone who knows the password learns that the account is deactivated.
    if !user.is_active() {
        failed(Some(user.id.to_string()), LoginFailure::Deactivated);
        return Err(Error::AccountDeactivated);
    }
    if state.settings.accounts.require_verified_email && user.email_verified_at.is_none() {
        failed(Some(user.id.to_string()), LoginFailure::EmailNotVerified);
        return Err(Error::EmailNotVerified);
    }
    if verified.needs_rehash {
        let hash = state.hasher.hash(password).await?;
        db::users::set_password_hash(&state.db.pool, &user.id, &hash, state.clock.unix()).await?;
        state.auth_cache.forget_user(&user.id);
        audit::record(
            &state.db.pool,
            AuditEvent::PasswordRehashed,
            Some(&user.id),
            Some(&user.id),
            client,
        )
        .await;
    }
    let outcome = after_first_factor(state, &user, client, LoginMethod::Password).await?;
    Ok((user, outcome))
}

/// Starts a session for someone who just proved who they are, and records the login.
/// Every way in goes through here (after the second factor, where there is one).
pub(crate) async fn begin_session(
    state: &AppState,
    user: &UserRow,
    client: &ClientInfo,
    method: LoginMethod,
    second: Option<SecondProof>,
) -> Result<IssuedTokens> {
    let tokens = sessions::start(state, user, client, &method.amr(second)).await?;
    db::users::record_login(&state.db.pool, &user.id, state.clock.unix()).await?;
    state.auth_cache.forget_user(&user.id);
    audit::record(
        &state.db.pool,
        AuditEvent::LoginSucceeded {
            session_id: tokens.session_id.clone(),
            method,
        },
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    Ok(tokens)
}

/// Edits the three fields a user may change about themselves. Username, email, role and
/// id are not parameters here, so no form can change them.
pub async fn update_profile(
    state: &AppState,
    user_id: &str,
    display_name: &str,
    bio: &str,
    avatar_url: &str,
    client: &ClientInfo,
) -> Result<UserRow> {
    let valid = validate::profile(display_name, bio, avatar_url).map_err(Error::Invalid)?;
    let user = db::users::update_profile(
        &state.db.pool,
        user_id,
        valid.display_name.as_deref(),
        valid.bio.as_deref(),
        valid.avatar_url.as_deref(),
        state.clock.unix(),
    )
    .await?
    .ok_or(Error::NotFound)?;
    state.auth_cache.forget_user(user_id);
    audit::record(
        &state.db.pool,
        AuditEvent::ProfileUpdated,
        Some(user_id),
        Some(user_id),
        client,
    )
    .await;
    Ok(user)
}
