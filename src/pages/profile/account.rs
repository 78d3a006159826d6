//! The "Account" card: the facts this page shows but does not let the user change.

use crate::model::UserView;
use leptos::prelude::*;

#[component]
pub(super) fn AccountCard(user: UserView) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">"Account"</h2>
            <dl class="details">
                <dt>"Username"</dt>
                <dd>{user.username.clone()}</dd>
                <dt>"Email"</dt>
                <dd>{user.email.clone()}</dd>
                <dt>"Role"</dt>
                <dd>{user.role.as_str()}</dd>
                <dt>"Member since"</dt>
                <dd>{user.member_since.clone()}</dd>
                <dt>"Last login"</dt>
                <dd>{user.last_login.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"User ID"</dt>
                <dd><code>{user.id.clone()}</code></dd>
            </dl>
            <p class="hint">"Your username, email and role cannot be changed on this page."</p>
        </section>
    }
}
