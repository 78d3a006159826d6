//! The "Apps with access" card: apps the person allowed to sign them in through
//! Gatehouse, with a button to withdraw each one's access (and its tokens).

use super::Cards;
use crate::{
    components::FormAlerts,
    forms::{specs::APPS, use_form_since},
    model::FormFlash,
    server_fns::apps::RevokeApp,
};
use leptos::prelude::*;

/// Made by the page (see `ProfilePage`) and found here through the context.
#[derive(Clone, Copy)]
pub(super) struct AppsState {
    pub(super) revoke: ServerAction<RevokeApp>,
}

#[component]
pub(super) fn AppsCard(flash: FormFlash) -> impl IntoView {
    let AppsState { revoke } = expect_context::<AppsState>();
    let cards = expect_context::<Cards>();
    let form = use_form_since(&APPS, &flash, revoke, 0);
    let (error, notice) = (form.error, form.notice);
    view! {
        {cards.show(None, |c| c.apps, move |items| {
            let items = items.unwrap_or_default();
            // After the last one goes, the card stays to say so.
            let said = notice.get().is_some() || error.get().is_some();
            (!items.is_empty() || said).then(|| view! {
                <section class="card" aria-labelledby="apps-heading">
                    <h2 id="apps-heading">"Apps with access"</h2>
                    <p class="muted">"Apps you allowed to sign you in with this account."</p>
                    <FormAlerts error notice/>
                    <ul class="connections">
                        {items.into_iter().map(|app| view! {
                            <li class="connection">
                                <div>
                                    <strong>{app.name.clone()}</strong>
                                    <p class="muted small">{format!("Allowed since {}: {}", app.since, app.permissions.join("; "))}</p>
                                </div>
                                <ActionForm action=revoke>
                                    <input type="hidden" name="client_id" value=app.client_id.clone()/>
                                    <button type="submit" class="btn btn-ghost" aria-label=format!("Withdraw access of {}", app.name)>"Withdraw access"</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })
        })}
    }
}
