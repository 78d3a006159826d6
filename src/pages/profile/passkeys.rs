//! The "Passkeys" card: the account's passkeys (name, added, last used), renamed or
//! removed with plain forms, and "Add a passkey", which needs JavaScript (the WebAuthn
//! ceremony runs in `public/passkeys.js`). Hidden when the server cannot offer passkeys.

use crate::{
    app::use_app,
    components::{FormAlerts, reloading},
    forms::{specs::PASSKEYS, use_form_since},
    model::{FormFlash, PasskeyView},
    server_fns::passkeys::{RemovePasskey, RenamePasskey},
    validate::PASSKEY_NAME_MAX,
};
use leptos::prelude::*;

/// Made by the page, outside its suspended parts (see `ProfilePage`), and found here
/// through the context; the list is the page's `Cards`.
#[derive(Clone, Copy)]
pub(super) struct PasskeysState {
    pub(super) rename: ServerAction<RenamePasskey>,
    pub(super) remove: ServerAction<RemovePasskey>,
    /// Whether the latest submit here was a removal (both actions answer for one form).
    removed_last: RwSignal<bool>,
}

impl PasskeysState {
    /// The card's actions.
    pub(super) fn actions() -> Self {
        Self {
            rename: ServerAction::new(),
            remove: ServerAction::new(),
            removed_last: RwSignal::new(false),
        }
    }
}

#[component]
pub(super) fn PasskeysCard(flash: FormFlash) -> impl IntoView {
    let app = use_app();
    let PasskeysState {
        rename,
        remove,
        removed_last,
    } = expect_context::<PasskeysState>();
    let cards = expect_context::<super::Cards>();
    // Two actions answer for one form: the latest submit of either speaks (a plain post's
    // flash, or the script's notice after adding one, shows through the first).
    let renamed = use_form_since(&PASSKEYS, &flash, rename, 0);
    let removed = use_form_since(&PASSKEYS, &FormFlash::default(), remove, 0);
    let latest = move || if removed_last.get() { removed } else { renamed };
    let error = Signal::derive(move || latest().error.get());
    let notice = Signal::derive(move || latest().notice.get());
    view! {
        {reloading(app.site, None, move |site| {
            let enabled = site.map(|s| s.passkeys).unwrap_or(false);
            enabled.then(|| view! {
                <section class="card" aria-labelledby="passkeys-heading">
                    <h2 id="passkeys-heading">"Passkeys"</h2>
                    <p class="muted">"Sign in with your fingerprint, face or screen lock instead of a password."</p>
                    <FormAlerts error notice/>
                    {cards.show(None, |c| c.passkeys, move |items| {
                        let items = items.unwrap_or_default();
                        if items.is_empty() {
                            return view! { <p>"You have no passkeys yet."</p> }.into_any();
                        }
                        view! {
                            <ul class="connections passkeys">
                                {items.into_iter().map(|item| view! { <PasskeyItem item rename remove removed_last/> }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })}
                    <AddPasskey/>
                </section>
            })
        })}
    }
}

#[component]
fn PasskeyItem(
    item: PasskeyView,
    rename: ServerAction<RenamePasskey>,
    remove: ServerAction<RemovePasskey>,
    removed_last: RwSignal<bool>,
) -> impl IntoView {
    let used = match &item.last_used {
        Some(at) => format!("Last used {at}"),
        None => "Never used".to_string(),
    };
    let status = format!("Added {} · {used}", item.added);
    let input_id = format!("passkey-name-{}", item.id);
    let (id, name) = (item.id.clone(), item.name.clone());
    let rename_id = id.clone();
    let rename_label = format!("New name for {name}");
    let remove_label = format!("Remove {name}");
    view! {
        <li class="connection passkey">
            <div>
                <strong>{name.clone()}</strong>
                <p class="muted small">{status}</p>
            </div>
            <div class="passkey-actions">
                <ActionForm action=rename attr:class="connect-form" on:submit=move |_| removed_last.set(false)>
                    <input type="hidden" name="id" value=rename_id/>
                    <label class="visually-hidden" for=input_id.clone()>{rename_label}</label>
                    <input type="text" id=input_id name="name" value=name.clone()
                        maxlength=PASSKEY_NAME_MAX required=true autocomplete="off"/>
                    <button type="submit" class="btn btn-ghost">"Rename"</button>
                </ActionForm>
                <ActionForm action=remove on:submit=move |_| removed_last.set(true)>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="btn btn-ghost" aria-label=remove_label>"Remove"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// The name and the button; `passkeys.js` shows it and runs the ceremony, then reloads
/// the page. Without JavaScript a sentence says what to do instead.
#[component]
fn AddPasskey() -> impl IntoView {
    view! {
        <form class="connect-form add-passkey" data-passkey-register="" data-passkey-ui="" hidden=true>
            <label for="new-passkey-name">"Name of the new passkey"</label>
            <input type="text" id="new-passkey-name" name="name" placeholder="Laptop"
                maxlength=PASSKEY_NAME_MAX required=true autocomplete="off"/>
            <button type="submit" class="btn btn-primary">"Add a passkey"</button>
            <div class="alert-error"><p class="alert" role="alert" data-passkey-error="" hidden=true></p></div>
        </form>
        <p class="muted small" data-passkey-nojs="">
            "Adding a passkey needs JavaScript and a browser that supports passkeys. "
            "Meanwhile, log in with your password or a connected account."
        </p>
    }
}
