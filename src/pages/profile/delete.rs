//! The "Delete your account" card: the username typed out, and the password (if there is
//! one).

use crate::{
    app::account_action,
    components::{Field, FormAlerts},
    forms::{specs::DELETE_ACCOUNT, use_form},
    model::FormFlash,
    server_fns::account::DeleteAccount,
};
use leptos::prelude::*;

#[component]
pub(super) fn DeleteAccountCard(
    flash: FormFlash,
    has_password: bool,
    username: String,
) -> impl IntoView {
    let action = account_action::<DeleteAccount>();
    let form = use_form(&DELETE_ACCOUNT, &flash, action);
    let confirm = form.field("confirm");
    let password = form.field("delete_password");
    // Success sends the browser to the login page, which says goodbye: only errors show here.
    let error = form.error;
    let expected = username.clone();
    view! {
        <section class="card danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete your account"</h2>
            <p>"This removes your profile, sessions and connected accounts for good. It cannot be undone. To confirm, type your username, " <strong>{username}</strong> "."</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlerts error notice=Signal::derive(|| None) reauth=form.needs_reauth()/>
                <Field label="Your username" state=confirm
                    error=confirm.error(move |v| (!v.trim().eq_ignore_ascii_case(&expected)).then(|| format!("Type your username, {expected}, to confirm.")))
                    autocomplete="off" required=true/>
                {has_password.then(|| view! {
                    <Field label="Your password" kind="password" state=password
                        error=password.error(|v| v.is_empty().then(|| "Enter your password.".to_string()))
                        autocomplete="current-password" required=true/>
                })}
                <button type="submit" class="btn btn-danger" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Deleting…" } else { "Delete my account" }}
                </button>
            </ActionForm>
        </section>
    }
}
