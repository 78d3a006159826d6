//! Liveness and readiness probes for load balancers and orchestrators.

use crate::server::state::AppState;
use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

/// `GET /healthz`: the process is up and serving.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when this instance should get traffic: the database answers and
/// it is not shutting down. Redis unreachable is "degraded" (still 200): the throttles
/// then count per instance, and nothing else needs Redis.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        );
    }
    // Redis's state as its link last saw it (it checks every second): a health check
    // must not wait on Redis.
    let redis = state.redis.as_ref().map(|link| link.is_healthy());
    let database = state.db.ping().await;
    let mut body = json!({
        "status": match (database, redis) {
            (false, _) => "unavailable",
            (true, Some(false)) => "degraded",
            (true, _) => "ok",
        },
        "database": if database { "ok" } else { "unreachable" },
    });
    if let Some(redis) = redis {
        body["redis"] = json!(if redis { "ok" } else { "unreachable" });
    }
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
