//! `/login`: username or email and password. One message for every wrong combination.

use super::{flash_resource, lazy_part};
use crate::{
    app::use_app,
    components::{
        Alert, Field, FormAlerts, PasskeySignIn, ProviderButtons, ResendVerification, SubmitButton,
        set_page_title,
    },
    errors::AppError,
    forms::{
        specs::{LOGIN, SIGN_IN_LINK_REQUEST},
        use_form,
    },
    model::FormFlash,
    server_fns::sign_in_links::RequestSignInLink,
    validate,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn LoginPage() -> impl IntoView {
    set_page_title("Log in");
    let app = use_app();
    let flash = flash_resource(&[&LOGIN, &SIGN_IN_LINK_REQUEST]);
    let query = use_query_map();
    // Only a local path is ever used as the destination.
    let next = move || validate::safe_next(query.with(|q| q.get("next")).as_deref());
    // An app sent the person here to sign in: say which (its name is the server's).
    let for_app = next().is_some_and(|n| n.starts_with("/oauth2/authorize"));
    view! {
        <section class="card narrow">
            <h1>"Log in"</h1>
            {for_app.then(|| view! { <AppBanner/> })}
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
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    // Awaited, not read untracked: the server must render the link form
                    // too. The browser offers passkeys in the username field's autofill.
                    let site = app.site.await.ok();
                    let links = site.as_ref().is_some_and(|s| s.sign_in_links);
                    let passkeys = site.as_ref().is_some_and(|s| s.passkeys);
                    let providers = site.map(|s| s.providers).unwrap_or_default();
                    // Most sites leave sign-in links off: their visitors never download
                    // that form (it is a chunk of its own).
                    let link_form = if links {
                        Some(lazy_part(sign_in_link_form(flash.clone())).await)
                    } else {
                        None
                    };
                    // One boundary for all that waits on the site's settings: each
                    // boundary costs the first visit's wasm a few KB.
                    let next = next().unwrap_or_default();
                    view! {
                        <ProviderButtons providers next=next.clone()/>
                        {passkeys.then(|| view! { <PasskeySignIn/> })}
                        <LoginForm flash=flash.clone() next passkeys/>
                        {link_form}
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn LoginForm(flash: FormFlash, next: String, passkeys: bool) -> impl IntoView {
    let app = use_app();
    let action = app.login;
    // The login action lives as long as the app: `use_form` counts only submits made on
    // this visit of the page, not a login from before (then the flash speaks).
    let form = use_form(&LOGIN, &flash, action);
    let login = form.field("login");
    let password = form.field("password");
    let policy = app
        .site
        .get_untracked()
        .and_then(Result::ok)
        .map(|s| s.password_policy)
        .unwrap_or_default();
    // Right password, unverified address: offer a new link for the login just typed.
    let unverified = move || matches!(form.latest_error().get(), Some(AppError::EmailNotVerified));
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true on:submit=move |_| form.touch_all()>
            <Alert kind="success" message=form.notice/>
            <Alert message=form.error/>
            <input type="hidden" name="next" value=next/>
            <Field
                label="Username or email"
                state=login
                error=login.error(|v| validate::login_identifier(v).err())
                autocomplete=if passkeys { "username webauthn" } else { "username" }
                required=true
                maxlength=validate::LOGIN_MAX
            />
            <Field
                label="Password"
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
        // Needed only after that one refusal, so it is a chunk of its own.
        <Show when=unverified>
            <Suspense fallback=|| ()>
                {move || Suspend::new(lazy_part(resend_for_login(login.value)))}
            </Suspense>
        </Show>
    }
}

// The page's lazily loaded parts, and the ids by which the browser finds them in the
// server's HTML (see `load_rendered_parts`).
const SIGN_IN_LINK_FORM: &str = "sign-in-link-form";
const RESEND_FORM: &str = "login-resend";

#[lazy]
fn sign_in_link_form(flash: FormFlash) -> AnyView {
    view! { <SignInLinkForm flash/> }.into_any()
}

#[lazy]
fn resend_for_login(login: RwSignal<String>) -> AnyView {
    view! {
        <div id=RESEND_FORM>
            <ResendVerification login=login return_to="/login" hide_login=true/>
        </div>
    }
    .into_any()
}

/// Loads the code of the lazily loaded parts the server rendered into this page, before
/// the page hydrates: Leptos hydrates a part whose code is still loading as if it were
/// empty, which does not match the server's HTML and stops hydration. (A refused login
/// posted before the wasm arrived comes back with the resend form, for example.)
#[cfg(feature = "hydrate")]
pub async fn load_rendered_parts() {
    let rendered = |id| document().get_element_by_id(id).is_some();
    if rendered(SIGN_IN_LINK_FORM) {
        __preload_sign_in_link_form().await;
    }
    if rendered(RESEND_FORM) {
        __preload_resend_for_login().await;
    }
}

/// "Email me a sign-in link" (when `accounts.sign_in_links` is on): the same answer
/// whether or not the address has an account.
#[component]
fn SignInLinkForm(flash: FormFlash) -> impl IntoView {
    let action = ServerAction::<RequestSignInLink>::new();
    let form = use_form(&SIGN_IN_LINK_REQUEST, &flash, action);
    let email = form.field("email");
    view! {
        <p class="divider"><span>"or sign in without a password"</span></p>
        <ActionForm action=action attr:class="form" attr:novalidate=true attr:id=SIGN_IN_LINK_FORM>
            <FormAlerts error=form.error notice=form.notice/>
            <Field
                label="Email for a sign-in link"
                kind="email"
                state=email
                error=email.error(|v| validate::Email::parse(v).err())
                autocomplete="email"
                required=true
                maxlength=validate::EMAIL_MAX
            />
            <SubmitButton label="Email me a sign-in link" pending_label="Sending…" pending=action.pending().into()/>
        </ActionForm>
    }
}

/// "Sign in to Acme Notes": the app waiting for this login.
#[component]
fn AppBanner() -> impl IntoView {
    let app = Resource::new_blocking(|| (), |_| crate::server_fns::apps::pending_app());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                app.await.ok().flatten().map(|app| view! {
                    <p class="app-banner">"Sign in to " <strong>{app.name}</strong> " with your Gatehouse account."</p>
                })
            })}
        </Suspense>
    }
}
