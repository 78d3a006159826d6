//! `[redis]` and `[operations]`: what running several instances as one, and operating
//! them, needs. Both are off by default, so one instance on SQLite is unchanged.

use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, time::Duration};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://host:6379/0` (or `rediss://` for TLS); `REDIS_URL` overrides it. Set, the
    /// throttles are shared by every instance and cache invalidations reach them all at
    /// once. Empty: throttles per instance; invalidations through PostgreSQL's
    /// `LISTEN/NOTIFY` when the database is PostgreSQL.
    pub url: String,
    /// Prefix of every key and channel, so several deployments can share one Redis.
    pub key_prefix: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperationsSettings {
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Where Prometheus metrics are served (`/metrics`), apart from the public address;
    /// unset: no metrics endpoint.
    pub metrics_address: Option<SocketAddr>,
    /// After SIGTERM, how long `/readyz` answers 503 while requests are still served, so
    /// a load balancer's health check takes the instance out before it stops accepting.
    #[serde(with = "super::duration")]
    pub shutdown_drain: Duration,
    /// Then how long in-flight requests and background work may take to finish.
    #[serde(with = "super::duration")]
    pub shutdown_timeout: Duration,
}

impl Default for OperationsSettings {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Text,
            metrics_address: None,
            shutdown_drain: Duration::ZERO,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

impl RedisSettings {
    /// The prefix with its default filled in.
    pub fn prefix(&self) -> &str {
        if self.key_prefix.is_empty() {
            "gatehouse"
        } else {
            &self.key_prefix
        }
    }
}
