//! `/api/v1/auth/...`: signup, login (JSON and the OAuth2 password form), refresh,
//! logout, and tokens for other services.

use super::types::{
    Ended, ErrorBody, ErrorCode, LoginAnswer, LoginBody, Message, RefreshBody, ServiceToken,
    ServiceTokenBody, SignupBody, SignupResponse, TokenForm, TokenResponse, User,
};
use super::{ApiError, ApiResult, Body, Caller};
use crate::server::{
    auth::{
        ClientInfo, accounts, devices, factors::pending::LoginOutcome, passwords::Password,
        sessions,
    },
    error::Error,
    state::AppState,
};
use axum::{
    Extension, Form, Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(token))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(logout_all))
        .routes(routes!(service_token))
}

#[utoipa::path(post, path = "/auth/signup", tag = "auth", request_body = SignupBody,
    responses((status = 201, description = "Account created", body = SignupResponse),
        (status = 202, description = "Check your inbox (deployments that do not reveal taken addresses answer this for new and taken addresses alike)", body = Message),
        (status = 409, description = "Username or email taken", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody)))]
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
            Json(Message::new(
                "Check your inbox: follow the link we sent to verify the address, then log in.",
            )),
        )
            .into_response()
    };
    let (user, tokens) = match created {
        Err(Error::SignupPending(_)) => return Ok(check_inbox()),
        Ok((_, None)) if !state.settings.reveals_taken_email() => return Ok(check_inbox()),
        other => other?,
    };
    let tokens = tokens.map(|t| TokenResponse::new(t, None));
    let response = SignupResponse {
        user: User::from(&user),
        verification_required: tokens.is_none(),
        token_type: tokens.as_ref().map(|t| t.token_type),
        expires_in: tokens.as_ref().map(|t| t.expires_in),
        refresh_token: tokens.as_ref().and_then(|t| t.refresh_token.clone()),
        access_token: tokens.map(|t| t.access_token),
    };
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, description = "Logged in (tokens), or a second factor is needed (`mfa_required`, `mfa_token`: finish with POST /auth/mfa/verify)", body = LoginAnswer),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 403, description = "Deactivated or unverified", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many attempts for this account or address", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<LoginBody>,
) -> ApiResult<Json<LoginAnswer>> {
    let (user, outcome) =
        accounts::login(&state, &body.login, &Password::new(body.password), &client).await?;
    Ok(Json(LoginAnswer::new(&user, outcome, state.clock.unix())))
}

#[utoipa::path(post, path = "/auth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed request or unsupported grant", body = ErrorBody),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 403, description = "Deactivated or unverified, or the account has a second factor (code mfa_required: use POST /auth/login)", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many attempts for this account or address", body = ErrorBody)))]
pub async fn token(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> ApiResult<Json<TokenResponse>> {
    let Ok(Form(form)) = form else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            "Send grant_type=password, username and password as application/x-www-form-urlencoded.",
        ));
    };
    // FastAPI's OAuth2PasswordRequestForm makes grant_type optional; when given, it must be
    // `password`.
    if form.grant_type.as_deref().is_some_and(|g| g != "password") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedGrantType,
            "Only grant_type=password is supported here.",
        ));
    }
    let (username, password) = (
        form.username.unwrap_or_default(),
        form.password.unwrap_or_default(),
    );
    let (user, outcome) =
        accounts::login(&state, &username, &Password::new(password), &client).await?;
    match outcome {
        LoginOutcome::Session(tokens) => {
            Ok(Json(TokenResponse::new(tokens, Some(User::from(&user)))))
        }
        // The password grant has no second step: the pending login is left to expire.
        LoginOutcome::SecondFactor(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::MfaRequired,
            "This account has a second factor: log in with POST /api/v1/auth/login, then POST /api/v1/auth/mfa/verify.",
        )),
    }
}

#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses((status = 200, description = "New tokens; the refresh token is rotated", body = TokenResponse),
        (status = 401, description = "Refresh token not valid", body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Body(body): Body<RefreshBody>,
) -> ApiResult<Json<TokenResponse>> {
    match sessions::refresh(&state, &body.refresh_token, &client).await {
        Ok((tokens, _)) => Ok(Json(TokenResponse::new(tokens, None))),
        Err(Error::Unauthorized) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidGrant,
            "This refresh token is not valid (expired, revoked, or already used). Log in again.",
        )),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Session ended"), (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
) -> ApiResult<StatusCode> {
    sessions::logout(&state, &auth, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "Every session ended", body = Ended), (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn logout_all(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Caller(auth): Caller,
) -> ApiResult<Json<Ended>> {
    let sessions_ended =
        devices::sign_out_many(&state, &auth, devices::SignOut::Everywhere, &client).await?;
    Ok(Json(Ended { sessions_ended }))
}

#[utoipa::path(post, path = "/auth/service-token", tag = "auth", security(("bearer" = [])), request_body = ServiceTokenBody,
    responses((status = 200, description = "An access token for that service (refused by Gatehouse's own API)", body = ServiceToken),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Not a configured service audience", body = ErrorBody)))]
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
        return Err(
            Error::field("audience", "Not a service this server issues tokens for.").into(),
        );
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
        .map_err(Error::Internal)?;
    Ok(Json(ServiceToken {
        access_token,
        token_type: "Bearer",
        expires_in: exp - now,
        audience: body.audience,
    }))
}
