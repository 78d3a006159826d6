//! The card asking an unverified user to follow their verification link, with a resend.

use crate::components::ResendVerification;
use leptos::prelude::*;

#[component]
pub(super) fn VerifyEmailCard(email: String, notice: Option<String>) -> impl IntoView {
    view! {
        <section class="card notice-card" aria-labelledby="verify-heading">
            <h2 id="verify-heading">"Please verify your email address"</h2>
            <p>"We sent a link to " <strong>{email.clone()}</strong> ". Didn't get it?"</p>
            <ResendVerification login=email return_to="/profile" hide_login=true notice/>
        </section>
    }
}
