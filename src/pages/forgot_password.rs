//! `/forgot-password`: asks for a reset link. Same answer for every address.

use super::{flash_resource, form_message};
use crate::{
    components::{Alert, Field, FieldState, SubmitButton},
    model::FormFlash,
    server_fns::email::ForgotPassword,
    validate,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let flash = flash_resource("forgot");
    view! {
        <Title text="Forgot your password"/>
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
    let email = FieldState::new(
        flash.value("email"),
        flash.error.as_ref().and_then(|e| e.field_error("email")),
    );
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            email.server_error.set(e.field_error("email"));
        }
    });
    let flash_error = flash.error.as_ref().map(form_message);
    let error = Signal::derive(move || match action.value().get() {
        Some(Err(e)) => Some(form_message(&e)),
        Some(Ok(_)) => None,
        None => flash_error.clone(),
    });
    let flash_notice = flash.notice.clone();
    let notice = Signal::derive(move || match action.value().get() {
        Some(Ok(text)) => Some(text),
        Some(Err(_)) => None,
        None => flash_notice.clone(),
    });
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <Alert message=error/>
            <Alert kind="success" message=notice/>
            <Field
                label="Email"
                name="email"
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
