//! Sign-in providers connected to the signed-in account.

use crate::{errors::AppError, model::ConnectionView};
use leptos::prelude::*;

/// Every configured provider, and whether (and when) it is connected.
#[server(prefix = "/fn", endpoint = "connections")]
pub async fn connections() -> Result<Vec<ConnectionView>, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    let linked = crate::server::auth::oauth::linked(&state, &auth).await?;
    Ok(crate::server::views::connection_views(
        &state.settings,
        &linked,
    ))
}

/// Disconnects a provider, unless it is the last way to log in.
#[server(prefix = "/fn", endpoint = "disconnect")]
pub async fn disconnect_provider(#[server(default)] provider: String) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::auth::oauth;
    let auth = require_auth()?;
    let state = state()?;
    let display = state
        .settings
        .oauth
        .get(&provider)
        .map_or(provider.clone(), |p| p.display_name.clone());
    let outcome = oauth::unlink(&state, &auth, &provider, &client_info())
        .await
        .map(|()| Done::said(format!("{display} has been disconnected.")));
    specs::CONNECTIONS.post().answer(outcome).await
}
