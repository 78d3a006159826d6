//! Apps that sign in through Gatehouse, as the pages see them: the one asking right now
//! (login banner, consent page) and the ones a person has allowed (profile).

use crate::{
    errors::AppError,
    model::{AppAccessView, PendingAppView},
};
use leptos::prelude::*;

/// The app whose sign-in is waiting in this browser, if any.
#[server(prefix = "/fn", endpoint = "pending-app")]
pub async fn pending_app() -> Result<Option<PendingAppView>, AppError> {
    use super::ssr::*;
    let Some(session) = browser_session().await else {
        return Ok(None);
    };
    Ok(crate::server::browser_state::authorization(&session)
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

/// The apps the signed-in person has allowed.
#[server(prefix = "/fn", endpoint = "my-apps")]
pub async fn my_apps() -> Result<Vec<AppAccessView>, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    Ok(
        crate::server::provider::consent::list(&state, &auth.user.id)
            .await?
            .into_iter()
            .map(crate::server::views::app_access_view)
            .collect(),
    )
}

/// Withdraws an app's access: its consent and every token it holds end.
#[server(prefix = "/fn", endpoint = "revoke-app")]
pub async fn revoke_app(#[server(default)] client_id: String) -> Result<String, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    let name = crate::server::provider::consent::list(&state, &auth.user.id)
        .await?
        .into_iter()
        .find(|c| c.client_id == client_id)
        .map(|c| c.client_name);
    let outcome = match name {
        Some(name) => crate::server::provider::consent::revoke(
            &state,
            &auth.user.id,
            &client_id,
            &client_info(),
        )
        .await
        .map(|_| Done::said(format!("{name} no longer has access."))),
        None => Err(crate::server::error::Error::NotFound),
    };
    specs::APPS.post().answer(outcome).await
}

/// Every registered app (admins only).
#[server(prefix = "/fn", endpoint = "admin/apps")]
pub async fn admin_apps() -> Result<Vec<crate::model::AdminAppView>, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    crate::server::auth::admin::admin_gate(&state, &auth).await?;
    Ok(crate::server::provider::clients::list(&state)
        .await?
        .into_iter()
        .map(|c| crate::model::AdminAppView {
            confidential: !c.is_public(),
            first_party: c.first_party(),
            disabled: !c.is_active(),
            redirect_uris: c.redirect_uris().map(str::to_string).collect(),
            post_logout_redirect_uris: c.post_logout_redirect_uris().map(str::to_string).collect(),
            created: format_date(c.created_at),
            id: c.id,
            name: c.name,
        })
        .collect())
}

/// Registers an app; the answer carries its secret, shown this once.
#[server(prefix = "/fn", endpoint = "admin/register-app")]
pub async fn admin_register_app(
    #[server(default)] name: String,
    #[server(default)] redirect_uris: String,
    #[server(default)] post_logout_redirect_uris: String,
    #[server(default)] kind: String,
    #[server(default)] first_party: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::{auth::Actor, provider::clients};
    let auth = require_auth()?;
    let state = state()?;
    let outcome = async {
        crate::server::auth::admin::admin_apps_change(&state, &auth).await?;
        let new = clients::NewClient {
            name,
            redirect_uris: redirect_uris.lines().map(str::to_string).collect(),
            post_logout_redirect_uris: post_logout_redirect_uris
                .lines()
                .map(str::to_string)
                .collect(),
            confidential: kind != "public",
            first_party: !first_party.is_empty(),
            ..Default::default()
        };
        let made = clients::register(&state, new, Actor::Admin, Some(&auth.user.id), &client_info())
            .await?;
        Ok::<_, crate::server::error::Error>(Done::said(match made.secret {
            Some(secret) => format!(
                "Registered {}. Client id: {}. Client secret: {secret} (copy it now: it is not shown again).",
                made.client.name, made.client.id
            ),
            None => format!(
                "Registered {} (public, PKCE). Client id: {}.",
                made.client.name, made.client.id
            ),
        }))
    }
    .await;
    specs::ADMIN_APPS.post().answer(outcome).await
}

/// Changes an app's redirect URIs, first-party mark, or whether it is disabled.
#[server(prefix = "/fn", endpoint = "admin/update-app")]
pub async fn admin_update_app(
    #[server(default)] id: String,
    #[server(default)] redirect_uris: String,
    #[server(default)] post_logout_redirect_uris: String,
    #[server(default)] first_party: String,
    #[server(default)] disabled: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    use crate::server::provider::clients;
    let auth = require_auth()?;
    let state = state()?;
    let outcome = async {
        crate::server::auth::admin::admin_apps_change(&state, &auth).await?;
        let change = clients::ClientChange {
            redirect_uris: Some(redirect_uris.lines().map(str::to_string).collect()),
            post_logout_redirect_uris: Some(
                post_logout_redirect_uris
                    .lines()
                    .map(str::to_string)
                    .collect(),
            ),
            first_party: Some(!first_party.is_empty()),
            disabled: Some(!disabled.is_empty()),
            ..Default::default()
        };
        let app = clients::update(&state, &id, change, Some(&auth.user.id), &client_info()).await?;
        Ok::<_, crate::server::error::Error>(Done::said(format!("{} saved.", app.name)))
    }
    .await;
    specs::ADMIN_APPS.post().answer(outcome).await
}
