//! The browser round trip of an app's sign-in: the authorization endpoint, the resume
//! path the login and step-up pages come back to, the consent decision, and the way
//! back to the app.

use super::CONSENT_PAGE;
use super::answers::{encode, expired, log_out_to, page, page_with, see_other, unavailable};
use crate::server::http::middleware::auth::RequestAuth;
use crate::server::views::escape_html;
use crate::server::{
    auth::ClientInfo,
    browser_state,
    db::users::UserRow,
    provider::{
        authorize::{self, AuthorizationRequest, AuthorizeParams, Next, Refused},
        consent,
    },
    state::AppState,
};
use crate::validate::AUTHORIZE_RESUME_PATH;
use axum::{
    Extension, Form, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use tower_sessions::Session;

/// The login page, coming back here to the waiting request.
fn login_path() -> String {
    format!("/login?next={}", encode(AUTHORIZE_RESUME_PATH))
}

/// Where the account chooser posts.
const ACCOUNT_PATH: &str = "/oauth2/authorize/account";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/authorize", get(authorize_get).post(authorize_post))
        .route(AUTHORIZE_RESUME_PATH, get(resume))
        .route("/oauth2/consent", post(consent_decision))
        .route(ACCOUNT_PATH, post(account_chosen))
}

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
        Ok(Next::Login) => see_other(&login_path()),
        Ok(Next::FreshLogin) => {
            see_other(&format!("/confirm?next={}", encode(AUTHORIZE_RESUME_PATH)))
        }
        Ok(Next::Consent) => see_other(CONSENT_PAGE),
        Ok(Next::SelectAccount) => match auth.0.as_ref() {
            Some(found) => choose_account(req, &found.user),
            None => see_other(&login_path()),
        },
        Ok(Next::Redirect(url)) => {
            browser_state::forget_authorization(session).await;
            back_to_app(headers, &url)
        }
        Err(_) => unavailable(),
    }
}

/// `prompt=select_account`: go on as the person logged in here, or use another account.
/// Plain forms, so it works without JavaScript.
fn choose_account(req: &AuthorizationRequest, user: &UserRow) -> Response {
    let who = match &user.display_name {
        Some(name) if !name.is_empty() => {
            format!("{} ({})", escape_html(name), escape_html(&user.email))
        }
        _ => format!(
            "{} ({})",
            escape_html(&user.username),
            escape_html(&user.email)
        ),
    };
    page_with(
        StatusCode::OK,
        "Choose an account",
        &format!(
            r#"<p>{app} asks which account to use.</p>
<form method="post" action="{ACCOUNT_PATH}" class="form"><input type="hidden" name="choice" value="continue">
<button type="submit" class="btn btn-primary btn-block">Continue as {who}</button></form>
<form method="post" action="{ACCOUNT_PATH}" class="form"><input type="hidden" name="choice" value="another">
<button type="submit" class="btn btn-ghost btn-block">Use another account</button></form>"#,
            app = escape_html(&req.client_name),
        ),
    )
}

#[derive(Debug, Deserialize)]
struct AccountChoice {
    #[serde(default)]
    choice: String,
}

/// The account chooser's answer: on as this person, or logged out and on to the login
/// page; either way the app's request waits on without asking again.
async fn account_chosen(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
    session: Session,
    Form(form): Form<AccountChoice>,
) -> Response {
    let Some(mut req) = browser_state::authorization(&session).await else {
        return expired();
    };
    req.select_account = false;
    if let Err(e) = browser_state::put_authorization(&session, &req).await {
        tracing::error!(error = ?e, "could not keep an authorization request");
        return unavailable();
    }
    match (form.choice.as_str(), auth.0.as_ref()) {
        ("another", Some(found)) => log_out_to(&state, found, &client, &login_path()).await,
        _ => proceed(&state, &req, &auth, &headers, &session).await,
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
        return see_other(&login_path());
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
    let href = escape_html(url);
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
