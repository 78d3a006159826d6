//! The `pending_logins` table: a first factor passed, the second not yet. Stored by the
//! SHA-256 of the token the browser's cookie or the API's `mfa_token` holds.

use super::Exec;
use crate::domain::UserId;
use crate::server::auth::audit::LoginMethod;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct PendingRow {
    pub user_id: UserId,
    /// The first factor, for the login's audit event.
    pub method: LoginMethod,
    pub expires_at: i64,
    pub attempts: i32,
}

pub async fn insert<'c>(
    e: impl Exec<'c>,
    token_hash: &str,
    user_id: &str,
    method: LoginMethod,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into pending_logins (token_hash, user_id, method, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(method)
    .bind(now)
    .bind(expires_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find<'c>(e: impl Exec<'c>, token_hash: &str) -> sqlx::Result<Option<PendingRow>> {
    sqlx::query_as::<_, PendingRow>(
        "select user_id, method, expires_at, attempts from pending_logins where token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(e)
    .await
}

/// Counts a wrong code.
pub async fn count_attempt<'c>(e: impl Exec<'c>, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query("update pending_logins set attempts = attempts + 1 where token_hash = $1")
        .bind(token_hash)
        .execute(e)
        .await?;
    Ok(())
}

/// Takes the pending login (single use); `false` when another request already did.
pub async fn take<'c>(e: impl Exec<'c>, token_hash: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("delete from pending_logins where token_hash = $1")
        .bind(token_hash)
        .execute(e)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes pending logins that expired before `before`.
pub async fn purge<'c>(e: impl Exec<'c>, before: i64) -> sqlx::Result<u64> {
    let result = sqlx::query("delete from pending_logins where expires_at < $1")
        .bind(before)
        .execute(e)
        .await?;
    Ok(result.rows_affected())
}
