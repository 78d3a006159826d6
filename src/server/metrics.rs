//! Prometheus metrics, served at `/metrics` on `[operations] metrics_address`, apart from
//! the public address (off by default). Counters and histograms are recorded where things
//! happen (`metrics::counter!` and friends; without an installed recorder they cost
//! nothing); what is a state rather than an event (active sessions, the mail queue, the
//! database pool, Redis) is read when Prometheus scrapes.
//!
//! | metric | what |
//! |---|---|
//! | `gatehouse_http_requests_total{class,status}` | requests by route class and status |
//! | `gatehouse_http_request_duration_seconds{class}` | latency by route class |
//! | `gatehouse_logins_total{outcome}` | password logins: ok, second_factor, failed, throttled |
//! | `gatehouse_password_hash_queue_depth` | hashes waiting for a hashing thread |
//! | `gatehouse_password_hash_wait_seconds` | how long a hash waited for a thread |
//! | `gatehouse_mail_total{result}` | mail queued, sent, retried, failed |
//! | `gatehouse_mail_queued`, `gatehouse_mail_oldest_queued_age_seconds` | the outbox now |
//! | `gatehouse_sessions_active` | live sessions |
//! | `gatehouse_db_pool_connections{state}`, `gatehouse_db_pool_max_connections` | the pool |
//! | `gatehouse_cache_lookups_total{cache,result}` | token, session and page cache hits |
//! | `gatehouse_redis_up` | whether Redis answers (when configured) |

use crate::server::{db, state::AppState};
use anyhow::Context;
use axum::{
    Router,
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{net::SocketAddr, sync::OnceLock, time::Duration};

/// Latency buckets (seconds): a token check is a fraction of a millisecond, a login
/// most of a second.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
/// A scrape never waits longer than this for the database.
const SCRAPE_QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Installs the process-wide recorder (once) and serves `/metrics` on `address` until the
/// process ends; returns the address bound.
pub async fn start(address: SocketAddr, state: AppState) -> anyhow::Result<SocketAddr> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    let handle = match HANDLE.get() {
        Some(handle) => handle.clone(),
        None => {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .context("metric buckets")?
                .install_recorder()
                .context("installing the metrics recorder")?;
            HANDLE.get_or_init(|| handle).clone()
        }
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening for metrics on {address}"))?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state((state, handle));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "metrics listener stopped");
        }
    });
    tracing::info!(%address, "serving metrics at /metrics");
    Ok(address)
}

async fn render(State((state, handle)): State<(AppState, PrometheusHandle)>) -> Response {
    read_states(&state).await;
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Sets the gauges that describe a state, at scrape time.
async fn read_states(state: &AppState) {
    let now = state.clock.unix();
    let pool = &state.db.pool;
    let queries = async {
        tokio::join!(
            db::sessions::count_live(pool, now),
            db::outbox::queue_state(pool)
        )
    };
    if let Ok((sessions, queue)) = tokio::time::timeout(SCRAPE_QUERY_TIMEOUT, queries).await {
        if let Ok(sessions) = sessions {
            metrics::gauge!("gatehouse_sessions_active").set(sessions as f64);
        }
        if let Ok((queued, oldest)) = queue {
            metrics::gauge!("gatehouse_mail_queued").set(queued as f64);
            let age = oldest.map_or(0, |at| (now - at).max(0));
            metrics::gauge!("gatehouse_mail_oldest_queued_age_seconds").set(age as f64);
        }
    }
    let size = f64::from(pool.size());
    let idle = pool.num_idle() as f64;
    metrics::gauge!("gatehouse_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("gatehouse_db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("gatehouse_db_pool_max_connections")
        .set(f64::from(state.settings.database.max_connections));
    if let Some(redis) = &state.redis {
        let up = if redis.is_healthy() { 1.0 } else { 0.0 };
        metrics::gauge!("gatehouse_redis_up").set(up);
    }
}

/// A cache lookup (token, session or page cache), for the hit rates.
pub fn count_lookup(cache: &'static str, hit: bool) {
    let result = if hit { "hit" } else { "miss" };
    metrics::counter!("gatehouse_cache_lookups_total", "cache" => cache, "result" => result)
        .increment(1);
}

/// The route class of a path: few enough values to be a label.
fn class(path: &str) -> &'static str {
    match path {
        "/healthz" | "/readyz" => "probe",
        p if p.starts_with("/api/") => "api",
        p if p.starts_with("/fn/") => "server_fn",
        p if p.starts_with("/pkg/") || p.starts_with("/assets/") => "asset",
        p if p.starts_with("/.well-known/") => "well_known",
        p if p.starts_with("/auth/") => "provider",
        _ => "page",
    }
}

/// Counts and times every request (added to the router only when metrics are on).
pub async fn track(request: Request, next: Next) -> Response {
    let class = class(request.uri().path());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    metrics::histogram!("gatehouse_http_request_duration_seconds", "class" => class)
        .record(started.elapsed().as_secs_f64());
    let status = response.status().as_u16().to_string();
    metrics::counter!("gatehouse_http_requests_total", "class" => class, "status" => status)
        .increment(1);
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_fall_into_a_few_classes() {
        use super::class;
        assert_eq!(class("/api/v1/auth/me"), "api");
        assert_eq!(class("/fn/login"), "server_fn");
        assert_eq!(class("/pkg/gatehouse.wasm"), "asset");
        assert_eq!(class("/readyz"), "probe");
        assert_eq!(class("/profile"), "page");
        assert_eq!(class("/users/anything/at/all"), "page");
    }
}
