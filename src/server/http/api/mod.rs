//! The JSON API under `/api/v1` for clients without a browser: bearer access tokens, the
//! refresh token in the body, errors as `{"detail", "code"}` (plus `fields` for 422). The
//! handlers are thin: they call the same `auth` flows as the pages.

mod account;
mod auth;
mod docs;
mod email;
mod users;

use super::middleware::auth::RequestAuth;
use crate::{
    errors::AppError,
    server::{auth::sessions::Authenticated, error::Error, state::AppState},
    validate::FieldErrors,
};
use axum::{
    Json, Router,
    extract::{FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Serialize;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .nest(
            "/api/v1",
            auth::router()
                .merge(account::router())
                .merge(email::router())
                .merge(users::router())
                .route("/openapi.json", axum::routing::get(docs::openapi_json))
                .layer(cors(state)),
        )
        .route("/api/docs", axum::routing::get(docs::page))
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

/// An API error: the status, a sentence, a stable code, and per-field messages.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    detail: String,
    fields: Option<FieldErrors>,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
}

/// The error body every endpoint answers with (documentation twin of `ErrorJson`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// A sentence for people.
    detail: String,
    /// A stable code for programs: `invalid`, `conflict`, `unauthorized`, ...
    code: String,
    /// Per-field messages (422 only).
    fields: Option<std::collections::BTreeMap<String, String>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            fields: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "A valid bearer access token is required.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorJson {
            detail: &self.detail,
            code: &self.code,
            fields: self.fields.as_ref(),
        };
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, super::RETRY_AFTER_SECONDS.into());
        }
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = if self.code == "invalid_credentials" {
                "Bearer".to_string()
            } else {
                r#"Bearer error="invalid_token""#.to_string()
            };
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge.parse().unwrap());
        }
        res
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Taken(fields) => Self {
                status: StatusCode::CONFLICT,
                code: "conflict".into(),
                detail: fields
                    .values()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| "Already taken.".into()),
                fields: Some(fields),
            },
            other => AppError::from(other).into(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // The stable code is the error's own serde tag, so the two cannot drift apart.
        let code = serde_json::to_value(&e)
            .ok()
            .and_then(|v| v.get("code")?.as_str().map(str::to_string))
            .unwrap_or_else(|| "internal".into());
        let fields = match &e {
            AppError::Invalid { fields } => Some(fields.clone()),
            _ => None,
        };
        Self {
            status,
            code,
            detail: e.to_string(),
            fields,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The signed-in caller (bearer token or cookie); 401 with `WWW-Authenticate` otherwise.
pub struct Caller(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<RequestAuth>()
            .and_then(|a| a.0.clone())
            .map(Caller)
            .ok_or_else(ApiError::unauthorized)
    }
}

/// A JSON body whose problems are a clear 400 or 422, never axum's plain text.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json.",
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!(
                    "The JSON does not have the expected fields: {}",
                    e.body_text()
                ),
            )),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("The body is not valid JSON: {}", e.body_text()),
            )),
        }
    }
}
