//! The "Password" card: change it with the current one, or, for an account that signs in
//! only through a provider, a way to set one.

use crate::{
    app::use_app,
    components::{Field, FormAlerts, PasswordMeter, StrengthCheck, SubmitButton},
    forms::{specs::PASSWORD, use_form},
    model::FormFlash,
    server_fns::account::ChangePassword,
    validate,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub(super) fn PasswordCard(flash: FormFlash, has_password: bool) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            {if has_password {
                view! { <ChangePasswordForm flash/> }.into_any()
            } else {
                view! {
                    <p>"Your account has no password yet. Set one with a reset link sent to your address."</p>
                    <A href="/forgot-password" attr:class="btn btn-ghost">"Set a password"</A>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn ChangePasswordForm(flash: FormFlash) -> impl IntoView {
    let app = use_app();
    let action = ServerAction::<ChangePassword>::new();
    let policy = app
        .site
        .get_untracked()
        .and_then(Result::ok)
        .map(|s| s.password_policy)
        .unwrap_or_default();
    let form = use_form(&PASSWORD, &flash, action);
    let current = form.field("current_password");
    let new = form.field("new_password");
    let confirm = form.field("new_password_confirm");
    let strength = StrengthCheck::new(new.value.into(), Signal::derive(Vec::new), policy);
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <FormAlerts error=form.error notice=form.notice reauth=form.needs_reauth()/>
            <Field label="Current password" kind="password" state=current
                error=current.error(|v| v.is_empty().then(|| "Enter your current password.".to_string()))
                autocomplete="current-password" required=true maxlength=policy.max_length/>
            <Field label="New password" kind="password" state=new
                error=new.error(strength.rule())
                autocomplete="new-password" required=true maxlength=policy.max_length>
                <PasswordMeter check=strength/>
            </Field>
            <Field label="Confirm new password" kind="password" state=confirm
                error=confirm.error(move |v| validate::password_confirmation(&new.value.get_untracked(), v).err())
                autocomplete="new-password" required=true maxlength=policy.max_length/>
            <p class="hint">"Your other devices will be signed out; this one stays logged in."</p>
            <SubmitButton label="Change password" pending_label="Changing…" pending=action.pending().into()/>
        </ActionForm>
    }
}
