//! `/signup`: create an account. Every field is checked as it is typed with the same rules
//! the server applies; what the server says lands on the field it is about.

use super::flash_resource;
use crate::{
    app::{account_action, use_app},
    components::{
        Alert, Field, PasswordMeter, ProviderButtons, StrengthCheck, SubmitButton, set_page_title,
    },
    forms::{specs::SIGNUP, use_form},
    model::{FormFlash, PasswordPolicy},
    server_fns::auth::Signup,
    validate,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SignupPage() -> impl IntoView {
    set_page_title("Create your account");
    let app = use_app();
    let flash = flash_resource(&[&SIGNUP]);
    view! {
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <p class="muted">"Already have one? " <A href="/login">"Log in"</A></p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    let (providers, policy) = app
                        .site
                        .await
                        .map(|s| (s.providers, s.password_policy))
                        .unwrap_or_default();
                    view! {
                        <ProviderButtons providers/>
                        <SignupForm flash policy/>
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SignupForm(flash: FormFlash, policy: PasswordPolicy) -> impl IntoView {
    let action = account_action::<Signup>();
    let form = use_form(&SIGNUP, &flash, action);
    let username = form.field("username");
    let email = form.field("email");
    let display_name = form.field("display_name");
    let password = form.field("password");
    let password_confirm = form.field("password_confirm");

    let own_details = Signal::derive(move || {
        vec![
            username.value.get(),
            email.value.get(),
            display_name.value.get(),
        ]
    });
    let strength = StrengthCheck::new(password.value.into(), own_details, policy);

    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true on:submit=move |_| form.touch_all()>
            <Alert message=form.error/>
            <Field
                label="Username"
                state=username
                error=username.error(|v| validate::Username::parse(v).err())
                autocomplete="username"
                required=true
                maxlength=validate::USERNAME_MAX
                hint="3–32 letters, digits, dots, dashes or underscores."
            />
            <Field
                label="Email"
                kind="email"
                state=email
                error=email.error(|v| validate::Email::parse(v).err())
                autocomplete="email"
                required=true
                maxlength=validate::EMAIL_MAX
            />
            <Field
                label="Display name"
                state=display_name
                error=display_name.error(|v| validate::display_name(v).err())
                autocomplete="name"
                maxlength=validate::DISPLAY_NAME_MAX
                hint="How your name appears to others."
            />
            <Field
                label="Password"
                kind="password"
                state=password
                error=password.error(strength.rule())
                autocomplete="new-password"
                required=true
                maxlength=policy.max_length
                hint=policy.hint()
            >
                <PasswordMeter check=strength/>
            </Field>
            <Field
                label="Confirm password"
                kind="password"
                state=password_confirm
                error=password_confirm.error(move |v| validate::password_confirmation(&password.value.get_untracked(), v).err())
                autocomplete="new-password"
                required=true
                maxlength=policy.max_length
            />
                <SubmitButton label="Create account" pending_label="Creating your account…" pending=action.pending().into()/>
        </ActionForm>
    }
}
