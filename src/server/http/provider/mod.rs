//! The OpenID Provider's HTTP face: discovery, the authorization endpoint (a browser
//! round trip through the login and consent pages), the back-channel endpoints apps
//! call (token, userinfo, revocation, introspection) and RP-initiated logout.

mod answers;
mod backchannel;
mod browser;
mod logout;

pub use backchannel::open_to_apps;

use crate::server::{
    provider::{SCOPES, tokens},
    state::AppState,
};
use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};

/// The page that asks the person whether the app may have what it asks for.
pub const CONSENT_PAGE: &str = "/authorize/consent";

/// Routes that need the browser's state (under its layer).
pub fn browser_router() -> Router<AppState> {
    browser::routes().merge(logout::routes())
}

/// Routes apps call directly: no cookies, no browser state.
pub fn backchannel_router() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery).layer(open_to_apps()),
        )
        .merge(backchannel::routes())
}

/// Paths of the back channel: apps (and browsers of single-page apps) post here from
/// other origins, with no cookies and so no ambient authority.
pub fn is_backchannel(path: &str) -> bool {
    matches!(
        path,
        "/oauth2/token" | "/oauth2/userinfo" | "/oauth2/revoke" | "/oauth2/introspect"
    )
}

async fn discovery(State(state): State<AppState>) -> Response {
    let issuer = tokens::issuer(&state);
    let base = state
        .settings
        .server
        .public_url
        .trim_end_matches('/')
        .to_string();
    let document = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "userinfo_endpoint": format!("{base}/oauth2/userinfo"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "introspection_endpoint": format!("{base}/oauth2/introspect"),
        "end_session_endpoint": format!("{base}/oauth2/logout"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp",
            "name", "preferred_username", "picture", "updated_at", "email", "email_verified"
        ],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
    });
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(document),
    )
        .into_response()
}
