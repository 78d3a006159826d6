//! The link to Redis: connected in the background (start-up never waits for Redis, and
//! never fails because it is down), reconnected by redis-rs's connection manager, every
//! call bounded by a short timeout. A failed call tells the caller to fall back to this
//! instance's own state; the link remembers it and `/readyz` reports "degraded".
//!
//! While Redis is known to be down, calls are not even tried (a request must not wait
//! out a timeout per call during an outage); a background ping every second notices when
//! it is back. `/readyz` reads that state instead of asking Redis, so a load balancer's
//! health check never waits on Redis either.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicBool, Ordering},
};
use std::time::Duration;

/// The longest a request waits for Redis before it goes on without it.
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// Between two tries to make the first connection.
const CONNECT_RETRY: Duration = Duration::from_secs(2);
/// How often the link checks that Redis answers.
const WATCH_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct RedisLink(Arc<Inner>);

struct Inner {
    client: redis::Client,
    manager: OnceLock<ConnectionManager>,
    /// Whether the last call worked (starts false until connected).
    healthy: AtomicBool,
    prefix: String,
}

impl std::fmt::Debug for RedisLink {
    // Never the URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("prefix", &self.0.prefix)
            .field("healthy", &self.is_healthy())
            .finish()
    }
}

impl RedisLink {
    /// Checks the URL and starts connecting in the background.
    pub fn open(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("redis.url is not a Redis URL ({:?})", e.kind()))?;
        let link = Self(Arc::new(Inner {
            client,
            manager: OnceLock::new(),
            healthy: AtomicBool::new(false),
            prefix: prefix.to_string(),
        }));
        let background = link.clone();
        tokio::spawn(async move {
            background.connect_until_done().await;
            background.watch().await;
        });
        Ok(link)
    }

    async fn connect_until_done(&self) {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let mut warned = false;
        loop {
            match ConnectionManager::new_with_config(self.0.client.clone(), config.clone()).await {
                Ok(manager) => {
                    let _ = self.0.manager.set(manager);
                    self.mark(true);
                    return;
                }
                Err(e) => {
                    if !warned {
                        tracing::warn!(error = %e, "Redis unreachable; limits are per instance until it answers");
                        warned = true;
                    }
                    tokio::time::sleep(CONNECT_RETRY).await;
                }
            }
        }
    }

    /// Pings Redis every second, for as long as the link lives.
    async fn watch(&self) {
        let mut tick = tokio::time::interval(WATCH_EVERY);
        loop {
            tick.tick().await;
            if Arc::strong_count(&self.0) == 1 {
                return; // Nothing else holds the link: its app is gone.
            }
            let ok = self.ping().await;
            self.mark(ok);
        }
    }

    /// A key (or channel) name under this deployment's prefix.
    pub fn key(&self, rest: &str) -> String {
        format!("{}:{rest}", self.0.prefix)
    }

    pub fn is_healthy(&self) -> bool {
        self.0.healthy.load(Ordering::Relaxed)
    }

    /// Records the outcome of a call; logs only the changes, not every failure.
    fn mark(&self, ok: bool) {
        let was = self.0.healthy.swap(ok, Ordering::Relaxed);
        match (was, ok) {
            (false, true) => tracing::info!("Redis reachable: limits and invalidations are shared"),
            (true, false) => {
                tracing::warn!("Redis unreachable: falling back to this instance's own limits")
            }
            _ => {}
        }
    }

    /// Runs `call` on the shared connection; `None` when Redis is known to be down, or
    /// fails or is too slow now (the caller falls back).
    pub async fn run<T, F, Fut>(&self, call: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.is_healthy() {
            return None;
        }
        let manager = self.0.manager.get()?.clone();
        match tokio::time::timeout(CALL_TIMEOUT, call(manager)).await {
            Ok(Ok(value)) => {
                self.mark(true);
                Some(value)
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "Redis call failed");
                self.mark(false);
                None
            }
            Err(_) => {
                self.mark(false);
                None
            }
        }
    }

    /// Whether Redis answers a PING now (asked even while it is known to be down).
    pub async fn ping(&self) -> bool {
        let Some(manager) = self.0.manager.get() else {
            return false;
        };
        let mut c = manager.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut c);
        matches!(tokio::time::timeout(CALL_TIMEOUT, ping).await, Ok(Ok(_)))
    }

    /// A dedicated subscriber connection (pub/sub cannot share the command connection).
    pub async fn subscriber(&self) -> redis::RedisResult<redis::aio::PubSub> {
        self.0.client.get_async_pubsub().await
    }
}
