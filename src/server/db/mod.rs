//! The store: every SQL statement of Gatehouse lives in this folder. One set of portable
//! queries runs on SQLite and PostgreSQL through sqlx's `Any` driver; the schema differs
//! per backend only where it must (`migrations/sqlite`, `migrations/postgres`).

pub(crate) mod audit;
pub(crate) mod browser_states;
pub(crate) mod daily_counts;
pub(crate) mod factors;
pub(crate) mod identities;
pub(crate) mod notify;
pub(crate) mod one_time_tokens;
pub(crate) mod outbox;
pub(crate) mod passkeys;
pub(crate) mod pending_logins;
pub(crate) mod provider;
pub(crate) mod sessions;
pub(crate) mod types;
pub(crate) mod users;

use anyhow::Context;
use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
};
use std::{str::FromStr, time::Duration};

/// Anything a query can run on: the pool, or an open transaction (`&mut *tx`), so one
/// function serves both single statements and multi-statement changes.
pub trait Exec<'c>: sqlx::Executor<'c, Database = sqlx::Any> {}
impl<'c, T: sqlx::Executor<'c, Database = sqlx::Any>> Exec<'c> for T {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool and which database is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects (creating a SQLite file and its folder when missing).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).context("parsing database.url")?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            // While the database is down a request waits this long for a connection, then
            // answers 503: short enough for a person, long enough for a busy pool.
            .acquire_timeout(Duration::from_secs(3))
            // A SQLite connection is a file handle in this process: no network or server
            // restart can break it while it idles, so the round trip to its thread that
            // checks it before each query buys nothing. sqlx still checks it when a query
            // hands it back. PostgreSQL keeps the check: its connections do go stale.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes
                        // writers queue instead of failing under load.
                        conn.execute(
                            "pragma journal_mode = wal; pragma synchronous = normal; \
                             pragma foreign_keys = on; pragma busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to the {backend:?} database"))?;
        Ok(Self { pool, backend })
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .context("applying database migrations")
    }

    /// Starts a transaction: everything done through it lands together or not at all.
    pub async fn begin(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        self.pool.begin().await
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("select 1").execute(&self.pool).await.is_ok()
    }
}

/// `sqlite://data/x.db` -> the same with `mode=rwc`, after creating `data/`.
fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if !path.is_empty()
        && path != ":memory:"
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        crate::server::create_private_dir(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(if rest.contains("mode=") {
        format!("sqlite://{rest}")
    } else if rest.contains('?') {
        format!("sqlite://{rest}&mode=rwc")
    } else {
        format!("sqlite://{rest}?mode=rwc")
    })
}

/// A unique index as each store reports running into it: PostgreSQL by the constraint's
/// name; SQLite by the index's name for an expression index, by its columns otherwise.
/// Callers declare the ones they expect beside their query and turn a race-free insert
/// into a typed answer ("taken") instead of checking first.
pub struct UniqueIndex {
    pub name: &'static str,
    /// `table.column, table.column`, as SQLite's message names a plain-column index.
    pub columns: &'static str,
}

impl UniqueIndex {
    pub fn violated_by(&self, err: &sqlx::Error) -> bool {
        let Some(db_err) = err.as_database_error() else {
            return false;
        };
        if !db_err.is_unique_violation() {
            return false;
        }
        let message = db_err.message();
        db_err.constraint() == Some(self.name)
            || message.contains(self.name)
            || (!self.columns.is_empty() && message.contains(self.columns))
    }
}

/// Seconds since the Unix epoch: the one clock every table uses.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A new time-ordered id (UUIDv7), so recent rows sit together in indexes.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/x.db");
        let url = sqlite_url(&format!("sqlite://{}", path.display())).unwrap();
        assert!(url.ends_with("x.db?mode=rwc"));
        assert!(path.parent().unwrap().is_dir());
        assert_eq!(
            sqlite_url("sqlite::memory:").unwrap(),
            "sqlite://:memory:?mode=rwc"
        );
    }

    /// A query on SQLite costs no check of its connection first (a round trip to the
    /// connection's thread), and the connection still serves one query after another.
    #[tokio::test]
    async fn sqlite_connections_are_not_pinged_before_each_query() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("x.db").display());
        let db = Db::connect(&url, 1).await.unwrap();
        assert!(!db.pool.options().get_test_before_acquire());
        for _ in 0..3 {
            assert!(db.ping().await);
        }
    }
}
