//! Account flows: signup, login, profile edit, and creating an admin from the CLI.

use super::{
    ClientInfo, audit,
    passwords::Password,
    sessions::{self, IssuedTokens},
    verification,
};
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
use serde_json::json;

pub const ROLE_USER: &str = "user";
pub const ROLE_ADMIN: &str = "admin";

pub struct SignupInput<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a Password,
    pub password_confirm: &'a Password,
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
    let valid = validate::signup(
        input.username,
        input.email,
        input.password.expose(),
        input.password_confirm.expose(),
        input.display_name,
        &policy,
    )
    .map_err(Error::Invalid)?;
    let hash = state.hasher.hash(input.password).await?;
    let now = db::now();
    // Insert and let the unique indexes decide: no check-then-insert race.
    let mut tx = state.db.begin().await?;
    let user = db::users::insert(
        &mut *tx,
        NewUser {
            username: valid.username.as_str(),
            email: valid.email.as_str(),
            password_hash: Some(&hash),
            display_name: valid.display_name.as_deref(),
            role: ROLE_USER,
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
    })?;
    audit::record(
        &mut *tx,
        audit::kind::SIGNUP,
        Some(&user.id),
        Some(&user.id),
        client,
        json!({}),
    )
    .await;
    verification::queue(state, &mut tx, &user).await?;
    tx.commit().await?;
    state.mailer.wake();
    if state.settings.accounts.require_verified_email {
        return Ok((user, None));
    }
    let tokens = begin_session(state, &user, client, "signup").await?;
    Ok((user, Some(tokens)))
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
) -> Result<(UserRow, IssuedTokens)> {
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
    // Before any hashing: a throttled guess costs the server nothing.
    state.login_throttle.check(&login, client.ip.as_deref())?;

    let user = db::users::find_by_login(&state.db.pool, &login).await?;
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = state.hasher.verify(password, stored_hash).await?;

    let failed = |user_id: Option<String>, reason: &'static str| async move {
        audit::record(
            &state.db.pool,
            audit::kind::LOGIN_FAILED,
            user_id.as_deref(),
            None,
            client,
            json!({ "reason": reason }),
        )
        .await;
    };
    let Some(user) = user else {
        failed(None, "unknown_user").await;
        return Err(Error::InvalidCredentials);
    };
    if !verified.ok {
        let reason = if user.password_hash.is_some() {
            "wrong_password"
        } else {
            "no_password"
        };
        failed(Some(user.id.clone()), reason).await;
        return Err(Error::InvalidCredentials);
    }
    // Only someone who knows the password learns that the account is deactivated.
    if !user.is_active() {
        failed(Some(user.id.clone()), "deactivated").await;
        return Err(Error::AccountDeactivated);
    }
    if state.settings.accounts.require_verified_email && user.email_verified_at.is_none() {
        failed(Some(user.id.clone()), "email_not_verified").await;
        return Err(Error::EmailNotVerified);
    }
    if verified.needs_rehash {
        let hash = state.hasher.hash(password).await?;
        db::users::set_password_hash(&state.db.pool, &user.id, &hash, db::now()).await?;
        audit::record(
            &state.db.pool,
            audit::kind::PASSWORD_REHASHED,
            Some(&user.id),
            Some(&user.id),
            client,
            json!({}),
        )
        .await;
    }
    let tokens = begin_session(state, &user, client, "password").await?;
    Ok((user, tokens))
}

async fn begin_session(
    state: &AppState,
    user: &UserRow,
    client: &ClientInfo,
    method: &str,
) -> Result<IssuedTokens> {
    let tokens = sessions::start(state, user, client).await?;
    db::users::record_login(&state.db.pool, &user.id, db::now()).await?;
    audit::record(
        &state.db.pool,
        audit::kind::LOGIN_OK,
        Some(&user.id),
        Some(&user.id),
        client,
        json!({ "session_id": tokens.session_id, "method": method }),
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
        db::now(),
    )
    .await?
    .ok_or(Error::NotFound)?;
    audit::record(
        &state.db.pool,
        audit::kind::PROFILE_UPDATED,
        Some(user_id),
        Some(user_id),
        client,
        json!({}),
    )
    .await;
    Ok(user)
}

/// What `create-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created,
    Promoted,
    AlreadyAdmin,
}

/// Creates an admin account, or promotes the existing account with that username/email.
/// The email is taken as verified: the operator vouches for it.
pub async fn create_admin(
    state: &AppState,
    username: &str,
    email: &str,
    password: Option<&Password>,
) -> Result<(UserRow, AdminOutcome)> {
    let client = ClientInfo::new(None, Some("gatehouse create-admin".into()));
    let existing = match db::users::find_by_login(&state.db.pool, username.trim()).await? {
        Some(user) => Some(user),
        None => db::users::find_by_login(&state.db.pool, email.trim()).await?,
    };
    if let Some(user) = existing {
        if user.role == ROLE_ADMIN {
            return Ok((user, AdminOutcome::AlreadyAdmin));
        }
        db::users::set_role(&state.db.pool, &user.id, ROLE_ADMIN, db::now()).await?;
        audit::record(
            &state.db.pool,
            audit::kind::ROLE_CHANGED,
            Some(&user.id),
            None,
            &client,
            json!({ "from": user.role, "to": ROLE_ADMIN, "by": "cli" }),
        )
        .await;
        let user = db::users::find_by_id(&state.db.pool, &user.id)
            .await?
            .ok_or(Error::NotFound)?;
        return Ok((user, AdminOutcome::Promoted));
    }
    let Some(password) = password else {
        return Err(Error::field(
            "password",
            "A new admin account needs a password.",
        ));
    };
    let policy = state.settings.password_policy();
    let valid = validate::signup(
        username,
        email,
        password.expose(),
        password.expose(),
        "",
        &policy,
    )
    .map_err(Error::Invalid)?;
    let hash = state.hasher.hash(password).await?;
    let now = db::now();
    let user = db::users::insert(
        &state.db.pool,
        NewUser {
            username: valid.username.as_str(),
            email: valid.email.as_str(),
            password_hash: Some(&hash),
            display_name: None,
            role: ROLE_ADMIN,
            email_verified_at: Some(now),
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertError::Taken(_) => Error::field("username", "That username or email is taken."),
        InsertError::Database(e) => Error::Database(e),
    })?;
    audit::record(
        &state.db.pool,
        audit::kind::SIGNUP,
        Some(&user.id),
        None,
        &client,
        json!({ "role": ROLE_ADMIN, "by": "cli" }),
    )
    .await;
    Ok((user, AdminOutcome::Created))
}
