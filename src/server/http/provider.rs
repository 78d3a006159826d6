//! The OpenID Provider's HTTP face: discovery, the authorization endpoint (a browser
//! round trip through the login and consent pages), the back-channel endpoints apps
//! call (token, userinfo, revocation, introspection) and RP-initiated logout.

use super::middleware::auth::RequestAuth;
use crate::server::{
    auth::{ClientInfo, sessions},
    browser_state,
    provider::{
        ErrorCode, ProtocolError, SCOPES,
        authorize::{self, AuthorizationRequest, AuthorizeParams, Next, Refused},
        clients::{self, ClientCredentials},
        consent, grants, tokens,
    },
    state::AppState,
};
use crate::validate::AUTHORIZE_RESUME_PATH;
use axum::{
    Extension, Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;
use tower_sessions::Session;

/// The page that asks the person whether the app may have what it asks for.
pub const CONSENT_PAGE: &str = "/authorize/consent";

/// Routes that need the browser's state (under its layer).
pub fn browser_router() -> Router<AppState> {
    Router::new()
        .route("/oauth2/authorize", get(authorize_get).post(authorize_post))
        .route(AUTHORIZE_RESUME_PATH, get(resume))
        .route("/oauth2/consent", post(consent_decision))
        .route("/oauth2/logout", get(end_session).post(end_session_post))
}

/// Routes apps call directly: no cookies, no browser state.
pub fn backchannel_router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/token", post(token))
        .route("/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/revoke", post(revoke))
        .route("/oauth2/introspect", post(introspect))
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

// --- The browser round trip ---

async fn authorize_get(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    headers: HeaderMap,
    session: Session,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    start(state, auth, &headers, session, params).await
}

async fn authorize_post(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    headers: HeaderMap,
    session: Session,
    Form(params): Form<AuthorizeParams>,
) -> Response {
    start(state, auth, &headers, session, params).await
}

async fn start(
    state: AppState,
    auth: RequestAuth,
    headers: &HeaderMap,
    session: Session,
    params: AuthorizeParams,
) -> Response {
    match authorize::check(&state, &params).await {
        Err(Refused::Page(message)) => page(
            StatusCode::BAD_REQUEST,
            "This sign-in cannot go on",
            &message,
        ),
        Err(Refused::Redirect(url)) => back_to_app(headers, &url),
        Err(Refused::Unavailable) => unavailable(),
        Ok(req) => {
            if let Err(e) = browser_state::put_authorization(&session, &req).await {
                tracing::error!(error = ?e, "could not keep an authorization request");
                return unavailable();
            }
            proceed(&state, &req, &auth, headers, &session).await
        }
    }
}

/// After the login or step-up: the request waiting in this browser goes on.
async fn resume(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    match browser_state::authorization(&session).await {
        Some(req) => proceed(&state, &req, &auth, &headers, &session).await,
        None => expired(),
    }
}

async fn proceed(
    state: &AppState,
    req: &AuthorizationRequest,
    auth: &RequestAuth,
    headers: &HeaderMap,
    session: &Session,
) -> Response {
    match authorize::decide(state, req, auth.0.as_ref()).await {
        Ok(Next::Login) => see_other(&format!("/login?next={}", encode(AUTHORIZE_RESUME_PATH))),
        Ok(Next::FreshLogin) => {
            see_other(&format!("/confirm?next={}", encode(AUTHORIZE_RESUME_PATH)))
        }
        Ok(Next::Consent) => see_other(CONSENT_PAGE),
        Ok(Next::Redirect(url)) => {
            browser_state::forget_authorization(session).await;
            back_to_app(headers, &url)
        }
        Err(_) => unavailable(),
    }
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    #[serde(default)]
    decision: String,
}

/// The consent page's answer (a plain form: it works without JavaScript).
async fn consent_decision(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
    session: Session,
    Form(form): Form<ConsentForm>,
) -> Response {
    let Some(req) = browser_state::authorization(&session).await else {
        return expired();
    };
    let Some(found) = auth.0.as_ref() else {
        return see_other(&format!("/login?next={}", encode(AUTHORIZE_RESUME_PATH)));
    };
    let url = if form.decision == "allow" {
        if consent::allow(&state, &req.client_id, &found.user.id, &req.scope, &client)
            .await
            .is_err()
        {
            return unavailable();
        }
        match authorize::issue_code(&state, &req, found).await {
            Ok(url) => url,
            Err(_) => return unavailable(),
        }
    } else {
        authorize::denied(&state, &req)
    };
    browser_state::forget_authorization(&session).await;
    back_to_app(&headers, &url)
}

/// The redirect back to the app. When it ends a chain that one of our own forms started
/// (login, second step, consent: the browser says `Sec-Fetch-Site: same-origin`), a
/// redirect would be blocked by the pages' `form-action 'self'` policy, which browsers
/// apply to every hop after a form post; a page that moves on by itself (meta refresh,
/// no script) takes its place. Everyone else gets the plain 303.
fn back_to_app(headers: &HeaderMap, url: &str) -> Response {
    let from_our_form = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-origin");
    if !from_our_form {
        return see_other(url);
    }
    let href = html_attribute(url);
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0;url={href}">
<title>Back to the app · Gatehouse</title><link rel="stylesheet" href="/pkg/gatehouse.css"><link rel="icon" type="image/svg+xml" href="/favicon.svg"></head>
<body><main class="container"><section class="card narrow"><h1>Taking you back to the app</h1>
<p><a href="{href}">Continue</a></p></section></main></body></html>"#
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

/// `s` escaped for a double-quoted HTML attribute.
fn html_attribute(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[derive(Debug, Default, Deserialize)]
struct EndSessionParams {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    client_id: Option<String>,
}

async fn end_session(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    Query(params): Query<EndSessionParams>,
) -> Response {
    log_out_from_app(state, auth, client, params).await
}

async fn end_session_post(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    Form(params): Form<EndSessionParams>,
) -> Response {
    log_out_from_app(state, auth, client, params).await
}

/// RP-initiated logout: with an ID token we issued as the hint, the Gatehouse session
/// ends and the person goes back to the app's registered post-logout URI (or home).
async fn log_out_from_app(
    state: AppState,
    auth: RequestAuth,
    client: ClientInfo,
    params: EndSessionParams,
) -> Response {
    let hint = match params.id_token_hint.as_deref() {
        Some(token) => tokens::read_id_token_hint(&state, token).await,
        None => None,
    };
    let Some((client_id, subject)) = hint else {
        return page(
            StatusCode::BAD_REQUEST,
            "Log out",
            "The app did not say who is logging out (id_token_hint is missing or not valid). \
             Use \u{201c}Log out\u{201d} in Gatehouse instead.",
        );
    };
    if params.client_id.as_deref().is_some_and(|c| c != client_id) {
        return page(
            StatusCode::BAD_REQUEST,
            "Log out",
            "client_id does not match the ID token.",
        );
    }
    let app = match clients::find_active(&state, &client_id).await {
        Ok(app) => app,
        Err(_) => return unavailable(),
    };
    let target = match (&app, params.post_logout_redirect_uri.as_deref()) {
        (Some(app), Some(uri)) if app.post_logout_redirect_uris().any(|u| u == uri) => {
            let mut url = url::Url::parse(uri).ok();
            if let (Some(url), Some(s)) = (url.as_mut(), params.state.as_deref()) {
                url.query_pairs_mut().append_pair("state", s);
            }
            url.map(|u| u.to_string()).unwrap_or_else(|| "/".into())
        }
        (_, Some(_)) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Log out",
                "The app asked to return to an address it has not registered.",
            );
        }
        _ => "/".into(),
    };
    // Only the person the ID token is about is logged out: anyone's old ID token in a
    // link must not end someone else's session (logout CSRF).
    let Some(found) = auth.0.as_ref() else {
        return see_other(&target);
    };
    let same_person = app
        .as_ref()
        .is_some_and(|app| tokens::subject(&state, app, &found.user.id) == subject);
    if !same_person {
        return see_other(&target);
    }
    if sessions::logout(&state, found, &client).await.is_err() {
        return unavailable();
    }
    let mut res = see_other(&target);
    for value in state.cookies.cleared() {
        res.headers_mut().append(header::SET_COOKIE, value);
    }
    res
}

// --- The back channel ---

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
                header::HeaderValue::from(super::RETRY_AFTER_SECONDS),
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
    match grants::userinfo(&state, &token).await {
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
    match grants::revoke(&state, &creds, &form.token).await {
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
    match grants::introspect(&state, &creds, &form.token).await {
        Ok(answer) => no_store(answer),
        Err(e) => oauth_error(&e),
    }
}

// --- Small answers ---

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn see_other(url: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

fn expired() -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "This sign-in has expired",
        "Go back to the app and start signing in again.",
    )
}

fn unavailable() -> Response {
    super::middleware::auth::unavailable_at("/oauth2/authorize", None)
}

/// A plain page in the site's style. `message` is always our own text.
fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Gatehouse</title><link rel="stylesheet" href="/pkg/gatehouse.css"><link rel="icon" type="image/svg+xml" href="/favicon.svg"></head>
<body><main class="container"><section class="card narrow"><h1>{title}</h1>
<p>{message}</p><p><a href="/">Gatehouse home</a></p></section></main></body></html>"#
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
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
