//! The profile page's cards, read in one call.

use crate::{errors::AppError, model::ProfileCardsView};
use leptos::prelude::*;

/// What the profile page's cards list (providers, apps, second factors, passkeys, recent
/// events), read on one database connection: a render asks once instead of once per
/// card, and any card's action reloads them together.
#[server(prefix = "/fn", endpoint = "profile-cards")]
pub async fn profile_cards() -> Result<ProfileCardsView, AppError> {
    use super::ssr::*;
    use crate::server::{auth::account_data, views};
    let auth = require_auth()?;
    let state = state()?;
    let data = account_data::load(&state, &auth.user).await?;
    let now = state.clock.unix();
    Ok(ProfileCardsView {
        connections: views::connection_views(&state.settings, &data.identities),
        apps: data
            .consents
            .into_iter()
            .map(views::app_access_view)
            .collect(),
        security: super::factors::security_view(&state, &auth, data.factors, data.totp_setup).await,
        passkeys: data.passkeys.into_iter().map(views::passkey_view).collect(),
        activity: data
            .recent_events
            .iter()
            .map(|e| views::own_event_view(e, now))
            .collect(),
    })
}
