//! `/api/v1/auth/...`: signup, login (JSON and the OAuth2 password form), refresh,
//! logout, and tokens for other services.

use super::email::{Message, message};
use super::{ApiError, ApiResult, Body, Caller};
use crate::{
    model::UserView,
    server::{
        auth::{
            ClientInfo, accounts, devices,
            passwords::Password,
            sessions::{self, IssuedTokens},
        },
        state::AppState,
        views::user_view,
    },
};
use axum::{
    Extension, Form, Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signup", post(signup))
        .route("/auth/login", post(login))
        .route("/auth/token", post(token))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/auth/logout-all", post(logout_all))
        .route("/auth/service-token", post(service_token))
}

/// Tokens for an API client: the refresh token is in the body (no cookie jar).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserView>,
}

fn token_response(tokens: IssuedTokens, user: Option<UserView>) -> TokenResponse {
    TokenResponse {
        expires_in: tokens.access_expires_at - tokens.issued_at,
        access_token: tokens.access_token,
        token_type: "Bearer",
        refresh_token: tokens.refresh_token,
        user,
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignupBody {
    username: String,
    email: String,
    password: String,
    #[serde(default)]
    display_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignupResponse {
    user: UserView,
    /// True when the address must be verified before the first login (then no tokens).
    verification_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupBody,
    responses((status = 201, description = "Account created", body = SignupResponse),
        (status = 202, description = "Check your inbox (deployments that do not reveal taken addresses answer this for new and taken addresses alike)", body = Message),
        (status = 409, description = "Username or email taken", body = super::ErrorBody), (status = 422, description = "Invalid fields", body = super::ErrorBody),
        (status = 429, description = "Too many requests", body = super::ErrorBody)))]
pub async fn signup(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<SignupBody>,
) -> ApiResult<Response> {
    let password = Password::new(body.password);
    let created = accounts::signup(
        &state,
        accounts::SignupInput {
            username: &body.username,
            email: &body.email,
            password: &password,
            display_name: &body.display_name,
        },
        &client,
    )
    .await;
    // Where signup must not reveal taken addresses, new and taken ones answer alike.
    let check_inbox = || {
        (
            StatusCode::ACCEPTED,
            message(
                "Check your inbox: follow the link we sent to verify the address, then log in.",
            ),
        )
            .into_response()
    };
    let (user, tokens) = match created {
        Err(crate::server::error::Error::SignupPending(_)) => return Ok(check_inbox()),
        Ok((_, None)) if !state.settings.reveals_taken_email() => return Ok(check_inbox()),
        other => other?,
    };
    let tokens = tokens.map(|t| token_response(t, None));
    let response = SignupResponse {
        user: user_view(&user),
        verification_required: tokens.is_none(),
        token_type: tokens.as_ref().map(|t| t.token_type),
        expires_in: tokens.as_ref().map(|t| t.expires_in),
        refresh_token: tokens.as_ref().and_then(|t| t.refresh_token.clone()),
        access_token: tokens.map(|t| t.access_token),
    };
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    /// Username or email.
    login: String,
    password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong login or password", body = super::ErrorBody),
        (status = 403, description = "Deactivated or unverified", body = super::ErrorBody), (status = 422, description = "Invalid fields", body = super::ErrorBody),
        (status = 429, description = "Too many attempts for this account or address", body = super::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<LoginBody>,
) -> ApiResult<Json<TokenResponse>> {
    let (user, tokens) =
        accounts::login(&state, &body.login, &Password::new(body.password), &client).await?;
    Ok(Json(token_response(tokens, Some(user_view(&user)))))
}

/// The OAuth 2.0 password grant (RFC 6749 §4.3), for tools that speak it.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenForm {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed request or unsupported grant", body = super::ErrorBody),
        (status = 401, description = "Wrong login or password", body = super::ErrorBody),
        (status = 403, description = "Deactivated or unverified", body = super::ErrorBody), (status = 422, description = "Invalid fields", body = super::ErrorBody),
        (status = 429, description = "Too many attempts for this account or address", body = super::ErrorBody)))]
pub async fn token(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> ApiResult<Json<TokenResponse>> {
    let Ok(Form(form)) = form else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send grant_type=password, username and password as application/x-www-form-urlencoded.",
        ));
    };
    // FastAPI's OAuth2PasswordRequestForm makes grant_type optional; when given, it must be
    // `password`.
    if form.grant_type.as_deref().is_some_and(|g| g != "password") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only grant_type=password is supported here.",
        ));
    }
    let (username, password) = (
        form.username.unwrap_or_default(),
        form.password.unwrap_or_default(),
    );
    let (user, tokens) =
        accounts::login(&state, &username, &Password::new(password), &client).await?;
    Ok(Json(token_response(tokens, Some(user_view(&user)))))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshBody {
    refresh_token: String,
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses((status = 200, description = "New tokens; the refresh token is rotated", body = TokenResponse),
        (status = 401, description = "Refresh token not valid", body = super::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<RefreshBody>,
) -> ApiResult<Json<TokenResponse>> {
    match sessions::refresh(&state, &body.refresh_token, &client).await {
        Ok((tokens, _)) => Ok(Json(token_response(tokens, None))),
        Err(crate::server::error::Error::Unauthorized) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "This refresh token is not valid (expired, revoked, or already used). Log in again.",
        )),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Session ended"), (status = 401, description = "No valid token", body = super::ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
) -> ApiResult<StatusCode> {
    sessions::logout(&state, &auth, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ended {
    sessions_ended: u64,
}

#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "Every session ended", body = Ended), (status = 401, description = "No valid token", body = super::ErrorBody)))]
pub async fn logout_all(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
) -> ApiResult<Json<Ended>> {
    let sessions_ended =
        devices::sign_out_many(&state, &auth, devices::SignOut::Everywhere, &client).await?;
    Ok(Json(Ended { sessions_ended }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ServiceTokenBody {
    /// One of the configured `tokens.service_audiences`.
    audience: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceToken {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    audience: String,
}

#[utoipa::path(post, path = "/api/v1/auth/service-token", tag = "auth", security(("bearer" = [])), request_body = ServiceTokenBody,
    responses((status = 200, description = "An access token for that service (refused by Gatehouse's own API)", body = ServiceToken),
        (status = 400, description = "Malformed request", body = super::ErrorBody),
        (status = 401, description = "No valid token", body = super::ErrorBody),
        (status = 415, description = "Not JSON", body = super::ErrorBody),
        (status = 422, description = "Not a configured service audience", body = super::ErrorBody)))]
pub async fn service_token(
    State(state): State<AppState>,
    Caller(auth): Caller,
    Body(body): Body<ServiceTokenBody>,
) -> ApiResult<Json<ServiceToken>> {
    if !state
        .settings
        .tokens
        .service_audiences
        .contains(&body.audience)
    {
        return Err(crate::server::error::Error::field(
            "audience",
            "Not a service this server issues tokens for.",
        )
        .into());
    }
    let now = state.clock.unix();
    let (access_token, exp) = state
        .access_tokens
        .issue_for(
            &body.audience,
            &auth.user.id,
            &auth.session_id,
            auth.user.role,
            now,
        )
        .map_err(crate::server::error::Error::Internal)?;
    Ok(Json(ServiceToken {
        access_token,
        token_type: "Bearer",
        expires_in: exp - now,
        audience: body.audience,
    }))
}
