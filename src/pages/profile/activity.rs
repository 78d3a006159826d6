//! The "Recent security activity" card: the user's own latest security events.

use super::Cards;
use leptos::prelude::*;
use leptos_router::components::A;

/// The user's own recent security events: "New sign-in from Firefox on Linux".
#[component]
pub(super) fn RecentActivity() -> impl IntoView {
    let cards = expect_context::<Cards>();
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Recent security activity"</h2>
            <p class="muted">"If something here was not you, change your password and sign out your other devices."</p>
            {cards.show(None, |c| c.activity, |items| {
                let items = items.unwrap_or_default();
                view! {
                    <ul class="activity">
                        {items.into_iter().map(|e| view! {
                            <li>
                                <span>{e.summary}</span>
                                <span class="muted small" title=e.at>{e.ago}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }
            })}
            <A href="/sessions" attr:class="btn btn-ghost">"See your devices"</A>
        </section>
    }
}
