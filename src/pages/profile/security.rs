//! The "Two-step verification" card: an authenticator app (QR code, secret, first code),
//! recovery codes (shown once, to copy or download), and a notice for admins who must
//! set one up. Every button is a plain form: it all works without JavaScript.

use crate::{
    components::{Alert, Field, FormAlerts, SubmitButton},
    forms::{specs::SECURITY, use_form_since},
    model::{FormFlash, SecurityView, TotpSetupView},
    server_fns::factors::{SecurityChange, SecurityStep},
};
use leptos::prelude::*;

/// The card's action, made by the page (see `ProfilePage`); its data is the page's
/// `Cards`.
#[derive(Clone, Copy)]
pub(super) struct SecurityState {
    pub step: ServerAction<SecurityStep>,
}

#[component]
pub(super) fn SecurityCard(flash: FormFlash) -> impl IntoView {
    let SecurityState { step: action } = expect_context::<SecurityState>();
    let cards = expect_context::<super::Cards>();
    // The action belongs to the page, which outlives this card: every submit since the
    // page opened counts.
    let form = use_form_since(&SECURITY, &flash, action, 0);
    view! {
        <section class="card" id="security" aria-labelledby="security-heading">
            <h2 id="security-heading">"Two-step verification"</h2>
            <FormAlerts error=form.error notice=form.notice reauth=form.needs_reauth() back="/profile#security"/>
            {cards.show(Some("Loading…"), |c| c.security, move |security| match security {
                Ok(security) => view! { <SecurityBody security action form/> }.into_any(),
                Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn SecurityBody(
    security: SecurityView,
    action: ServerAction<SecurityStep>,
    form: crate::forms::Form,
) -> impl IntoView {
    let required = security.required.then(|| {
        let message = Signal::derive(|| {
            Some("Admins must protect their account with a second factor before the admin pages open: set up an authenticator app or a passkey.".to_string())
        });
        view! { <Alert kind="info" message/> }
    });
    let app = if security.totp {
        view! {
            <p><strong>"Authenticator app: on."</strong> " Logging in asks for one of its codes."</p>
            <StepButton action step=SecurityChange::RemoveTotp label="Remove the authenticator app" ghost=true/>
        }
        .into_any()
    } else if let Some(setup) = security.setup.clone() {
        view! { <TotpSetup setup action form/> }.into_any()
    } else {
        view! {
            <p>"Protect your account with a code from an authenticator app (such as Aegis, Google Authenticator or 1Password) as well as your password."</p>
            <StepButton action step=SecurityChange::StartTotp label="Set up an authenticator app" ghost=false/>
        }
        .into_any()
    };
    let codes = (security.totp || security.passkeys > 0).then(|| {
        let left = security.recovery_codes_left;
        view! {
            <h3>"Recovery codes"</h3>
            <p>{format!("{left} of 10 recovery codes left. Each works once, when your app or passkey is not at hand.")}</p>
            <StepButton action step=SecurityChange::RegenerateCodes label="Create new recovery codes" ghost=true/>
        }
    });
    // One element: a Transition swaps it whole when the card reloads.
    view! {
        <div class="security-body">
            {required}
            {security.new_codes.clone().map(|codes| view! { <NewCodes codes action/> })}
            <h3>"Authenticator app"</h3>
            {app}
            {codes}
        </div>
    }
}

/// One action of the card as a one-button form.
#[component]
fn StepButton(
    action: ServerAction<SecurityStep>,
    step: SecurityChange,
    label: &'static str,
    ghost: bool,
) -> impl IntoView {
    let value: &'static str = step.into();
    view! {
        <ActionForm action=action attr:class="inline-form">
            <input type="hidden" name="change" value=value/>
            <button type="submit" class=if ghost { "btn btn-ghost" } else { "btn" }
                disabled=move || action.pending().get()>{label}</button>
        </ActionForm>
    }
}

#[component]
fn TotpSetup(
    setup: TotpSetupView,
    action: ServerAction<SecurityStep>,
    form: crate::forms::Form,
) -> impl IntoView {
    let code = form.field("code");
    view! {
        <ol class="steps">
            <li>"Scan this QR code with your authenticator app:"
                <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=setup.qr_svg></div>
            </li>
            <li>"Or type this key into the app: " <code class="secret" data-totp-secret=setup.secret.clone()>{setup.secret.clone()}</code>
                <details><summary>"Setup link"</summary><code class="uri">{setup.uri}</code></details>
            </li>
            <li>"Enter the 6-digit code the app shows:"</li>
        </ol>
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <input type="hidden" name="change" value="confirm_totp"/>
            <Field label="Code from the app" state=code
                error=code.error(|v| v.trim().is_empty().then(|| "Enter the code.".to_string()))
                autocomplete="one-time-code" required=true maxlength=16/>
            <SubmitButton label="Turn on" pending_label="Checking…" pending=action.pending().into()/>
        </ActionForm>
    }
}

/// New recovery codes, shown until the person says they saved them: to copy or
/// download as a text file.
#[component]
fn NewCodes(codes: Vec<String>, action: ServerAction<SecurityStep>) -> impl IntoView {
    let text = codes.join("\n");
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        url::form_urlencoded::byte_serialize(
            format!("Gatehouse recovery codes\n\n{text}\n").as_bytes()
        )
        .collect::<String>()
        .replace('+', "%20")
    );
    view! {
        <div class="recovery-codes" role="region" aria-labelledby="new-codes-heading">
            <h3 id="new-codes-heading">"Your new recovery codes"</h3>
            <p>"Save them somewhere safe now: once you leave, they are not shown again. Each works one time."</p>
            <ul class="codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
            <textarea id="recovery-codes-text" class="visually-hidden" readonly aria-hidden="true" tabindex="-1">{text}</textarea>
            <p class="actions">
                <a class="btn" href=download download="gatehouse-recovery-codes.txt">"Download as a text file"</a>
                <button type="button" class="btn btn-ghost" data-copy="recovery-codes-text" hidden>"Copy"</button>
            </p>
            <StepButton action step=SecurityChange::HideCodes label="I have saved them" ghost=true/>
        </div>
    }
}
