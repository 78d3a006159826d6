//! `gatehouse create-admin`: a new admin account, or (with `--promote`) an existing,
//! exact, verified one made admin. Never a silent promotion on a partial match.

use super::{
    ClientInfo,
    audit::{self, Actor, AuditEvent, LoginMethod},
    passwords::Password,
};
use crate::domain::Role;
use crate::server::error::Refusal;
use crate::{
    server::{
        db::{
            self,
            users::{InsertError, NewUser, UserRow},
        },
        error::{Error, Result},
        state::AppState,
    },
    validate,
};

/// What `create-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created,
    Promoted,
    AlreadyAdmin,
}

/// What `create-admin` is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminMode {
    /// Make a new admin account; refused when the username or address is taken.
    Create,
    /// Make the existing account with exactly this username *and* verified address an
    /// admin. Nothing is ever promoted on a partial match or an unverified address.
    Promote,
}

/// Creates an admin account (its address taken as verified: the operator vouches for
/// it), or with [`AdminMode::Promote`] promotes an exact, verified existing account.
pub async fn create_admin(
    state: &AppState,
    username: &str,
    email: &str,
    password: Option<&Password>,
    mode: AdminMode,
) -> Result<(UserRow, AdminOutcome)> {
    let client = ClientInfo::new(None, Some("gatehouse create-admin".into()));
    let by_name = db::users::find_by_login(&state.db.pool, username.trim()).await?;
    let by_email = db::users::find_by_email(&state.db.pool, email.trim()).await?;
    if mode == AdminMode::Promote {
        let user = match (by_name, by_email) {
            (Some(a), Some(b))
                if a.id == b.id && a.username.eq_ignore_ascii_case(username.trim()) =>
            {
                a
            }
            _ => {
                return Err(Error::Refused(Refusal::NoSuchAccount {
                    username: username.trim().to_string(),
                    email: email.trim().to_string(),
                }));
            }
        };
        if user.email_verified_at.is_none() {
            return Err(Error::Refused(Refusal::UnverifiedAccount {
                username: user.username,
                email: user.email,
            }));
        }
        if !user.is_active() {
            return Err(Error::Refused(Refusal::DeactivatedAccount {
                username: user.username,
            }));
        }
        if user.role.is_admin() {
            return Ok((user, AdminOutcome::AlreadyAdmin));
        }
        db::users::set_role(&state.db.pool, &user.id, Role::Admin, state.clock.unix()).await?;
        state.auth_cache.forget_user(&user.id);
        audit::record(
            &state.db.pool,
            AuditEvent::RoleChanged {
                from: user.role,
                to: Role::Admin,
                by: Actor::Cli,
            },
            Some(&user.id),
            None,
            &client,
        )
        .await;
        let user = db::users::find_by_id(&state.db.pool, &user.id)
            .await?
            .ok_or(Error::NotFound)?;
        return Ok((user, AdminOutcome::Promoted));
    }
    if let Some(existing) = by_name.or(by_email) {
        return Err(Error::Refused(Refusal::AccountExists {
            username: existing.username,
        }));
    }
    let Some(password) = password else {
        return Err(Error::field(
            "password",
            "A new admin account needs a password.",
        ));
    };
    let policy = state.settings.password_policy();
    let valid = validate::new_account(username, email, password.expose(), "", &policy)
        .map_err(Error::Invalid)?;
    super::breach::check(state, password, "password").await?;
    let hash = state.hasher.hash(password).await?;
    let now = state.clock.unix();
    let user = db::users::insert(
        &state.db.pool,
        NewUser {
            username: valid.username.as_str(),
            email: valid.email.as_str(),
            password_hash: Some(&hash),
            display_name: None,
            role: Role::Admin,
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
        AuditEvent::Signup {
            method: LoginMethod::Password,
            role: Role::Admin,
            by: Actor::Cli,
        },
        Some(&user.id),
        None,
        &client,
    )
    .await;
    Ok((user, AdminOutcome::Created))
}
