//! The `audit_events` table: security events, never a password, token or cookie.

use super::Exec;
use crate::domain::AuditKind;

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

/// What the audit viewer narrows the log to; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub user_id: Option<String>,
    pub kind: Option<AuditKind>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

impl EventFilter {
    /// The `where` clause, numbering its parameters from 1, and the values in order.
    /// (Not `sqlx::QueryBuilder`: over the `Any` driver it writes `?` placeholders, which
    /// PostgreSQL refuses.)
    fn clause(&self) -> (String, Vec<FilterValue>) {
        let mut parts = Vec::new();
        let mut values = Vec::new();
        let mut add = |sql: &str, value: FilterValue| {
            values.push(value);
            parts.push(sql.replace('?', &format!("${}", values.len())));
        };
        if let Some(user) = &self.user_id {
            add("user_id = ?", FilterValue::Text(user.clone()));
        }
        if let Some(kind) = &self.kind {
            add("kind = ?", FilterValue::Text(kind.as_str().into()));
        }
        if let Some(from) = self.from {
            add("created_at >= ?", FilterValue::Int(from));
        }
        if let Some(until) = self.until {
            add("created_at < ?", FilterValue::Int(until));
        }
        let clause = if parts.is_empty() {
            String::new()
        } else {
            format!("where {}", parts.join(" and "))
        };
        (clause, values)
    }
}

enum FilterValue {
    Text(String),
    Int(i64),
}

type AnyQuery<'q, O> = sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>;

fn bind_all<'q, O>(mut query: AnyQuery<'q, O>, values: Vec<FilterValue>) -> AnyQuery<'q, O> {
    for value in values {
        query = match value {
            FilterValue::Text(s) => query.bind(s),
            FilterValue::Int(i) => query.bind(i),
        };
    }
    query
}

/// One page of events matching `filter`, newest first.
pub async fn search<'c>(
    e: impl Exec<'c>,
    filter: &EventFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<EventRow>> {
    let (clause, values) = filter.clause();
    let n = values.len();
    let sql = format!(
        "select id, kind, user_id, actor_id, ip, user_agent, detail, created_at from audit_events \
         {clause} order by created_at desc, id desc limit ${} offset ${}",
        n + 1,
        n + 2
    );
    bind_all(sqlx::query_as::<_, EventRow>(&sql), values)
        .bind(limit)
        .bind(offset)
        .fetch_all(e)
        .await
}

pub async fn count<'c>(e: impl Exec<'c>, filter: &EventFilter) -> sqlx::Result<i64> {
    let (clause, values) = filter.clause();
    let sql = format!("select count(*) from audit_events {clause}");
    let row: (i64,) = bind_all(sqlx::query_as::<_, (i64,)>(&sql), values)
        .fetch_one(e)
        .await?;
    Ok(row.0)
}

/// Removes what identifies a person from their events (address, IP, browser, details),
/// keeping the bare record that something happened. For deleted accounts.
pub async fn scrub_user<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "update audit_events set ip = null, user_agent = null, detail = '{}' where user_id = $1",
    )
    .bind(user_id)
    .execute(e)
    .await?;
    Ok(result.rows_affected())
}

/// When the newest event of this kind about a user happened.
pub async fn last_event_at<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    kind: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("select max(created_at) from audit_events where user_id = $1 and kind = $2")
        .bind(user_id)
        .bind(kind)
        .fetch_one(e)
        .await
}

/// Deletes events older than `before` (retention). Returns how many.
pub async fn purge_before<'c>(e: impl Exec<'c>, before: i64) -> sqlx::Result<u64> {
    let result = sqlx::query("delete from audit_events where created_at < $1")
        .bind(before)
        .execute(e)
        .await?;
    Ok(result.rows_affected())
}

/// `(day, kind, count)` of the events of `kinds` since `since` (unix seconds), by day
/// since the Unix epoch (the admin overview).
pub async fn daily_counts<'c>(
    e: impl Exec<'c>,
    since: i64,
    kinds: &[&str],
) -> sqlx::Result<Vec<(i64, String, i64)>> {
    let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "select created_at / 86400 as day, kind, count(*) from audit_events \
         where created_at >= $1 and kind in ({}) group by created_at / 86400, kind",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(&sql).bind(since);
    for kind in kinds {
        query = query.bind(*kind);
    }
    query.fetch_all(e).await
}
