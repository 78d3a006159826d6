//! `/confirm`: "Confirm it's you" before a sensitive change (step-up), with a password,
//! an authenticator code or a passkey; then back where the change was asked for.

use super::flash_resource;
use crate::{
    components::{Field, FormAlerts, RequireLogin, SubmitButton, set_page_title},
    forms::{specs::CONFIRM, use_form},
    model::{FormFlash, SecurityView},
    server_fns::factors::{ConfirmIdentity, security},
    validate,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ConfirmPage() -> impl IntoView {
    set_page_title("Confirm it's you");
    let flash = flash_resource(&[&CONFIRM]);
    let factors = Resource::new_blocking(|| (), |_| security());
    let query = use_query_map();
    let next = move || validate::safe_next(query.with(|q| q.get("next")).as_deref());
    view! {
        <section class="card narrow">
            <h1>"Confirm it's you"</h1>
            <p class="muted">"This change needs you to prove who you are again. It then goes through for the next few minutes without asking."</p>
            <RequireLogin path="/confirm" let:user>
                <Suspense fallback=|| ()>
                    {
                        let has_password = user.has_password;
                        move || Suspend::new(async move {
                            let flash = flash.await.ok().flatten().unwrap_or_default();
                            match factors.await {
                                Ok(factors) => view! {
                                    <ConfirmForm flash factors has_password next=next().unwrap_or_default()/>
                                }
                                .into_any(),
                                Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
                            }
                        })
                    }
                </Suspense>
            </RequireLogin>
        </section>
    }
}

#[component]
fn ConfirmForm(
    flash: FormFlash,
    factors: SecurityView,
    has_password: bool,
    next: String,
) -> impl IntoView {
    let action = ServerAction::<ConfirmIdentity>::new();
    let form = use_form(&CONFIRM, &flash, action);
    let password = form.field("password");
    let code = form.field("code");
    view! {
        {(factors.passkeys > 0).then(|| view! {
            <div class="passkey-verify">
                <button type="button" class="btn" data-passkey-check="confirm" data-passkey-ui="" hidden>
                    "Use a passkey"
                </button>
                <p class="field-error" role="alert" data-passkey-error="" hidden></p>
                <noscript><p class="muted">"Passkeys need JavaScript: use your password or an app code."</p></noscript>
            </div>
        })}
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <FormAlerts error=form.error notice=form.notice/>
            <input type="hidden" name="next" value=next/>
            {has_password.then(|| view! {
                <Field label="Password" kind="password" state=password error=password.error(|_| None)
                    autocomplete="current-password"/>
            })}
            {factors.totp.then(|| view! {
                <Field label="Or a code from your authenticator app" state=code error=code.error(|_| None)
                    autocomplete="one-time-code" maxlength=16/>
            })}
            {(!has_password && !factors.totp).then(|| view! {
                <p class="muted">"Your account has no password or authenticator app: log out and log in again (or use a passkey), then repeat the change."</p>
            })}
            <SubmitButton label="Confirm" pending_label="Checking…" pending=action.pending().into()/>
        </ActionForm>
    }
}
