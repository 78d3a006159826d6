//! Apps that sign in through Gatehouse, as the pages see them: the one asking right now
//! (login banner, consent page) and the ones a person has allowed (profile).

use crate::{errors::AppError, model::PendingAppView};
use leptos::prelude::*;

/// The app whose sign-in is waiting in this browser, if any.
#[server(prefix = "/fn", endpoint = "pending-app")]
pub async fn pending_app() -> Result<Option<PendingAppView>, AppError> {
    use super::ssr::*;
    let Some(session) = browser_session().await else {
        return Ok(None);
    };
    Ok(crate::server::http::provider::pending(&session)
        .await
        .map(|req| PendingAppView {
            name: req.client_name,
            scopes: req
                .scope
                .split_ascii_whitespace()
                .map(str::to_string)
                .collect(),
        }))
}
