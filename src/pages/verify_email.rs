//! `/verify-email?token=...`: an emailed verification or address-change link. Opening it
//! only checks the link and shows a confirm button; the button (a POST) spends it, so mail
//! scanners and link prefetchers that fetch the link change nothing.

use super::flash_resource;
use crate::{
    app::use_app,
    components::{ResendVerification, SubmitButton, set_page_title},
    errors::LinkProblem,
    forms::specs::{RESEND, VERIFY},
    model::VerifyOutcome,
    server_fns::email::{VerifyEmail, verify_email_status},
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    set_page_title("Verify your email");
    let app = use_app();
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let status = Resource::new_blocking(token, |token| async move {
        if token.is_empty() {
            Ok(None)
        } else {
            verify_email_status(token).await.map(Some)
        }
    });
    let confirm = ServerAction::<VerifyEmail>::new();
    // The account changed: the navigation bar and other pages should see it. An effect,
    // so it runs only in the browser, never during a server render.
    Effect::new(move |_| {
        if matches!(
            confirm.value().get(),
            Some(Ok(
                VerifyOutcome::Verified { .. } | VerifyOutcome::EmailChanged { .. }
            ))
        ) {
            app.user.refetch();
        }
    });
    let flash = flash_resource(&[&RESEND, &VERIFY]);
    view! {
        <section class="card narrow">
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten();
                    let resend_notice = flash.as_ref().filter(|f| f.form == RESEND.id).and_then(|f| f.notice.clone());
                    // A browser without JavaScript comes back here with the outcome.
                    let done = flash.filter(|f| f.form == VERIFY.id).and_then(|f| f.notice);
                    let lifetime = app.site.await.unwrap_or_default().verify_link_lifetime;
                    let status = status.await;
                    let token = token();
                    view! {
                        {move || {
                            let token = token.clone();
                            let lifetime = lifetime.clone();
                            let resend_notice = resend_notice.clone();
                            let resend = move |lead: String| view! {
                                <p>{lead}</p>
                                <ResendVerification login="" return_to="/verify-email" notice=resend_notice.clone()/>
                            };
                            if let Some(done) = done.clone() {
                                // "Heading: the rest", written by the server function.
                                let (heading, rest) = done.split_once(": ").map(|(h, r)| (h.to_string(), r.to_string())).unwrap_or((done.clone(), String::new()));
                                // The same way on as the answer without a reload below.
                                let (next, label) = if heading.starts_with("Your address") || heading.starts_with("That address") {
                                    ("/profile", "Go to your profile")
                                } else {
                                    ("/login", "Continue")
                                };
                                return view! {
                                    <h1>{heading}</h1>
                                    <p role="status">{rest}</p>
                                    <A href=next attr:class="btn btn-primary">{label}</A>
                                }.into_any();
                            }
                            let outcome = match confirm.value().get() {
                                Some(result) => result.map(Some),
                                None => status.clone(),
                            };
                            match outcome {
                                Ok(Some(VerifyOutcome::Confirm { email, change })) => view! {
                                    <h1>{if change { "Confirm your new address" } else { "Confirm your email address" }}</h1>
                                    <p>
                                        {if change { "Move your account to " } else { "Confirm that " }}
                                        <strong>{email}</strong>
                                        {if change { "?" } else { " is your address." }}
                                    </p>
                                    <ActionForm action=confirm attr:class="form">
                                        <input type="hidden" name="token" value=token.clone()/>
                                        <SubmitButton
                                            label=if change { "Confirm my new address" } else { "Verify my email" }
                                            pending_label="Confirming…"
                                            pending=confirm.pending().into()
                                        />
                                    </ActionForm>
                                }.into_any(),
                                Ok(Some(VerifyOutcome::Verified { email })) => view! {
                                    <p class="status-icon ok" aria-hidden="true">"✓"</p>
                                    <h1>"Your email is verified"</h1>
                                    <p>"Thank you: " <strong>{email}</strong> " is confirmed."</p>
                                    <A href="/login" attr:class="btn btn-primary">"Continue"</A>
                                }.into_any(),
                                Ok(Some(VerifyOutcome::EmailChanged { email })) => view! {
                                    <p class="status-icon ok" aria-hidden="true">"✓"</p>
                                    <h1>"Your address has changed"</h1>
                                    <p>"Your account now uses " <strong>{email}</strong> "."</p>
                                    <A href="/profile" attr:class="btn btn-primary">"Go to your profile"</A>
                                }.into_any(),
                                Ok(Some(VerifyOutcome::AlreadyVerified)) => view! {
                                    <h1>"Already verified"</h1>
                                    <p>"Your email address was verified before. You can log in."</p>
                                    <A href="/login" attr:class="btn btn-primary">"Log in"</A>
                                }.into_any(),
                                Ok(Some(VerifyOutcome::EmailTaken)) => view! {
                                    <h1>"That address is taken"</h1>
                                    <p>"Another account started using this address after you asked for the change, so your address stays as it was."</p>
                                    <A href="/profile" attr:class="btn btn-primary">"Go to your profile"</A>
                                }.into_any(),
                                Ok(Some(VerifyOutcome::Refused(LinkProblem::Expired))) => view! {
                                    <h1>"This link has expired"</h1>
                                    {resend(format!("Verification links work for {lifetime}. Ask for a new one:"))}
                                }.into_any(),
                                Ok(Some(VerifyOutcome::Refused(LinkProblem::Used))) => view! {
                                    <h1>"This link was already used"</h1>
                                    {resend("Each link works once. If you still need to verify, ask for a new one:".into())}
                                }.into_any(),
                                Ok(Some(VerifyOutcome::Refused(LinkProblem::Invalid))) => view! {
                                    <h1>"This link is not valid"</h1>
                                    {resend("Check that you copied the whole link from the email, or ask for a new one:".into())}
                                }.into_any(),
                                Ok(None) => view! {
                                    <h1>"Verify your email"</h1>
                                    {resend("Need a new verification link? Enter your email address or username:".into())}
                                }.into_any(),
                                Err(e) => view! { <crate::components::ErrorView error=e heading=true/> }.into_any(),
                            }
                        }}
                    }
                })}
            </Suspense>
        </section>
    }
}
