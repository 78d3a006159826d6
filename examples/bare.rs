//! The physical reference for `scripts/bench`: a bare axum route on the same runtime and
//! HTTP stack as Gatehouse, answering JSON of the same size as `GET /api/v1/auth/me`, with
//! no authentication, database or middleware. Gatehouse's numbers are read as a share of
//! this one's, measured in the same run on the same machine.
//!
//! `cargo run --release --features ssr --example bare -- 127.0.0.1:3900`

use axum::{Json, Router, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3900".into());
    // The shape and size of a `me` answer for the benchmark's user.
    let me = serde_json::json!({
        "id": "0193a7f0-0000-7000-8000-000000000000",
        "username": "bench",
        "email": "bench@example.com",
        "email_verified": true,
        "display_name": null,
        "bio": null,
        "avatar_url": null,
        "role": "admin",
        "has_password": true,
        "created_at": "2026-11-27T22:00:00Z",
        "last_login_at": "2026-11-27T22:00:00Z",
    });
    let app = Router::new().route("/me", get(move || async move { Json(me.clone()) }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
