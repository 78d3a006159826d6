//! `/forgot-password`: asks for a reset link. Same answer for every address.

use super::flash_resource;
use crate::{
    components::{Field, FormAlerts, SubmitButton, set_page_title},
    forms::{specs::FORGOT_PASSWORD, use_form},
    model::FormFlash,
    server_fns::email::ForgotPassword,
    validate,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    set_page_title("Forgot your password");
    let flash = flash_resource(&[&FORGOT_PASSWORD]);
    view! {
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <p class="muted">"Enter the address of your account and we will email you a link to choose a new password."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    view! { <ForgotForm flash/> }
                })}
            </Suspense>
            <p class="muted small">"Remembered it? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[component]
fn ForgotForm(flash: FormFlash) -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let form = use_form(&FORGOT_PASSWORD, &flash, action);
    let email = form.field("email");
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <FormAlerts error=form.error notice=form.notice/>
            <Field
                label="Email"
                kind="email"
                state=email
                error=email.error(|v| validate::Email::parse(v).err())
                autocomplete="email"
                required=true
                maxlength=validate::EMAIL_MAX
            />
            <SubmitButton label="Email me a reset link" pending_label="Sending…" pending=action.pending().into()/>
        </ActionForm>
    }
}
