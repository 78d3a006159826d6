//! `/login/verify`: the second step of a login, for an account with a second factor. An
//! app code or a recovery code (with or without JavaScript), or a passkey.

use super::flash_resource;
use crate::{
    app::account_action,
    components::{Field, FormAlerts, SubmitButton, set_page_title},
    domain::FactorMethod,
    forms::{specs::LOGIN_VERIFY, use_form},
    model::{FormFlash, PendingLoginView},
    server_fns::factors::{LoginVerify, pending_login},
    validate,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn LoginVerifyPage() -> impl IntoView {
    set_page_title("Two-step verification");
    let flash = flash_resource(&[&LOGIN_VERIFY]);
    let pending = Resource::new_blocking(|| (), |_| pending_login());
    let query = use_query_map();
    let next = move || validate::safe_next(query.with(|q| q.get("next")).as_deref());
    view! {
        <section class="card narrow">
            <h1>"Two-step verification"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    match pending.await {
                        Ok(Some(login)) => view! {
                            <VerifyForms login flash next=next().unwrap_or_default()/>
                        }
                        .into_any(),
                        Ok(None) => view! {
                            <p>"This sign-in has expired or was already finished."</p>
                            <p><A href="/login" attr:class="btn">"Log in again"</A></p>
                        }
                        .into_any(),
                        Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn VerifyForms(login: PendingLoginView, flash: FormFlash, next: String) -> impl IntoView {
    // App-wide, so the header's user reloads once the login is done.
    let action = account_action::<LoginVerify>();
    let form = use_form(&LOGIN_VERIFY, &flash, action);
    let code = form.field("code");
    let passkey = login.methods.contains(&FactorMethod::Passkey);
    let totp = login.methods.contains(&FactorMethod::Totp);
    let hint = if totp {
        "The 6-digit code your authenticator app shows, or one of your recovery codes."
    } else {
        "One of your recovery codes."
    };
    view! {
        <p class="muted">"Signing in as " <strong>{login.username}</strong> ". Prove it's you with your second factor."</p>
        {passkey.then(|| view! {
            <div class="passkey-verify">
                <button type="button" class="btn" data-passkey-check="verify" data-passkey-ui="" hidden>
                    "Use a passkey"
                </button>
                <p class="field-error" role="alert" data-passkey-error="" hidden></p>
                <noscript><p class="muted">"Passkeys need JavaScript. Use a code below instead."</p></noscript>
            </div>
        })}
        <ActionForm action=action attr:class="form" attr:novalidate=true on:submit=move |_| form.touch_all()>
            <FormAlerts error=form.error notice=form.notice/>
            <input type="hidden" name="next" value=next/>
            <Field
                label="Code"
                state=code
                error=code.error(|v| v.trim().is_empty().then(|| "Enter a code.".to_string()))
                hint=hint
                autocomplete="one-time-code"
                required=true
                maxlength=32
            />
            <SubmitButton label="Verify" pending_label="Checking…" pending=action.pending().into()/>
        </ActionForm>
        <p class="muted small">"Lost your second factor? Use a recovery code, or ask an administrator to reset it. "
            <A href="/login">"Start over"</A></p>
    }
}
