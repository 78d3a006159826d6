//! `POST /auth/oauth/{provider}/start` and `GET /auth/oauth/{provider}/callback`: the two
//! legs of signing in (or connecting an account) with a provider. Outcomes are pages:
//! success lands on `next` or the profile; every failure lands on the login page (or
//! the profile, when connecting) with a sentence saying what happened.

use super::middleware::auth::RequestAuth;
use crate::{
    errors::AppError,
    forms::{
        server as forms,
        specs::{CONNECTIONS, LOGIN},
    },
    server::{
        auth::{
            ClientInfo,
            oauth::{self, Callback, Completion, OAuthError, Pending},
        },
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
    /// "1" when a logged-in user connects the provider to their account (the form's
    /// value; read it through [`StartForm::purpose`]).
    #[serde(default)]
    link: String,
    /// Connecting needs the current password (accounts that have one).
    #[serde(default)]
    password: String,
}

/// What a round trip with a provider is for; decides where its outcome is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    SignIn,
    /// A signed-in user connects the provider to their account (the profile shows it).
    Connect,
}

impl StartForm {
    fn purpose(&self) -> Purpose {
        if self.link == "1" {
            Purpose::Connect
        } else {
            Purpose::SignIn
        }
    }
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
    let purpose = form.purpose();
    let link = match (purpose, auth.0) {
        (Purpose::SignIn, _) => None,
        (Purpose::Connect, Some(auth)) => {
            let password = crate::server::auth::passwords::Password::new(form.password);
            if let Err(e) = oauth::confirm_link(&state, &auth, &password, &client).await {
                return fail(&session, &provider, &state, Purpose::Connect, e).await;
            }
            Some(auth)
        }
        (Purpose::Connect, None) => return Redirect::to("/login?next=/profile").into_response(),
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
                    purpose,
                    OAuthError::App(crate::server::error::Error::Internal(e.into())),
                )
                .await;
            }
            Redirect::to(&url).into_response()
        }
        Err(e) => fail(&session, &provider, &state, purpose, e).await,
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
    let purpose = match pending.as_ref().is_some_and(|p| p.link_user_id.is_some()) {
        true => Purpose::Connect,
        false => Purpose::SignIn,
    };
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
        Ok(Completion::SecondFactor { step, next }) => {
            let mut res =
                Redirect::to(&crate::validate::verify_login_path(next.as_deref())).into_response();
            let max_age = step.expires_at - state.clock.unix();
            res.headers_mut().append(
                header::SET_COOKIE,
                state.cookies.for_pending_login(&step.token, max_age),
            );
            res
        }
        Ok(Completion::Linked) => {
            let notice = format!("{display} is now connected: you can log in with it.");
            forms::redirect_with(&session, &CONNECTIONS, CONNECTIONS.page, Ok(notice)).await
        }
        Ok(Completion::AlreadyLinked) => {
            let notice = format!("{display} was already connected to your account.");
            forms::redirect_with(&session, &CONNECTIONS, CONNECTIONS.page, Ok(notice)).await
        }
        Err(e) => fail(&session, &provider, &state, purpose, e).await,
    }
}

/// Logs what went wrong (with detail, server-side only) and lands on a page that says it.
async fn fail(
    session: &Session,
    provider: &str,
    state: &AppState,
    purpose: Purpose,
    error: OAuthError,
) -> Response {
    // The store is down: a 503 with Retry-After, as everywhere else; nothing was changed.
    if let OAuthError::App(crate::server::error::Error::Database(e)) = &error
        && crate::server::error::is_unavailable(e)
    {
        tracing::error!(provider, error = ?e, "sign-in: store unavailable");
        return super::middleware::auth::unavailable_at("/auth/oauth", None);
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
    let form = match purpose {
        Purpose::Connect => &CONNECTIONS,
        Purpose::SignIn => &LOGIN,
    };
    let error = AppError::Provider {
        message: error.message(&display),
    };
    forms::redirect_with(session, form, form.page, Err(error)).await
}
