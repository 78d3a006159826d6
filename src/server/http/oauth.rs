//! `POST /auth/oauth/{provider}/start` and `GET /auth/oauth/{provider}/callback`: the two
//! legs of signing in (or connecting an account) with a provider. Outcomes are pages:
//! success lands on `next` or the profile; every failure lands on the login page (or
//! the profile, when connecting) with a sentence saying what happened.

use super::middleware::auth::RequestAuth;
use crate::{
    errors::AppError,
    model::FormFlash,
    server::{
        auth::{
            ClientInfo,
            oauth::{self, Callback, Completion, OAuthError, Pending},
        },
        browser_state,
        state::AppState,
    },
};
use axum::{
    Extension, Form, Router,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use std::collections::BTreeMap;
use tower_sessions::Session;

const PENDING_KEY: &str = "oauth";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oauth/{provider}/start", post(start))
        .route("/auth/oauth/{provider}/callback", get(callback))
}

#[derive(Debug, Default, Deserialize)]
struct StartForm {
    #[serde(default)]
    next: String,
    /// "1" when a logged-in user connects the provider to their account.
    #[serde(default)]
    link: String,
    /// Connecting needs the current password (accounts that have one).
    #[serde(default)]
    password: String,
}

fn not_configured(provider: &str) -> Response {
    let body =
        format!("Signing in with \u{201c}{provider}\u{201d} is not configured on this server.");
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    session: Session,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    Form(form): Form<StartForm>,
) -> Response {
    if !state.settings.oauth.contains_key(&provider) {
        return not_configured(&provider);
    }
    let link = match (form.link == "1", auth.0) {
        (false, _) => None,
        (true, Some(auth)) => {
            let password = crate::server::auth::passwords::Password::new(form.password);
            if let Err(e) = oauth::confirm_link(&state, &auth, &password, &client).await {
                return fail(&session, &provider, &state, true, e).await;
            }
            Some(auth)
        }
        (true, None) => return Redirect::to("/login?next=/profile").into_response(),
    };
    let next = (!form.next.is_empty()).then_some(form.next);
    match oauth::begin(&state, &provider, next, link.as_ref()).await {
        Ok((url, pending)) => {
            if let Err(e) = session.insert(PENDING_KEY, &pending).await {
                tracing::error!(error = ?e, "storing the OAuth state");
                return fail(
                    &session,
                    &provider,
                    &state,
                    false,
                    OAuthError::App(crate::server::error::Error::Internal(e.into())),
                )
                .await;
            }
            Redirect::to(&url).into_response()
        }
        Err(e) => fail(&session, &provider, &state, form.link == "1", e).await,
    }
}

async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    session: Session,
    Extension(auth): Extension<RequestAuth>,
    Extension(client): Extension<ClientInfo>,
    Query(callback): Query<Callback>,
) -> Response {
    if !state.settings.oauth.contains_key(&provider) {
        return not_configured(&provider);
    }
    // Taken, not read: a callback can be used once.
    let pending = session.remove::<Pending>(PENDING_KEY).await.ok().flatten();
    let linking = pending.as_ref().is_some_and(|p| p.link_user_id.is_some());
    let display = state.settings.oauth[&provider].display_name.clone();
    match oauth::complete(
        &state,
        &provider,
        pending,
        callback,
        auth.0.as_ref(),
        &client,
    )
    .await
    {
        Ok(Completion::LoggedIn { tokens, next }) => {
            let mut res = Redirect::to(next.as_deref().unwrap_or("/profile")).into_response();
            for cookie in state.cookies.for_tokens(&tokens) {
                res.headers_mut().append(header::SET_COOKIE, cookie);
            }
            res
        }
        Ok(Completion::Linked) => {
            notice(
                &session,
                "connections",
                &format!("{display} is now connected: you can log in with it."),
            )
            .await;
            Redirect::to("/profile").into_response()
        }
        Ok(Completion::AlreadyLinked) => {
            notice(
                &session,
                "connections",
                &format!("{display} was already connected to your account."),
            )
            .await;
            Redirect::to("/profile").into_response()
        }
        Err(e) => fail(&session, &provider, &state, linking, e).await,
    }
}

async fn notice(session: &Session, form: &str, text: &str) {
    let flash = FormFlash {
        form: form.into(),
        error: None,
        notice: Some(text.into()),
        values: BTreeMap::new(),
    };
    browser_state::put_flash(session, &flash).await;
}

/// Logs what went wrong (with detail, server-side only) and lands on a page that says it.
async fn fail(
    session: &Session,
    provider: &str,
    state: &AppState,
    linking: bool,
    error: OAuthError,
) -> Response {
    // The store is down: a 503 with Retry-After, as everywhere else; nothing was changed.
    if let OAuthError::App(crate::server::error::Error::Database(e)) = &error
        && crate::server::error::is_unavailable(e)
    {
        tracing::error!(provider, error = ?e, "sign-in: store unavailable");
        return super::middleware::auth::unavailable("/auth/oauth");
    }
    match &error {
        OAuthError::Provider(detail) => tracing::warn!(provider, detail, "sign-in provider failed"),
        OAuthError::App(e) => tracing::error!(provider, error = ?e, "sign-in failed"),
        other => tracing::info!(provider, outcome = %other, "sign-in refused"),
    }
    let display = state
        .settings
        .oauth
        .get(provider)
        .map_or(provider.to_string(), |p| p.display_name.clone());
    let (form, page) = if linking {
        ("connections", "/profile")
    } else {
        ("login", "/login")
    };
    let flash = FormFlash {
        form: form.into(),
        error: Some(AppError::Provider {
            message: error.message(&display),
        }),
        notice: None,
        values: BTreeMap::new(),
    };
    browser_state::put_flash(session, &flash).await;
    Redirect::to(page).into_response()
}
