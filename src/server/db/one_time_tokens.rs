//! The `one_time_tokens` table: emailed links, stored as hashes, single use.

use super::Exec;
use crate::domain::{TokenPurpose, UserId};
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct TokenRow {
    pub id: String,
    pub user_id: UserId,
    pub purpose: TokenPurpose,
    pub email: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The account's credentials epoch when the link was issued.
    pub credentials_epoch: i64,
}

pub struct NewToken<'a> {
    pub user_id: &'a str,
    pub purpose: TokenPurpose,
    pub token_hash: &'a str,
    pub email: Option<&'a str>,
    pub expires_at: i64,
    pub credentials_epoch: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, token: NewToken<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into one_time_tokens (id, user_id, purpose, token_hash, email, created_at, expires_at, credentials_epoch) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(super::new_id())
    .bind(token.user_id)
    .bind(token.purpose)
    .bind(token.token_hash)
    .bind(token.email)
    .bind(now)
    .bind(token.expires_at)
    .bind(token.credentials_epoch)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find_by_hash<'c>(
    e: impl Exec<'c>,
    token_hash: &str,
) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as::<_, TokenRow>(
        "select id, user_id, purpose, email, created_at, expires_at, used_at, credentials_epoch from one_time_tokens \
         where token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(e)
    .await
}

/// Uses a token up; `false` when it already was (so two clicks cannot both succeed).
pub async fn mark_used<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<bool> {
    let result =
        sqlx::query("update one_time_tokens set used_at = $2 where id = $1 and used_at is null")
            .bind(id)
            .bind(now)
            .execute(e)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Kills every outstanding token of a user for one purpose.
pub async fn invalidate_for_user<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    purpose: TokenPurpose,
    now: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "update one_time_tokens set used_at = $3 where user_id = $1 and purpose = $2 and used_at is null",
    )
    .bind(user_id)
    .bind(purpose)
    .bind(now)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Kills every outstanding link of a user, whatever its purpose (the password changed).
pub async fn invalidate_all_for_user<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "update one_time_tokens set used_at = $2 where user_id = $1 and used_at is null",
    )
    .bind(user_id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Kills every outstanding link of a user except those of `keep`: a password change ends
/// all links but the "this wasn't me" ones, which belong to the old address's owner.
pub async fn invalidate_all_for_user_except<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    keep: TokenPurpose,
    now: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "update one_time_tokens set used_at = $2 where user_id = $1 and used_at is null and purpose <> $3",
    )
    .bind(user_id)
    .bind(now)
    .bind(keep)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Deletes links that were used or expired before `before` (retention).
pub async fn purge<'c>(e: impl Exec<'c>, before: i64) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "delete from one_time_tokens where (used_at is not null and used_at < $1) or expires_at < $1",
    )
    .bind(before)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// When the newest token of this purpose was issued to the user (for resend throttling).
pub async fn last_issued_at<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    purpose: TokenPurpose,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar::<_, i64>(
        "select created_at from one_time_tokens where user_id = $1 and purpose = $2 \
         order by created_at desc limit 1",
    )
    .bind(user_id)
    .bind(purpose)
    .fetch_optional(e)
    .await
}
