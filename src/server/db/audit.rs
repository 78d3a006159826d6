//! The `audit_events` table: security events, never a password, token or cookie.

use super::Exec;

pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub user_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// Small JSON object with details (reason, session id, ...).
    pub detail: &'a str,
}

pub async fn insert<'c>(e: impl Exec<'c>, event: NewEvent<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into audit_events (id, kind, user_id, actor_id, ip, user_agent, detail, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(super::new_id())
    .bind(event.kind)
    .bind(event.user_id)
    .bind(event.actor_id)
    .bind(event.ip)
    .bind(event.user_agent)
    .bind(event.detail)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: String,
    pub created_at: i64,
}

/// The newest events about a user, newest first.
pub async fn recent_for_user<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as::<_, EventRow>(
        "select id, kind, user_id, actor_id, ip, user_agent, detail, created_at from audit_events \
         where user_id = $1 order by created_at desc, id desc limit $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(e)
    .await
}
