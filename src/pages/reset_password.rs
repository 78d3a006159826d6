//! `/reset-password?token=...`: chooses a new password with an emailed link. The link is
//! checked when the page opens, so nobody types a password into a dead link.

use super::{flash_resource, form_message};
use crate::{
    api::email::{ResetPassword, reset_link_status},
    app::use_session,
    components::{Alert, Field, FieldState, PasswordMeter, SubmitButton},
    errors::{AppError, LinkProblem},
    model::{FormFlash, LinkStatus, PasswordPolicy},
    validate,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let status = Resource::new_blocking(token, reset_link_status);
    let flash = flash_resource("reset");
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    let policy = session.site.await.map(|s| s.password_policy).unwrap_or_default();
                    match status.await {
                        Ok(LinkStatus::Valid) => view! {
                            <h1>"Choose a new password"</h1>
                            <p class="muted">"After this, every device logged in to your account is signed out."</p>
                            <ResetForm token=token() flash policy/>
                        }.into_any(),
                        Ok(other) => dead_link(other).into_any(),
                        Err(e) => view! { <h1>"Something went wrong"</h1><p class="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn dead_link(status: LinkStatus) -> impl IntoView {
    let (title, text) = match status {
        LinkStatus::Refused(LinkProblem::Expired) => {
            ("This link has expired", "Reset links work for one hour.")
        }
        LinkStatus::Refused(LinkProblem::Used) => {
            ("This link was already used", "Each reset link works once.")
        }
        _ => (
            "This link is not valid",
            "Check that you copied the whole link from the email.",
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
    let field_error = |name: &str| flash.error.as_ref().and_then(|e| e.field_error(name));
    let password = FieldState::new(String::new(), field_error("password"));
    let confirm = FieldState::new(String::new(), field_error("password_confirm"));
    Effect::new(move |_| {
        if let Some(Err(e)) = action.value().get() {
            password.server_error.set(e.field_error("password"));
            confirm.server_error.set(e.field_error("password_confirm"));
        }
    });
    let flash_error = flash.error.clone();
    let error = Signal::derive(move || match action.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(())) => None,
        None => flash_error.clone(),
    });
    let link_dead = move || matches!(error.get(), Some(AppError::Link(_)));
    let message = Signal::derive(move || error.get().map(|e| form_message(&e)));
    let no_inputs = Signal::derive(Vec::new);
    view! {
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <Alert message/>
            <Show when=link_dead>
                <A href="/forgot-password" attr:class="btn btn-ghost">"Get a new link"</A>
            </Show>
            <input type="hidden" name="token" value=token/>
            <Field
                label="New password"
                name="password"
                kind="password"
                state=password
                error=password.error(move |v| validate::new_password(v, &policy, &[]).err())
                autocomplete="new-password"
                required=true
                maxlength=policy.max_length
                hint="At least 8 characters. A few unrelated words make a strong, memorable password."
            >
                <PasswordMeter password=password.value.into() user_inputs=no_inputs min_score=policy.min_score/>
            </Field>
            <Field
                label="Confirm new password"
                name="password_confirm"
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
