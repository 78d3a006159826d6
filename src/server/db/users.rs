//! The `users` table.

use super::{Exec, UniqueIndex};
use crate::domain::{Role, UserId};
use sqlx::FromRow;

/// One account as stored. `Debug` leaves out the password hash.
#[derive(Clone, FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub role: Role,
    pub email_verified_at: Option<i64>,
    pub deactivated_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
    /// Bumped by every password change or reset: one-time links from before are dead.
    pub credentials_epoch: i64,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl UserRow {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// Columns in `UserRow` order, for `select`s.
pub(super) const COLUMNS: &str = "id, username, email, password_hash, display_name, bio, avatar_url, role, \
     email_verified_at, deactivated_at, created_at, updated_at, last_login_at, credentials_epoch";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub role: Role,
    pub email_verified_at: Option<i64>,
}

/// Usernames and addresses are unique ignoring case (expression indexes).
const USERNAME_KEY: UniqueIndex = UniqueIndex {
    name: "users_username_key",
    columns: "",
};
const EMAIL_KEY: UniqueIndex = UniqueIndex {
    name: "users_email_key",
    columns: "",
};

/// Which unique field an insert collided with.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("{0:?} already taken")]
    Taken(Taken),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn insert<'c>(
    e: impl Exec<'c>,
    user: NewUser<'_>,
    now: i64,
) -> Result<UserRow, InsertError> {
    let sql = format!(
        "insert into users (id, username, email, password_hash, display_name, role, email_verified_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning {COLUMNS}"
    );
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(super::new_id())
        .bind(user.username)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.display_name)
        .bind(user.role)
        .bind(user.email_verified_at)
        .bind(now)
        .fetch_one(e)
        .await
        .map_err(|e| {
            if USERNAME_KEY.violated_by(&e) {
                InsertError::Taken(Taken::Username)
            } else if EMAIL_KEY.violated_by(&e) {
                InsertError::Taken(Taken::Email)
            } else {
                InsertError::Database(e)
            }
        })
}

pub async fn find_by_id<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as::<_, UserRow>(&format!("select {COLUMNS} from users where id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await
}

/// Finds an account by username or email, ignoring case.
/// The account with this address (ignoring case), if any.
pub async fn find_by_email<'c>(e: impl Exec<'c>, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as::<_, UserRow>(&format!(
        "select {COLUMNS} from users where lower(email) = lower($1)"
    ))
    .bind(email)
    .fetch_optional(e)
    .await
}

pub async fn find_by_login<'c>(e: impl Exec<'c>, login: &str) -> sqlx::Result<Option<UserRow>> {
    let sql = format!(
        "select {COLUMNS} from users where lower(username) = lower($1) or lower(email) = lower($1) limit 1"
    );
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(login)
        .fetch_optional(e)
        .await
}

/// Changes the address (marking it verified: the change is confirmed by a link sent to it).
pub async fn set_email<'c>(
    e: impl Exec<'c>,
    id: &str,
    email: &str,
    now: i64,
) -> Result<(), InsertError> {
    sqlx::query(
        "update users set email = $2, email_verified_at = $3, updated_at = $3 where id = $1",
    )
    .bind(id)
    .bind(email)
    .bind(now)
    .execute(e)
    .await
    .map_err(|e| {
        if EMAIL_KEY.violated_by(&e) {
            InsertError::Taken(Taken::Email)
        } else {
            InsertError::Database(e)
        }
    })?;
    Ok(())
}

pub async fn update_profile<'c>(
    e: impl Exec<'c>,
    id: &str,
    display_name: Option<&str>,
    bio: Option<&str>,
    avatar_url: Option<&str>,
    now: i64,
) -> sqlx::Result<Option<UserRow>> {
    let sql = format!(
        "update users set display_name = $2, bio = $3, avatar_url = $4, updated_at = $5 \
         where id = $1 returning {COLUMNS}"
    );
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(id)
        .bind(display_name)
        .bind(bio)
        .bind(avatar_url)
        .bind(now)
        .fetch_optional(e)
        .await
}

pub async fn set_password_hash<'c>(
    e: impl Exec<'c>,
    id: &str,
    hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("update users set password_hash = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// Sets a new password chosen by its owner (change or reset) and starts a new credentials
/// epoch, so every one-time link issued before is dead.
pub async fn change_password_hash<'c>(
    e: impl Exec<'c>,
    id: &str,
    hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "update users set password_hash = $2, updated_at = $3, \
         credentials_epoch = credentials_epoch + 1 where id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// Removes the password and starts a new credentials epoch: after an address change is
/// undone, whoever knew the password (the intruder) can no longer use it; the owner sets a
/// new one with a reset link.
pub async fn clear_password<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "update users set password_hash = null, updated_at = $2, \
         credentials_epoch = credentials_epoch + 1 where id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn record_login<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("update users set last_login_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn set_role<'c>(e: impl Exec<'c>, id: &str, role: Role, now: i64) -> sqlx::Result<()> {
    sqlx::query("update users set role = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(role)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// Locks the rows of every active admin until the transaction ends (a no-op update, which
/// takes row locks in PostgreSQL and the write lock in SQLite), so a check of "another
/// admin remains" and the change it allows cannot interleave with a concurrent one.
pub async fn lock_active_admins<'c>(e: impl Exec<'c>) -> sqlx::Result<()> {
    sqlx::query(
        "update users set updated_at = updated_at where role = 'admin' and deactivated_at is null",
    )
    .execute(e)
    .await?;
    Ok(())
}

/// Locks one account's row until the transaction ends (see [`lock_active_admins`]).
pub async fn lock<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<()> {
    sqlx::query("update users set updated_at = updated_at where id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn mark_email_verified<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("update users set email_verified_at = $2, updated_at = $2 where id = $1 and email_verified_at is null")
        .bind(id)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// Active admins: the last one may not be demoted, deactivated or deleted.
pub async fn count_active_admins<'c>(e: impl Exec<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from users where role = 'admin' and deactivated_at is null")
        .fetch_one(e)
        .await
}

/// Deactivates (`Some(now)`) or reactivates (`None`) an account.
pub async fn set_deactivated<'c>(
    e: impl Exec<'c>,
    id: &str,
    deactivated_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("update users set deactivated_at = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(deactivated_at)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// Deletes an account; its sessions, identities and links go with it (cascade).
pub async fn delete<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("delete from users where id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub use crate::query::UserOrder;

fn order_sql(order: UserOrder) -> &'static str {
    match order {
        UserOrder::Newest => "created_at desc, id desc",
        UserOrder::Oldest => "created_at asc, id asc",
        // Never-logged-in accounts last, in both databases.
        UserOrder::LastLogin => "last_login_at is null, last_login_at desc, id desc",
    }
}

/// `%text%` for `like`, with the wildcards in `text` itself matched literally.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

const SEARCH_WHERE: &str =
    "where lower(username) like $1 escape '\\' or lower(email) like $1 escape '\\'";

/// One page of accounts whose username or email contains `query` (all when empty).
pub async fn search<'c>(
    e: impl Exec<'c>,
    query: &str,
    order: UserOrder,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as::<_, UserRow>(&format!(
        "select {COLUMNS} from users {SEARCH_WHERE} order by {} limit $2 offset $3",
        order_sql(order)
    ))
    .bind(contains_pattern(query))
    .bind(limit)
    .bind(offset)
    .fetch_all(e)
    .await
}

pub async fn count_search<'c>(e: impl Exec<'c>, query: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("select count(*) from users {SEARCH_WHERE}"))
        .bind(contains_pattern(query))
        .fetch_one(e)
        .await
}
