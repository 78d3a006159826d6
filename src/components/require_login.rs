//! Guards a page that needs a login. It asks the server who is logged in each time the
//! page is opened (not a cached answer, which could be stale right after a login), and
//! sends anonymous visitors to `/login?next=...`: a real 302 when the server renders the
//! page, a client-side redirect otherwise.

use crate::{model::UserView, server_fns::site::current_user};
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn RequireLogin<F, V>(
    /// This page's path, to come back to after logging in.
    path: &'static str,
    /// Reloads the user when it changes (e.g. the version of an action that edits it).
    #[prop(optional, into)]
    reload: Option<Signal<usize>>,
    children: F,
) -> impl IntoView
where
    F: Fn(UserView) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    // `try_get`: the reload signal may belong to a page that is already gone.
    let user = Resource::new(move || reload.and_then(|r| r.try_get()), |_| current_user());
    let login = format!("/login?next={path}");
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                let login = login.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => children(user).into_any(),
                        Ok(None) | Err(crate::errors::AppError::Unauthorized) => view! { <Redirect path=login/> }.into_any(),
                        Err(e) => view! { <crate::components::ErrorView error=e/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
