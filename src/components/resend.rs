//! "Send me a new verification link": a small form used on the login, verification and
//! profile pages. It answers the same whether or not the account exists.

use crate::{
    components::FormAlerts,
    forms::{
        specs::{LOGIN, RESEND},
        use_form,
    },
    model::FormFlash,
    server_fns::email::ResendVerification,
};
use leptos::prelude::*;

#[component]
pub fn ResendVerification(
    /// Prefilled username or email (hidden when `hide_login` is set).
    #[prop(into)]
    login: Signal<String>,
    /// Where a browser without JavaScript comes back to.
    return_to: &'static str,
    #[prop(optional)] hide_login: bool,
    /// A notice already waiting from a no-JavaScript post of this form.
    #[prop(default = None)]
    notice: Option<String>,
) -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    // The server answers as the page's own form, as `server_fns::email` decides.
    let spec = if return_to.starts_with(RESEND.page) {
        &RESEND
    } else {
        &LOGIN
    };
    let flash = FormFlash {
        form: spec.id.into(),
        notice,
        ..FormFlash::default()
    };
    let form = use_form(spec, &flash, action);
    view! {
        <ActionForm action=action attr:class="form inline-form">
            <input type="hidden" name="return_to" value=return_to/>
            {if hide_login {
                // Follows the login field as it is edited.
                view! { <input type="hidden" name="login" value=login.get_untracked() prop:value=move || login.get()/> }.into_any()
            } else {
                view! {
                    <div class="field">
                        <label for="resend-login">"Email or username"</label>
                        <input id="resend-login" name="login" type="text" autocomplete="username" value=login.get_untracked() required/>
                    </div>
                }
                .into_any()
            }}
            <FormAlerts error=form.error notice=form.notice/>
            <button type="submit" class="btn btn-ghost" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Sending…" } else { "Send a new verification link" }}
            </button>
        </ActionForm>
    }
}
