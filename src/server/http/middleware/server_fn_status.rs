//! The fallback for errors no form answered. A form post's answer
//! (`forms::server::FormPost::answer`) sets its real status itself; a server function
//! that failed before that (unreadable arguments, not logged in) or that is not a form
//! would still be a 500, so this reads the error and gives it its own status (422, 401,
//! 403, 429, 503...).

use super::SERVER_FN_PREFIX;
use crate::errors::AppError;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};

/// The header server_fn puts on error responses.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

pub async fn map(req: Request, next: Next) -> Response {
    let is_server_fn = req.uri().path().starts_with(SERVER_FN_PREFIX);
    let res = next.run(req).await;
    if !is_server_fn
        || res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if parts.status == StatusCode::SERVICE_UNAVAILABLE {
            parts.headers.insert(
                axum::http::header::RETRY_AFTER,
                crate::server::http::RETRY_AFTER_SECONDS.into(),
            );
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
