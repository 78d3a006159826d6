//! PostgreSQL's `LISTEN/NOTIFY`: how instances sharing one PostgreSQL database without
//! Redis tell each other about invalidated sessions.

use super::Db;

/// Sends `payload` to every connection listening on `channel`.
pub async fn notify(db: &Db, channel: &str, payload: &str) -> sqlx::Result<()> {
    sqlx::query("select pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// A connection of its own that listens on `channel` (sqlx reconnects it when it drops).
pub async fn listen(url: &str, channel: &str) -> sqlx::Result<sqlx::postgres::PgListener> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(channel).await?;
    Ok(listener)
}
