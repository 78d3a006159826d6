//! The `outbox` table: mail committed with the change that caused it, sent later by the
//! worker, retried until it goes out or runs out of attempts.

use super::Exec;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i64,
}

pub struct NewMessage<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
}

pub async fn insert<'c>(e: impl Exec<'c>, message: NewMessage<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into outbox (id, recipient, subject, text_body, html_body, status, attempts, next_attempt_at, created_at) \
         values ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
    )
    .bind(super::new_id())
    .bind(message.recipient)
    .bind(message.subject)
    .bind(message.text_body)
    .bind(message.html_body)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// Pending messages whose time has come, oldest first.
pub async fn due<'c>(e: impl Exec<'c>, now: i64, limit: i64) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as::<_, OutboxRow>(
        "select id, recipient, subject, text_body, html_body, attempts from outbox \
         where status = 'pending' and next_attempt_at <= $1 order by next_attempt_at, created_at limit $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(e)
    .await
}

/// Takes a message for sending by pushing its next attempt to `lease_until`; `false` when
/// another worker (another instance) took it first.
pub async fn claim<'c>(
    e: impl Exec<'c>,
    id: &str,
    now: i64,
    lease_until: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update outbox set next_attempt_at = $3 where id = $1 and status = 'pending' and next_attempt_at <= $2",
    )
    .bind(id)
    .bind(now)
    .bind(lease_until)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Sent: the bodies (which hold live links) are dropped.
pub async fn mark_sent<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "update outbox set status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = null, \
         text_body = '', html_body = '' where id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn mark_retry<'c>(
    e: impl Exec<'c>,
    id: &str,
    next_attempt_at: i64,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update outbox set attempts = attempts + 1, next_attempt_at = $2, last_error = $3 where id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(e)
    .await?;
    Ok(())
}

/// Given up on: kept for the record, without the bodies.
pub async fn mark_failed<'c>(e: impl Exec<'c>, id: &str, error: &str) -> sqlx::Result<()> {
    sqlx::query(
        "update outbox set status = 'failed', attempts = attempts + 1, last_error = $2, \
         text_body = '', html_body = '' where id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(e)
    .await?;
    Ok(())
}

/// When the next pending message is due, if any.
pub async fn next_due_at<'c>(e: impl Exec<'c>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar::<_, Option<i64>>(
        "select min(next_attempt_at) from outbox where status = 'pending'",
    )
    .fetch_one(e)
    .await
}

/// Forgets every message to `recipient` (a deleted account's address), sent or not.
pub async fn forget_recipient<'c>(e: impl Exec<'c>, recipient: &str) -> sqlx::Result<u64> {
    let result = sqlx::query("delete from outbox where lower(recipient) = lower($1)")
        .bind(recipient)
        .execute(e)
        .await?;
    Ok(result.rows_affected())
}

/// Deletes messages that were sent or given up on before `before` (their bodies are
/// already gone). Returns how many.
pub async fn purge_done<'c>(e: impl Exec<'c>, before: i64) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "delete from outbox where status <> 'pending' and coalesce(sent_at, next_attempt_at, created_at) < $1",
    )
    .bind(before)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// Messages waiting to be sent and when the oldest of them was queued (metrics).
pub async fn queue_state<'c>(e: impl Exec<'c>) -> sqlx::Result<(i64, Option<i64>)> {
    sqlx::query_as::<_, (i64, Option<i64>)>(
        "select count(*), min(created_at) from outbox where status = 'pending'",
    )
    .fetch_one(e)
    .await
}

/// The outbox for the admin overview: (pending, oldest pending's `created_at`, failed,
/// sent since `since`).
pub async fn summary<'c>(
    e: impl Exec<'c>,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>, i64, i64)> {
    sqlx::query_as(
        "select \
           coalesce(sum(case when status = 'pending' then 1 else 0 end), 0), \
           min(case when status = 'pending' then created_at end), \
           coalesce(sum(case when status = 'failed' then 1 else 0 end), 0), \
           coalesce(sum(case when status = 'sent' and sent_at >= $1 then 1 else 0 end), 0) \
         from outbox",
    )
    .bind(since)
    .fetch_one(e)
    .await
}
