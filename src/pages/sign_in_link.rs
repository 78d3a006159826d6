//! `/login/link?token=...`: an emailed sign-in link. Opening it only checks the link and
//! shows a "Sign in" button; the button's POST spends it, so mail scanners that fetch
//! links sign nobody in. A plain form: the same full-page login with or without
//! JavaScript.

use super::flash_resource;
use crate::{
    components::{Alert, ErrorView, set_page_title},
    errors::LinkProblem,
    forms::{specs::SIGN_IN_LINK, use_form},
    model::LinkStatus,
    server_fns::sign_in_links::{SignInWithLink, sign_in_link_status},
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn SignInLinkPage() -> impl IntoView {
    set_page_title("Sign in with an emailed link");
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let status = Resource::new_blocking(token, sign_in_link_status);
    let flash = flash_resource(&[&SIGN_IN_LINK]);
    let action = ServerAction::<SignInWithLink>::new();
    view! {
        <section class="card narrow">
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    // A failed post (say, the account was deactivated) says why here.
                    let form = use_form(&SIGN_IN_LINK, &flash, action);
                    match status.await {
                        Ok(LinkStatus::Valid) => view! {
                            <h1>"Sign in"</h1>
                            <Alert message=form.error/>
                            <p>"Press the button to sign in to your account on this device."</p>
                            <form method="post" action="/fn/sign-in-link" class="form">
                                <input type="hidden" name="token" value=token()/>
                                <button type="submit" class="btn btn-primary btn-block">"Sign in"</button>
                            </form>
                        }.into_any(),
                        // A refused post's own reason (a deactivated account, say) wins.
                        Ok(LinkStatus::Refused(problem)) => {
                            dead_link(problem, form.error.get_untracked()).into_any()
                        }
                        Err(e) => view! { <ErrorView error=e heading=true/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn dead_link(problem: LinkProblem, why: Option<String>) -> impl IntoView {
    let title = match (problem, &why) {
        (LinkProblem::Expired, _) => "This link has expired",
        (LinkProblem::Used, _) => "This link was already used",
        (LinkProblem::Invalid, Some(_)) => "This link cannot sign you in",
        (LinkProblem::Invalid, None) => "This link is not valid",
    };
    view! {
        <h1>{title}</h1>
        <p class="alert" role="alert">{why.unwrap_or_else(|| problem.to_string())}</p>
        <A href="/login" attr:class="btn btn-primary">"Back to log in"</A>
    }
}
