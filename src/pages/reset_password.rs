//! `/reset-password?token=...`: chooses a new password with an emailed link. The link is
//! checked when the page opens, so nobody types a password into a dead link.

use super::flash_resource;
use crate::{
    app::use_app,
    components::{
        Alert, ErrorView, Field, PasswordMeter, StrengthCheck, SubmitButton, set_page_title,
    },
    errors::{AppError, LinkProblem},
    forms::{specs::RESET_PASSWORD, use_form},
    model::{FormFlash, LinkStatus, PasswordPolicy},
    server_fns::email::{ResetPassword, reset_link_status},
    validate,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    set_page_title("Choose a new password");
    let app = use_app();
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let status = Resource::new_blocking(token, reset_link_status);
    let flash = flash_resource(&[&RESET_PASSWORD]);
    view! {
        <section class="card narrow">
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    let site = app.site.await.unwrap_or_default();
                    let policy = site.password_policy;
                    match status.await {
                        Ok(LinkStatus::Valid) => view! {
                            <h1>"Choose a new password"</h1>
                            <p class="muted">"After this, every device logged in to your account is signed out."</p>
                            <ResetForm token=token() flash policy/>
                        }.into_any(),
                        Ok(other) => dead_link(other, &site.reset_link_lifetime).into_any(),
                        Err(e) => view! { <ErrorView error=e heading=true/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn dead_link(status: LinkStatus, lifetime: &str) -> impl IntoView {
    let (title, text) = match status {
        LinkStatus::Refused(LinkProblem::Expired) => (
            "This link has expired",
            format!("Reset links work for {lifetime}."),
        ),
        LinkStatus::Refused(LinkProblem::Used) => (
            "This link was already used",
            "Each reset link works once.".into(),
        ),
        _ => (
            "This link is not valid",
            "Check that you copied the whole link from the email.".into(),
        ),
    };
    view! {
        <h1>{title}</h1>
        <p>{text} " You can ask for a new one."</p>
        <A href="/forgot-password" attr:class="btn btn-primary">"Get a new link"</A>
    }
}

#[component]
fn ResetForm(token: String, flash: FormFlash, policy: PasswordPolicy) -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let form = use_form(&RESET_PASSWORD, &flash, action);
    let password = form.field("password");
    let confirm = form.field("password_confirm");
    let link_dead = move || matches!(form.latest_error().get(), Some(AppError::Link(_)));
    let strength = StrengthCheck::new(password.value.into(), Signal::derive(Vec::new), policy);
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <Alert message=form.error/>
            <Show when=link_dead>
                <A href="/forgot-password" attr:class="btn btn-ghost">"Get a new link"</A>
            </Show>
            <input type="hidden" name="token" value=token/>
            <Field
                label="New password"
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
                label="Confirm new password"
                kind="password"
                state=confirm
                error=confirm.error(move |v| validate::password_confirmation(&password.value.get_untracked(), v).err())
                autocomplete="new-password"
                required=true
                maxlength=policy.max_length
            />
            <SubmitButton label="Set new password" pending_label="Saving…" pending=action.pending().into()/>
        </ActionForm>
    }
}
