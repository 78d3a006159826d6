//! RP-initiated logout (`end_session`): an app sends the person here with the ID token
//! it holds, and they come back to the app's registered address.

use super::answers::{log_out_to, page, see_other, unavailable};
use crate::server::http::middleware::auth::RequestAuth;
use crate::server::{
    auth::ClientInfo,
    provider::{clients, tokens},
    state::AppState,
};
use axum::{
    Extension, Form, Router,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
    routing::get,
};
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/oauth2/logout", get(end_session).post(end_session_post))
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
    log_out_to(&state, found, &client, &target).await
}
