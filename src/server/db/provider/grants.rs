//! The `oauth_grants` table: what one code exchange (or client-credentials call) issued,
//! with its rotating refresh token stored as a SHA-256 hash.

use super::super::Exec;
use sqlx::FromRow;

#[derive(Clone, FromRow)]
pub struct GrantRow {
    pub id: String,
    pub client_id: String,
    pub user_id: Option<String>,
    pub scope: String,
    pub auth_time: Option<i64>,
    pub amr: Option<String>,
    pub credentials_epoch: i64,
    pub refresh_token_hash: Option<String>,
    pub previous_token_hash: Option<String>,
    pub successor_sealed: Option<String>,
    pub rotated_at: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl std::fmt::Debug for GrantRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrantRow")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, client_id, user_id, scope, auth_time, amr, credentials_epoch, \
     refresh_token_hash, previous_token_hash, successor_sealed, rotated_at, created_at, \
     expires_at, revoked_at";

pub async fn insert<'c>(e: impl Exec<'c>, row: &GrantRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "insert into oauth_grants ({COLUMNS}) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(&row.id)
    .bind(&row.client_id)
    .bind(&row.user_id)
    .bind(&row.scope)
    .bind(row.auth_time)
    .bind(&row.amr)
    .bind(row.credentials_epoch)
    .bind(&row.refresh_token_hash)
    .bind(&row.previous_token_hash)
    .bind(&row.successor_sealed)
    .bind(row.rotated_at)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.revoked_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<Option<GrantRow>> {
    sqlx::query_as::<_, GrantRow>(&format!("select {COLUMNS} from oauth_grants where id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await
}

/// The grant whose current or previous refresh token has this hash.
pub async fn find_by_token_hash<'c>(
    e: impl Exec<'c>,
    token_hash: &str,
) -> sqlx::Result<Option<GrantRow>> {
    sqlx::query_as::<_, GrantRow>(&format!(
        "select {COLUMNS} from oauth_grants \
         where refresh_token_hash = $1 or previous_token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(e)
    .await
}

/// Replaces the refresh token, keeping the old hash (and the new token sealed with the
/// old one) for the grace window; `false` when a concurrent request rotated it first.
pub async fn rotate<'c>(
    e: impl Exec<'c>,
    id: &str,
    expected_hash: &str,
    new_hash: &str,
    successor_sealed: &str,
    expires_at: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update oauth_grants set previous_token_hash = refresh_token_hash, \
         refresh_token_hash = $3, successor_sealed = $4, rotated_at = $5, expires_at = $6 \
         where id = $1 and refresh_token_hash = $2 and revoked_at is null",
    )
    .bind(id)
    .bind(expected_hash)
    .bind(new_hash)
    .bind(successor_sealed)
    .bind(now)
    .bind(expires_at)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn revoke<'c>(e: impl Exec<'c>, id: &str, reason: &str, now: i64) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update oauth_grants set revoked_at = $2, revoked_reason = $3 \
         where id = $1 and revoked_at is null",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Ends every grant a person gave this app (consent withdrawn); the count ended.
pub async fn revoke_for_client<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    client_id: &str,
    reason: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "update oauth_grants set revoked_at = $3, revoked_reason = $4 \
         where user_id = $1 and client_id = $2 and revoked_at is null",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(now)
    .bind(reason)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Deletes grants that ended (revoked or expired) before `before`.
pub async fn purge<'c>(e: impl Exec<'c>, before: i64) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "delete from oauth_grants where expires_at < $1 or (revoked_at is not null and revoked_at < $1)",
    )
    .bind(before)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Remembers a refresh token that dropped out of a grant's grace window, so showing it
/// again is recognised as theft however many rotations ago it was.
pub async fn retire_token_hash<'c>(
    e: impl Exec<'c>,
    grant_id: &str,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into oauth_token_history (token_hash, grant_id, retired_at) values ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(grant_id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// The grant an old (two or more rotations back) refresh token belonged to.
pub async fn find_by_retired_hash<'c>(
    e: impl Exec<'c>,
    token_hash: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select grant_id from oauth_token_history where token_hash = $1")
        .bind(token_hash)
        .fetch_optional(e)
        .await
}
