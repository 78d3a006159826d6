//! The "Email address" card: asks for a new address (and the password, if there is one);
//! the change waits for the link sent there.

use super::outcome;
use crate::{
    components::{Field, FieldState, FormAlerts, SubmitButton},
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
    let field_error = |name: &str| flash.error.as_ref().and_then(|e| e.field_error(name));
    let email = FieldState::new(flash.value("new_email"), field_error("new_email"));
    let password = FieldState::new(String::new(), field_error("email_password"));
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            email.server_error.set(e.field_error("new_email"));
            password.server_error.set(e.field_error("email_password"));
        }
    });
    let (error, notice) = outcome(action.value(), &flash);
    view! {
        <section class="card" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email address"</h2>
            <p class="muted">"Your address is " <strong>{current_email}</strong> ". To change it, confirm with your password; we will send a link to the new address."</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlerts error notice/>
                <Field label="New email address" name="new_email" kind="email" state=email
                    error=email.error(|v| validate::Email::parse(v).err())
                    autocomplete="email" required=true maxlength=validate::EMAIL_MAX/>
                {has_password.then(|| view! {
                    <Field label="Current password" name="email_password" kind="password" state=password
                        error=password.error(|v| v.is_empty().then(|| "Enter your current password.".to_string()))
                        autocomplete="current-password" required=true/>
                })}
                <SubmitButton label="Change email" pending_label="Sending…" pending=action.pending().into()/>
            </ActionForm>
        </section>
    }
}
