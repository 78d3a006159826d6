//! The user's picture, or their initials when they have none.

use crate::model::UserView;
use leptos::prelude::*;

#[component]
pub fn Avatar(user: UserView, #[prop(default = "md")] size: &'static str) -> impl IntoView {
    let class = format!("avatar avatar-{size}");
    match user.avatar_url.clone() {
        Some(url) => view! {
            <img class=class src=url alt="" referrerpolicy="no-referrer" loading="lazy"/>
        }
        .into_any(),
        None => view! {
            <span class=class aria-hidden="true">{user.initials()}</span>
        }
        .into_any(),
    }
}
