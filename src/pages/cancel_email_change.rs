//! `/cancel-email-change?token=...`: the one-click "this wasn't me" link mailed to the old
//! address when someone asks to change it. Works without logging in; opening it only
//! shows the button, which (a POST) cancels the change or undoes it.

use super::flash_resource;
use crate::{
    components::{SubmitButton, set_page_title},
    errors::LinkProblem,
    forms::{specs::CANCEL_EMAIL_CHANGE, use_form},
    model::LinkStatus,
    server_fns::email::{CancelEmailChange, cancel_email_change_status},
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn CancelEmailChangePage() -> impl IntoView {
    set_page_title("Cancel a change of address");
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let status = Resource::new_blocking(token, |token| async move {
        if token.is_empty() {
            Ok(None)
        } else {
            cancel_email_change_status(token).await.map(Some)
        }
    });
    let action = ServerAction::<CancelEmailChange>::new();
    let flash = flash_resource(&[&CANCEL_EMAIL_CHANGE]);
    view! {
        <section class="card narrow">
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    let form = use_form(&CANCEL_EMAIL_CHANGE, &flash, action);
                    let status = status.await;
                    let token = token();
                    view! {
                        {move || {
                            let token = token.clone();
                            let done = form.notice.get().map(Ok).or_else(|| form.error.get().map(Err));
                            match (done, status.clone()) {
                                (Some(Ok(notice)), _) => view! {
                                    <h1>"Change of address cancelled"</h1>
                                    <p class="notice" role="status">{notice}</p>
                                    <A href="/forgot-password" attr:class="btn btn-primary">"Reset my password"</A>
                                }.into_any(),
                                (Some(Err(message)), _) => view! {
                                    <h1>"The change could not be cancelled"</h1>
                                    <p class="alert" role="alert">{message}</p>
                                }.into_any(),
                                (None, Ok(Some(LinkStatus::Valid))) => view! {
                                    <h1>"Cancel the change of address?"</h1>
                                    <p>"Someone asked to move your account to another email address. If it was not you, cancel it: your account keeps (or gets back) this address."</p>
                                    <ActionForm action=action attr:class="form">
                                        <input type="hidden" name="token" value=token.clone()/>
                                        <SubmitButton label="This wasn't me — cancel the change" pending_label="Cancelling…" pending=action.pending().into()/>
                                    </ActionForm>
                                }.into_any(),
                                (None, Ok(Some(LinkStatus::Refused(LinkProblem::Expired)))) => view! {
                                    <h1>"This link has expired"</h1>
                                    <p>"If someone changed your address, reset your password and contact the administrator."</p>
                                }.into_any(),
                                (None, Ok(Some(LinkStatus::Refused(LinkProblem::Used)))) => view! {
                                    <h1>"This link was already used"</h1>
                                    <p>"The change was already cancelled."</p>
                                }.into_any(),
                                (None, Ok(_)) => view! {
                                    <h1>"This link is not valid"</h1>
                                    <p>"Check that you copied the whole link from the email. It stops working when the password changes."</p>
                                }.into_any(),
                                (None, Err(e)) => view! { <crate::components::ErrorView error=e heading=true/> }.into_any(),
                            }
                        }}
                    }
                })}
            </Suspense>
        </section>
    }
}
