//! The back channel apps call from their servers (or, for single-page apps, from the
//! browser): token, userinfo, revocation and introspection, with OAuth's JSON errors.

use crate::server::{
    auth::ClientInfo,
    provider::{ErrorCode, ProtocolError, access, clients::ClientCredentials, grants},
    state::AppState,
};
use axum::{
    Extension, Form, Json, Router,
    extract::State,
    http::{HeaderMap, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/token", post(token))
        .route("/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/revoke", post(revoke))
        .layer(open_to_apps())
        // Resource servers introspect from their own servers: no page needs it.
        .route("/oauth2/introspect", post(introspect))
}

/// Single-page apps (public clients with PKCE) call the token, userinfo and revocation
/// endpoints, discovery and the JWKS from their own origin. Any origin may, but never
/// with credentials: these endpoints take no cookies, so a page reading their answers
/// learns nothing its own server could not ask for itself.
pub fn open_to_apps() -> tower_http::cors::CorsLayer {
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        // A refused token says why in WWW-Authenticate (RFC 6750), and a busy server
        // when to retry: client libraries read both, which a page may not unless told.
        .expose_headers([header::WWW_AUTHENTICATE, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

/// The client's id and secret: HTTP Basic (client_secret_basic) or the form
/// (client_secret_post, or a public client's bare client_id).
fn credentials(
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> ClientCredentials {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    match basic {
        Some((id, secret)) => ClientCredentials {
            client_id: Some(id),
            secret: Some(secret),
        },
        None => ClientCredentials {
            client_id: form_id.map(str::to_string),
            secret: form_secret.filter(|s| !s.is_empty()).map(str::to_string),
        },
    }
}

/// An OAuth error answer (RFC 6749 5.2): JSON, never cached.
fn oauth_error(e: &ProtocolError) -> Response {
    let status = match e.code {
        ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut res = (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "error": e.code(), "error_description": e.description })),
    )
        .into_response();
    match e.code {
        ErrorCode::InvalidClient => {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"gatehouse\""),
            );
        }
        ErrorCode::InvalidToken => {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        ErrorCode::TemporarilyUnavailable => {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(crate::server::http::RETRY_AFTER_SECONDS),
            );
        }
        _ => {}
    }
    res
}

fn no_store(body: serde_json::Value) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(body),
    )
        .into_response()
}

async fn token(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
    Form(params): Form<grants::TokenParams>,
) -> Response {
    let creds = credentials(
        &headers,
        params.client_id.as_deref(),
        params.client_secret.as_deref(),
    );
    match grants::token(&state, &creds, &params, &client).await {
        Ok(answer) => no_store(serde_json::to_value(answer).unwrap_or_default()),
        Err(e) => oauth_error(&e),
    }
}

/// Userinfo takes the token as a bearer header, or (RFC 6750 2.2) a POSTed form field.
async fn userinfo(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let in_form = || {
        url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string)
        .or_else(in_form);
    let Some(token) = bearer else {
        let mut res = StatusCode::UNAUTHORIZED.into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return res;
    };
    match access::userinfo(&state, &token).await {
        Ok(claims) => no_store(claims),
        Err(e) => oauth_error(&e),
    }
}

#[derive(Default, Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let creds = credentials(
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    );
    match access::revoke(&state, &creds, &form.token).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => oauth_error(&e),
    }
}

async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let creds = credentials(
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    );
    match access::introspect(&state, &creds, &form.token).await {
        Ok(answer) => no_store(answer),
        Err(e) => oauth_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_secrets_come_from_basic_or_the_form() {
        let mut headers = HeaderMap::new();
        let basic = STANDARD.encode("app%3A1:s%2Bcret");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {basic}").parse().unwrap(),
        );
        let c = credentials(&headers, Some("other"), None);
        assert_eq!(c.client_id.as_deref(), Some("app:1"));
        assert_eq!(c.secret.as_deref(), Some("s+cret"));
        let c = credentials(&HeaderMap::new(), Some("app"), Some(""));
        assert_eq!(c.client_id.as_deref(), Some("app"));
        assert_eq!(c.secret, None);
    }
}
