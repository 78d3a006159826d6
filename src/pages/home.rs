//! The home page.

use crate::{app::use_app, components::set_page_title};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    set_page_title("");
    let app = use_app();
    view! {
        <section class="hero">
            <h1>"Your accounts, on your server."</h1>
            <p class="lead">
                "Gatehouse signs people up, logs them in and keeps their sessions safe: "
                "one fast binary, SQLite or PostgreSQL, no JavaScript required."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match app.user.await {
                        Ok(Some(user)) => view! {
                            <div class="hero-actions">
                                <p class="welcome">"Welcome back, " <strong>{user.name().to_string()}</strong> "."</p>
                                <A href="/profile" attr:class="btn btn-primary">"Go to your profile"</A>
                            </div>
                        }
                        .into_any(),
                        _ => view! {
                            <div class="hero-actions">
                                <A href="/signup" attr:class="btn btn-primary btn-lg">"Create an account"</A>
                                <A href="/login" attr:class="btn btn-ghost btn-lg">"Log in"</A>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="features" aria-label="Features">
            <article class="feature">
                <h2>"Safe by default"</h2>
                <p>"argon2id password hashing, short-lived signed access tokens and rotating refresh tokens that detect theft."</p>
            </article>
            <article class="feature">
                <h2>"Cookies you cannot steal"</h2>
                <p>"Tokens live in HttpOnly, SameSite cookies — never in localStorage, never in a URL."</p>
            </article>
            <article class="feature">
                <h2>"Works everywhere"</h2>
                <p>"Every page works without JavaScript; with it, forms validate as you type."</p>
            </article>
        </section>
    }
}
