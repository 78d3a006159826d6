//! `/login`: username or email and password. One message for every wrong combination.

use super::{flash_resource, form_message};
use crate::{
    app::use_app,
    components::{Alert, Field, FieldState, ProviderButtons, ResendVerification, SubmitButton},
    errors::AppError,
    model::FormFlash,
    validate,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn LoginPage() -> impl IntoView {
    let app = use_app();
    let flash = flash_resource("login");
    let query = use_query_map();
    // Only a local path is ever used as the destination.
    let next = move || validate::safe_next(query.with(|q| q.get("next")).as_deref());
    view! {
        <Title text="Log in"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            // Who is logged in is shown beside the form, never instead of it: the form must
            // survive the reload of the user that follows every login attempt.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match app.user.await {
                        Ok(Some(user)) => view! {
                            <p class="alert-success-inline">
                                "You are logged in as " <strong>{user.username.clone()}</strong> ". "
                                <A href="/profile">"Go to your profile"</A>
                            </p>
                        }
                        .into_any(),
                        _ => view! {
                            <p class="muted">"New here? " <A href="/signup">"Create an account"</A></p>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <ProviderButtons next=next().unwrap_or_default()/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    view! { <LoginForm flash next=next().unwrap_or_default()/> }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn LoginForm(flash: FormFlash, next: String) -> impl IntoView {
    let app = use_app();
    let action = app.login;
    let login = FieldState::new(
        flash.value("login"),
        flash.error.as_ref().and_then(|e| e.field_error("login")),
    );
    let password = FieldState::new(
        String::new(),
        flash.error.as_ref().and_then(|e| e.field_error("password")),
    );
    // The login action lives as long as the app: only submits made on this visit of the
    // page count, not a login from before (then the flash speaks).
    let submits_at_open = action.version().get_untracked();
    let submitted_here = move || action.version().get() > submits_at_open;
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get()
            && submitted_here()
        {
            login.server_error.set(e.field_error("login"));
            password.server_error.set(e.field_error("password"));
        }
    });
    let policy = app
        .site
        .get_untracked()
        .and_then(Result::ok)
        .map(|s| s.password_policy)
        .unwrap_or_default();
    let flash_message = flash.error.as_ref().map(form_message);
    let message = Signal::derive(move || match action.value().get() {
        Some(Err(e)) if submitted_here() => Some(form_message(&e)),
        Some(_) if submitted_here() => None,
        _ => flash_message.clone(),
    });
    let touch_all = move |_: leptos::ev::SubmitEvent| {
        login.touched.set(true);
        password.touched.set(true);
    };
    // A notice carried over from another page (signup, password reset), until a submit.
    let notice = flash.notice.clone();
    let notice = Signal::derive(move || (!submitted_here()).then(|| notice.clone()).flatten());
    // Right password, unverified address: offer a new link for the login just typed.
    let flash_unverified = matches!(flash.error, Some(AppError::EmailNotVerified));
    let unverified = move || match action.value().get() {
        Some(Err(AppError::EmailNotVerified)) if submitted_here() => true,
        Some(_) if submitted_here() => false,
        _ => flash_unverified,
    };
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true on:submit=touch_all>
            <Alert kind="success" message=notice/>
            <Alert message/>
            <input type="hidden" name="next" value=next/>
            <Field
                label="Username or email"
                name="login"
                state=login
                error=login.error(|v| validate::login_identifier(v).err())
                autocomplete="username"
                required=true
                maxlength=validate::LOGIN_MAX
            />
            <Field
                label="Password"
                name="password"
                kind="password"
                state=password
                error=password.error(move |v| validate::login_password(v, &policy).err())
                autocomplete="current-password"
                required=true
                maxlength=policy.max_length
            />
            <SubmitButton label="Log in" pending_label="Logging in…" pending=action.pending().into()/>
            <p class="form-links"><A href="/forgot-password">"Forgot your password?"</A></p>
        </ActionForm>
        <Show when=unverified>
            <ResendVerification login=login.value return_to="/login" hide_login=true/>
        </Show>
    }
}
