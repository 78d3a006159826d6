//! Sign-in providers connected to the signed-in account.

use crate::{errors::AppError, model::ConnectionView};
use leptos::prelude::*;

/// Every configured provider, and whether (and when) it is connected.
#[server(prefix = "/fn", endpoint = "connections")]
pub async fn connections() -> Result<Vec<ConnectionView>, AppError> {
    use super::ssr::*;
    use crate::model::ProviderView;
    let auth = require_auth()?;
    let state = state()?;
    let linked = crate::server::auth::oauth::linked(&state, &auth).await?;
    Ok(state
        .settings
        .oauth
        .iter()
        .map(|(name, p)| {
            let identity = linked.iter().find(|i| &i.provider == name);
            ConnectionView {
                provider: ProviderView {
                    name: name.clone(),
                    display_name: p.display_name.clone(),
                },
                connected: identity.is_some(),
                connected_email: identity.and_then(|i| i.email.clone()),
                linked_since: identity.map(|i| format_date(i.linked_at)),
            }
        })
        .collect())
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
