//! The JSON API under `/api/v1` for clients without a browser: bearer access tokens, the
//! refresh token in the body, errors as one [`types::ErrorBody`]. The handlers are thin:
//! they call the same `auth` flows as the pages, and speak only the wire types in
//! [`types`]. Routes are added with `routes!` only, so each one is in the OpenAPI document.

mod account;
mod auth;
mod docs;
mod email;
mod error;
mod extract;
mod mfa;
pub mod types;
mod users;

pub use error::{ApiError, ApiResult};
pub use extract::{Body, Caller, IdPath};

use crate::server::state::AppState;
use axum::{Router, http::header};
use utoipa_axum::router::OpenApiRouter;

pub fn router(state: &AppState) -> Router<AppState> {
    let (api, document) = operations().split_for_parts();
    api.merge(docs::document_route(document))
        .layer(cors(state))
        .merge(docs::ui_router())
}

/// Every operation, at its `/api/v1` path, with the document that describes them.
fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(docs::base()).nest(
        "/api/v1",
        OpenApiRouter::new()
            .merge(auth::routes())
            .merge(account::routes())
            .merge(email::routes())
            .merge(mfa::routes())
            .merge(users::routes()),
    )
}

/// Browsers on the configured origins may call the API with a bearer token; never with
/// cookies (no credentials), so CORS cannot widen what a cookie can do.
fn cors(state: &AppState) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderValue, Method};
    let origins: Vec<HeaderValue> = state
        .settings
        .server
        .cors_origins
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}
