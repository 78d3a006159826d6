//! The signed-in account's passkeys: the list, renaming and removing (plain forms that
//! work without JavaScript). Adding one is a WebAuthn ceremony (`server::http::passkeys`).

use crate::{errors::AppError, model::PasskeyView};
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "passkeys")]
pub async fn passkeys() -> Result<Vec<PasskeyView>, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    let rows = crate::server::auth::passkeys::list(&state, &auth).await?;
    Ok(rows
        .into_iter()
        .map(crate::server::views::passkey_view)
        .collect())
}

#[server(prefix = "/fn", endpoint = "rename-passkey")]
pub async fn rename_passkey(
    #[server(default)] id: String,
    #[server(default)] name: String,
) -> Result<String, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    let outcome = crate::server::auth::passkeys::rename(&state, &auth, &id, &name, &client_info())
        .await
        .map(|name| Done::said(format!("Passkey renamed to \u{201c}{name}\u{201d}.")));
    specs::PASSKEYS.post().answer(outcome).await
}

/// Removes a passkey, unless it is the account's last way to sign in.
#[server(prefix = "/fn", endpoint = "remove-passkey")]
pub async fn remove_passkey(#[server(default)] id: String) -> Result<String, AppError> {
    use super::ssr::*;
    let auth = require_auth()?;
    let state = state()?;
    let outcome = crate::server::auth::passkeys::remove(&state, &auth, &id, &client_info())
        .await
        .map(|name| Done::said(format!("Passkey \u{201c}{name}\u{201d} removed.")));
    specs::PASSKEYS.post().answer(outcome).await
}
