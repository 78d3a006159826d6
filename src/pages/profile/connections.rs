//! The "Connected accounts" card, shown when any sign-in provider is configured.

use super::Cards;
use crate::{
    components::FormAlerts,
    forms::{specs::CONNECTIONS, use_form_since},
    model::FormFlash,
    server_fns::connections::DisconnectProvider,
};
use leptos::prelude::*;

/// Made by the page (see `ProfilePage`) and found here through the context.
#[derive(Clone, Copy)]
pub(super) struct ConnectionsState {
    pub(super) disconnect: ServerAction<DisconnectProvider>,
}

/// Sign-in providers: connect (a round trip to the provider) or disconnect.
#[component]
pub(super) fn ConnectedAccounts(flash: FormFlash, has_password: bool) -> impl IntoView {
    let ConnectionsState { disconnect } = expect_context::<ConnectionsState>();
    let cards = expect_context::<Cards>();
    // The action belongs to the page, which outlives this card: every submit since the
    // page opened counts.
    let form = use_form_since(&CONNECTIONS, &flash, disconnect, 0);
    let (error, notice, reauth) = (form.error, form.notice, form.needs_reauth());
    view! {
        {cards.show(None, |c| c.connections, move |items| {
            let items = items.unwrap_or_default();
            (!items.is_empty()).then(|| view! {
                <section class="card" aria-labelledby="connections-heading">
                    <h2 id="connections-heading">"Connected accounts"</h2>
                    <p class="muted">"Log in with these instead of your password."</p>
                    <FormAlerts error notice reauth/>
                    <ul class="connections">
                        {items.into_iter().map(|item| {
                            let name = item.provider.name.clone();
                            let display = item.provider.display_name.clone();
                            let status = if item.connected {
                                format!(
                                    "Connected{}{}",
                                    item.connected_email.map(|e| format!(" as {e}")).unwrap_or_default(),
                                    item.linked_since.map(|d| format!(" since {d}")).unwrap_or_default(),
                                )
                            } else {
                                "Not connected".to_string()
                            };
                            let label = if item.connected { format!("Disconnect {display}") } else { format!("Connect {display}") };
                            let control = if item.connected {
                                view! {
                                    <ActionForm action=disconnect>
                                        <input type="hidden" name="provider" value=name.clone()/>
                                        <button type="submit" class="btn btn-ghost">{label}</button>
                                    </ActionForm>
                                }.into_any()
                            } else {
                                view! {
                                    // Connecting adds a way in: the current password proves it is the owner.
                                    <form method="post" action=format!("/auth/oauth/{name}/start") class="connect-form">
                                        <input type="hidden" name="link" value="1"/>
                                        {has_password.then(|| view! {
                                            <input
                                                type="password"
                                                id=format!("connect-password-{name}")
                                                name="password"
                                                aria-label="Current password"
                                                autocomplete="current-password"
                                                placeholder="Current password"
                                                required=true
                                            />
                                        })}
                                        <button type="submit" class="btn btn-ghost">{label}</button>
                                    </form>
                                }.into_any()
                            };
                            view! {
                                <li class="connection">
                                    <div>
                                        <strong>{display}</strong>
                                        <p class="muted small">{status}</p>
                                    </div>
                                    {control}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })
        })}
    }
}
