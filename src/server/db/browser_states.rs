//! The `browser_states` table behind tower-sessions: short-lived state of a browser that
//! is not a login (flash messages for forms posted without JavaScript).

use super::Db;

pub async fn load(db: &Db, id: &str, now: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar::<_, String>(
        "select data from browser_states where id = $1 and expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

/// Inserts or replaces a record.
pub async fn save(db: &Db, id: &str, data: &str, expires_at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into browser_states (id, data, expires_at) values ($1, $2, $3) \
         on conflict (id) do update set data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Inserts a record only if the id is free; `false` when it was taken.
pub async fn create(db: &Db, id: &str, data: &str, expires_at: i64) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "insert into browser_states (id, data, expires_at) values ($1, $2, $3) on conflict (id) do nothing",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete(db: &Db, id: &str) -> sqlx::Result<()> {
    sqlx::query("delete from browser_states where id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("delete from browser_states where expires_at <= $1")
            .bind(now)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}
