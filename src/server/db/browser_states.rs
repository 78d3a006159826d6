//! The `browser_states` table behind tower-sessions: short-lived state of a browser that
//! is not a login (flash messages for forms posted without JavaScript).

use super::Exec;

pub async fn load<'c>(e: impl Exec<'c>, id: &str, now: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar::<_, String>(
        "select data from browser_states where id = $1 and expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(e)
    .await
}

/// Inserts or replaces a record.
pub async fn save<'c>(e: impl Exec<'c>, id: &str, data: &str, expires_at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into browser_states (id, data, expires_at) values ($1, $2, $3) \
         on conflict (id) do update set data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(e)
    .await?;
    Ok(())
}

/// Inserts a record only if the id is free; `false` when it was taken.
pub async fn create<'c>(
    e: impl Exec<'c>,
    id: &str,
    data: &str,
    expires_at: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "insert into browser_states (id, data, expires_at) values ($1, $2, $3) on conflict (id) do nothing",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<()> {
    sqlx::query("delete from browser_states where id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn delete_expired<'c>(e: impl Exec<'c>, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("delete from browser_states where expires_at <= $1")
            .bind(now)
            .execute(e)
            .await?
            .rows_affected(),
    )
}
