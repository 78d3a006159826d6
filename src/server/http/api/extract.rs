//! Extractors that answer their failures as API errors: the signed-in caller and a JSON body.

use super::{ApiError, types::ErrorCode};
use crate::server::{auth::sessions::Authenticated, http::middleware::auth::RequestAuth};
use axum::{
    Json,
    extract::{FromRequest, FromRequestParts, Path, Request, rejection::JsonRejection},
    http::{StatusCode, request::Parts},
};

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

/// A JSON body whose problems are a clear 400, 415 or 422, never axum's plain text.
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
                ErrorCode::UnsupportedMediaType,
                "Send the body as JSON with Content-Type: application/json.",
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Invalid,
                format!(
                    "The JSON does not have the expected fields: {}",
                    e.body_text()
                ),
            )),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!("The body is not valid JSON: {}", e.body_text()),
            )),
        }
    }
}

/// A record id from the path. No id holds a control character (and PostgreSQL refuses a
/// NUL in a lookup), so such a path names nothing: 404 before any query.
pub struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let not_found = || ApiError::from(crate::server::error::Error::NotFound);
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        if id.chars().any(char::is_control) {
            return Err(not_found());
        }
        Ok(Self(id))
    }
}
