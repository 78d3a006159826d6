//! The signed-in user's own account.

use crate::{errors::AppError, model::UserView};
use leptos::prelude::*;

/// Saves display name, bio and avatar URL. Any other posted field (username, email, role,
/// id) is not an argument here and so is ignored.
#[server(prefix = "/fn", endpoint = "profile")]
pub async fn update_profile(
    #[server(default)] display_name: String,
    #[server(default)] bio: String,
    #[server(default)] avatar_url: String,
) -> Result<UserView, AppError> {
    use super::ssr::*;
    use crate::server::auth::accounts;

    let auth = require_auth()?;
    let state = state()?;
    match accounts::update_profile(
        &state,
        &auth.user.id,
        &display_name,
        &bio,
        &avatar_url,
        &client_info(),
    )
    .await
    {
        Ok(user) => {
            form_succeeded("profile", "/profile", "Your profile has been saved.").await;
            Ok(user_view(&user))
        }
        Err(e) => {
            let kept = values([
                ("display_name", &display_name),
                ("bio", &bio),
                ("avatar_url", &avatar_url),
            ]);
            Err(form_failed("profile", "/profile", kept, e.into()).await)
        }
    }
}
