//! The page's top card: who is signed in, with their role and whether the address is
//! verified.

use crate::{components::Avatar, model::UserView};
use leptos::prelude::*;

#[component]
pub(super) fn ProfileHeader(user: UserView) -> impl IntoView {
    view! {
        <section class="card profile-header">
            <Avatar user=user.clone() size="lg"/>
            <div>
                <h1>{user.name().to_string()}</h1>
                <p class="muted">"@" {user.username.clone()}</p>
                <p class="badges">
                    <span class="badge">{user.role.as_str()}</span>
                    {if user.email_verified {
                        view! { <span class="badge badge-ok">"email verified"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-warn">"email not verified"</span> }.into_any()
                    }}
                </p>
            </div>
        </section>
    }
}
