//! The 404 page (with a real 404 status).

use crate::components::set_page_title;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    set_page_title("Page not found");
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    // The OpenID Provider's pages are the server's, not the router's: reached by a
    // client-side navigation (the redirect after a login with JavaScript), they must be
    // loaded from the server. The server never renders this page for them, so this
    // cannot loop.
    #[cfg(feature = "hydrate")]
    {
        let path = leptos_router::hooks::use_location()
            .pathname
            .get_untracked();
        if path.starts_with("/oauth2/") {
            Effect::new(move |_| {
                let _ = window().location().reload();
            });
        }
    }
    view! {
        <section class="card narrow center">
            <p class="eyebrow">"404"</p>
            <h1>"Page not found"</h1>
            <p class="muted">"The page you asked for does not exist or has moved."</p>
            <A href="/" attr:class="btn btn-primary">"Go to the home page"</A>
        </section>
    }
}
