//! The `oauth_codes` table: authorization codes, by the SHA-256 of the code.

use super::super::Exec;
use sqlx::FromRow;

#[derive(Clone, FromRow)]
pub struct CodeRow {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub amr: Option<String>,
    pub expires_at: i64,
    pub redeemed_at: Option<i64>,
    pub grant_id: Option<String>,
}

impl std::fmt::Debug for CodeRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeRow")
            .field("client_id", &self.client_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

pub struct NewCode<'a> {
    pub code_hash: &'a str,
    pub client_id: &'a str,
    pub user_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub auth_time: i64,
    pub amr: Option<&'a str>,
    pub expires_at: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, code: NewCode<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into oauth_codes (code_hash, client_id, user_id, redirect_uri, scope, nonce, \
         code_challenge, auth_time, amr, created_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(code.code_hash)
    .bind(code.client_id)
    .bind(code.user_id)
    .bind(code.redirect_uri)
    .bind(code.scope)
    .bind(code.nonce)
    .bind(code.code_challenge)
    .bind(code.auth_time)
    .bind(code.amr)
    .bind(now)
    .bind(code.expires_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find<'c>(e: impl Exec<'c>, code_hash: &str) -> sqlx::Result<Option<CodeRow>> {
    sqlx::query_as::<_, CodeRow>(
        "select client_id, user_id, redirect_uri, scope, nonce, code_challenge, auth_time, amr, \
         expires_at, redeemed_at, grant_id from oauth_codes where code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(e)
    .await
}

/// Marks the code used by this grant; `false` when another exchange took it first.
pub async fn redeem<'c>(
    e: impl Exec<'c>,
    code_hash: &str,
    grant_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update oauth_codes set redeemed_at = $2, grant_id = $3 \
         where code_hash = $1 and redeemed_at is null",
    )
    .bind(code_hash)
    .bind(now)
    .bind(grant_id)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Forgets codes expired long enough ago that a replay no longer needs recognising.
pub async fn delete_expired<'c>(e: impl Exec<'c>, before: i64) -> sqlx::Result<u64> {
    let result = sqlx::query("delete from oauth_codes where expires_at < $1")
        .bind(before)
        .execute(e)
        .await?;
    Ok(result.rows_affected())
}
