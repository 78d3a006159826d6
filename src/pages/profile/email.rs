//! The "Email address" card: asks for a new address (and the password, if there is one);
//! the change waits for the link sent there.

use crate::{
    components::{Field, FormAlerts, SubmitButton},
    forms::{specs::EMAIL, use_form},
    model::FormFlash,
    server_fns::account::ChangeEmail,
    validate,
};
use leptos::prelude::*;

#[component]
pub(super) fn EmailCard(
    flash: FormFlash,
    has_password: bool,
    current_email: String,
) -> impl IntoView {
    let action = ServerAction::<ChangeEmail>::new();
    let form = use_form(&EMAIL, &flash, action);
    let email = form.field("new_email");
    let password = form.field("email_password");
    view! {
        <section class="card" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email address"</h2>
            <p class="muted">"Your address is " <strong>{current_email}</strong> ". To change it, confirm with your password; we will send a link to the new address."</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlerts error=form.error notice=form.notice reauth=form.needs_reauth()/>
                <Field label="New email address" kind="email" state=email
                    error=email.error(|v| validate::Email::parse(v).err())
                    autocomplete="email" required=true maxlength=validate::EMAIL_MAX/>
                {has_password.then(|| view! {
                    <Field label="Current password" kind="password" state=password
                        error=password.error(|v| v.is_empty().then(|| "Enter your current password.".to_string()))
                        autocomplete="current-password" required=true/>
                })}
                <SubmitButton label="Change email" pending_label="Sending…" pending=action.pending().into()/>
            </ActionForm>
        </section>
    }
}
