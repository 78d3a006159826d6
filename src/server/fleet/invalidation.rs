//! Cache invalidations between instances. Every committed write that calls
//! `AuthCache::forget_user` also lands here; this instance publishes it, and every other
//! instance drops that user's cached sessions at once instead of within a second:
//! through Redis pub/sub when Redis is configured, else through PostgreSQL's
//! `LISTEN/NOTIFY`; on SQLite (one instance) there is no one to tell.
//!
//! A message is `<instance id> <user id>`: an instance ignores its own. When the
//! subscription drops, messages may have been missed, so the cache is emptied on every
//! (re)subscription.

use crate::server::{db, fleet::redis::RedisLink, state::AppState};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;

/// PostgreSQL channel (and the suffix of the Redis one).
const CHANNEL: &str = "gatehouse_invalidate";
/// Invalidations waiting to be published; beyond this they are dropped (the one-second
/// freshness bound still holds).
const QUEUE: usize = 4096;
const RETRY: Duration = Duration::from_secs(1);

/// Whether this deployment has anyone to tell.
pub fn needed(state: &AppState) -> bool {
    state.redis.is_some() || state.db.backend == db::Backend::Postgres
}

/// Hooks the cache up and returns what the publisher reads.
pub fn attach(state: &AppState) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(QUEUE);
    state.auth_cache.announce_to(tx);
    rx
}

/// Publishes this instance's invalidations until shutdown.
pub async fn publish(state: AppState, queue: &mut mpsc::Receiver<String>) {
    while let Some(user_id) = queue.recv().await {
        let message = format!("{} {user_id}", state.instance_id);
        let sent = match &state.redis {
            Some(link) => {
                let channel = link.key(CHANNEL);
                link.run(|mut c| async move {
                    redis::cmd("PUBLISH")
                        .arg(channel)
                        .arg(message)
                        .query_async::<i64>(&mut c)
                        .await
                })
                .await
                .is_some()
            }
            None => db::notify::notify(&state.db, CHANNEL, &message)
                .await
                .is_ok(),
        };
        if !sent {
            tracing::warn!(
                "could not tell the other instances about an invalidation; they see it within a second"
            );
        }
    }
}

/// Applies the other instances' invalidations until shutdown.
pub async fn subscribe(state: AppState) {
    loop {
        let result = match &state.redis {
            Some(link) => from_redis(&state, link).await,
            None => from_postgres(&state).await,
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "invalidation subscription lost; subscribing again");
        }
        tokio::time::sleep(RETRY).await;
    }
}

fn apply(state: &AppState, message: &str) {
    if let Some((instance, user_id)) = message.split_once(' ')
        && instance != state.instance_id
    {
        state.auth_cache.forget_user_here(user_id);
    }
}

async fn from_redis(state: &AppState, link: &RedisLink) -> anyhow::Result<()> {
    let mut pubsub = link.subscriber().await?;
    pubsub.subscribe(link.key(CHANNEL)).await?;
    state.auth_cache.forget_all_sessions();
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        if let Ok(text) = message.get_payload::<String>() {
            apply(state, &text);
        }
    }
    Ok(())
}

async fn from_postgres(state: &AppState) -> anyhow::Result<()> {
    let mut listener = db::notify::listen(&state.settings.database.url, CHANNEL).await?;
    state.auth_cache.forget_all_sessions();
    loop {
        // `None`: the connection dropped and sqlx reconnects; what was sent meanwhile is lost.
        match listener.try_recv().await? {
            Some(notification) => apply(state, notification.payload()),
            None => state.auth_cache.forget_all_sessions(),
        }
    }
}
