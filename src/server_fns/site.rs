//! What every page needs to know: who is logged in, the site's settings, and the flash a
//! no-JavaScript form post left behind.

use crate::{
    errors::AppError,
    model::{FormFlash, SiteInfo, UserView},
};
use leptos::prelude::*;

/// The logged-in user, or `None`.
#[server(prefix = "/fn", endpoint = "me")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    Ok(super::ssr::auth().map(|a| super::ssr::user_view(&a.user)))
}

#[server(prefix = "/fn", endpoint = "site")]
pub async fn get_site_info() -> Result<SiteInfo, AppError> {
    let state = super::ssr::state()?;
    Ok(SiteInfo {
        product_name: state.settings.product_name.clone(),
        password_policy: state.settings.password_policy(),
        providers: state
            .settings
            .oauth
            .iter()
            .map(|(name, p)| crate::model::ProviderView {
                name: name.clone(),
                display_name: p.display_name.clone(),
            })
            .collect(),
        verify_link_lifetime: crate::model::lifetime(
            state.settings.accounts.verify_email_ttl.as_secs(),
        ),
        reset_link_lifetime: crate::model::lifetime(
            state.settings.accounts.reset_password_ttl.as_secs(),
        ),
        sign_in_links: state.settings.accounts.sign_in_links,
        passkeys: state.webauthn.is_some(),
    })
}

/// The flash for `form` left by a form posted just before this page was opened.
#[server(prefix = "/fn", endpoint = "flash")]
pub async fn take_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    Ok(crate::forms::server::flash_for(&form).await)
}
