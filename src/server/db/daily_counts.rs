//! The `daily_counts` table: per-day counters that instances add to (the admin overview).

use super::Exec;

/// Adds `n` to `kind`'s count on `day` (days since the Unix epoch).
pub async fn add<'c>(e: impl Exec<'c>, day: i64, kind: &str, n: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into daily_counts (day, kind, count) values ($1, $2, $3) \
         on conflict (day, kind) do update set count = daily_counts.count + excluded.count",
    )
    .bind(day)
    .bind(kind)
    .bind(n)
    .execute(e)
    .await?;
    Ok(())
}

/// `(day, kind, count)` from `first_day` on.
pub async fn since<'c>(e: impl Exec<'c>, first_day: i64) -> sqlx::Result<Vec<(i64, String, i64)>> {
    sqlx::query_as("select day, kind, count from daily_counts where day >= $1")
        .bind(first_day)
        .fetch_all(e)
        .await
}

/// Deletes counts of days before `first_day` (the hourly purge).
pub async fn purge_before<'c>(e: impl Exec<'c>, first_day: i64) -> sqlx::Result<u64> {
    let result = sqlx::query("delete from daily_counts where day < $1")
        .bind(first_day)
        .execute(e)
        .await?;
    Ok(result.rows_affected())
}
