//! The `sessions` table: one row per login (device), holding only hashes of its refresh
//! tokens.

use super::{Exec, users::UserRow};
use crate::domain::{SessionId, UserId};
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: UserId,
    pub refresh_token_hash: String,
    pub previous_token_hash: Option<String>,
    pub rotated_at: Option<i64>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    /// The current refresh token sealed under the previous one (see `tokens::seal_successor`).
    pub successor_sealed: Option<String>,
    /// The last time the person proved who they are here (step-up); `None`: at the start.
    pub authenticated_at: Option<i64>,
}

impl SessionRow {
    /// When the person last proved who they are in this session.
    pub fn authenticated_at(&self) -> i64 {
        self.authenticated_at.unwrap_or(self.created_at)
    }
}

const COLUMNS: &str = "id, user_id, refresh_token_hash, previous_token_hash, rotated_at, user_agent, ip, \
     created_at, last_used_at, expires_at, revoked_at, revoked_reason, successor_sealed, authenticated_at";

pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub refresh_token_hash: &'a str,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub expires_at: i64,
    /// How the login was proved (OpenID `amr` values, space-separated).
    pub amr: &'a str,
}

pub async fn insert<'c>(e: impl Exec<'c>, session: NewSession<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into sessions (id, user_id, refresh_token_hash, user_agent, ip, created_at, last_used_at, expires_at, amr) \
         values ($1, $2, $3, $4, $5, $6, $6, $7, $8)",
    )
    .bind(session.id)
    .bind(session.user_id)
    .bind(session.refresh_token_hash)
    .bind(session.user_agent)
    .bind(session.ip)
    .bind(now)
    .bind(session.expires_at)
    .bind(session.amr)
    .execute(e)
    .await?;
    Ok(())
}

/// How this session's login was proved (space-separated `amr` values), if recorded.
pub async fn amr<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar::<_, Option<String>>("select amr from sessions where id = $1")
        .bind(id)
        .fetch_optional(e)
        .await
        .map(Option::flatten)
}

/// The session whose current or previous refresh token has this hash.
pub async fn find_by_token_hash<'c>(
    e: impl Exec<'c>,
    hash: &str,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as::<_, SessionRow>(&format!(
        "select {COLUMNS} from sessions where refresh_token_hash = $1 or previous_token_hash = $1 limit 1"
    ))
    .bind(hash)
    .fetch_optional(e)
    .await
}

pub async fn find_by_id<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as::<_, SessionRow>(&format!("select {COLUMNS} from sessions where id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await
}

/// Replaces the current refresh token, keeping the old hash for the grace window and the
/// new token sealed under the old one. Compare-and-swap on the current hash: of two
/// concurrent rotations exactly one wins (returns `true`); the loser sees `false` and is
/// handled as a grace-window reuse.
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
        "update sessions set previous_token_hash = refresh_token_hash, refresh_token_hash = $3, \
         successor_sealed = $6, rotated_at = $4, last_used_at = $4, expires_at = $5 \
         where id = $1 and refresh_token_hash = $2 and revoked_at is null",
    )
    .bind(id)
    .bind(expected_hash)
    .bind(new_hash)
    .bind(now)
    .bind(expires_at)
    .bind(successor_sealed)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Remembers a refresh token that dropped out of a session's grace window, so showing it
/// again is recognised as theft however many rotations ago it was.
pub async fn retire_token_hash<'c>(
    e: impl Exec<'c>,
    session_id: &str,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into refresh_token_history (token_hash, session_id, retired_at) values ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(session_id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// The session an old (two or more generations back) refresh token belonged to.
pub async fn find_by_retired_hash<'c>(
    e: impl Exec<'c>,
    token_hash: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select session_id from refresh_token_history where token_hash = $1")
        .bind(token_hash)
        .fetch_optional(e)
        .await
}

pub async fn touch<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("update sessions set last_used_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// Revokes one session; `false` if it was already revoked or does not exist.
pub async fn revoke<'c>(e: impl Exec<'c>, id: &str, reason: &str, now: i64) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update sessions set revoked_at = $2, revoked_reason = $3 where id = $1 and revoked_at is null",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes every live session of a user, except `keep` when given. Returns how many.
pub async fn revoke_all_for_user<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    keep: Option<&str>,
    reason: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "update sessions set revoked_at = $2, revoked_reason = $3 \
         where user_id = $1 and revoked_at is null and id <> $4",
    )
    .bind(user_id)
    .bind(now)
    .bind(reason)
    .bind(keep.unwrap_or(""))
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Records that the person just proved who they are again in this session (step-up).
pub async fn mark_authenticated<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("update sessions set authenticated_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(e)
        .await?;
    Ok(())
}

/// A live session and its user, in one query: the check behind every authenticated
/// request, so a revoked session or deactivated user is refused at once.
#[derive(Debug, FromRow)]
pub struct SessionWithUser {
    pub session_id: SessionId,
    /// When the person last proved who they are in this session (login or step-up).
    pub session_authenticated_at: i64,
    pub session_expires_at: i64,
    pub session_revoked_at: Option<i64>,
    #[sqlx(flatten)]
    pub user: UserRow,
}

static FIND_WITH_USER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let user_columns = super::users::COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "select s.id as session_id, coalesce(s.authenticated_at, s.created_at) as session_authenticated_at, s.expires_at as session_expires_at, s.revoked_at as session_revoked_at, \
         {user_columns} from sessions s join users u on u.id = s.user_id where s.id = $1"
    )
});

pub async fn find_with_user<'c>(
    e: impl Exec<'c>,
    session_id: &str,
) -> sqlx::Result<Option<SessionWithUser>> {
    sqlx::query_as::<_, SessionWithUser>(&FIND_WITH_USER)
        .bind(session_id)
        .fetch_optional(e)
        .await
}

/// A user's live sessions (not revoked, not expired), most recently used first.
pub async fn list_live_for_user<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    now: i64,
) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as::<_, SessionRow>(&format!(
        "select {COLUMNS} from sessions \
         where user_id = $1 and revoked_at is null and expires_at > $2 \
         order by last_used_at desc, created_at desc"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(e)
    .await
}

/// Deletes sessions that expired before `expired_before` or were revoked before
/// `revoked_before`. Returns how many.
pub async fn purge<'c>(
    e: impl Exec<'c>,
    expired_before: i64,
    revoked_before: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "delete from sessions where expires_at < $1 or (revoked_at is not null and revoked_at < $2)",
    )
    .bind(expired_before)
    .bind(revoked_before)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Live sessions of every user (metrics).
pub async fn count_live<'c>(e: impl Exec<'c>, now: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar::<_, i64>(
        "select count(*) from sessions where revoked_at is null and expires_at > $1",
    )
    .bind(now)
    .fetch_one(e)
    .await
}
