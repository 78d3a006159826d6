//! "Continue with Google/GitHub/..." buttons. Plain forms posting to the start route, so
//! the browser itself follows the redirect to the provider (with or without JavaScript).

use crate::model::ProviderView;
use leptos::prelude::*;

/// The buttons for the sign-in providers the page's caller already read from the site's
/// settings: the pages render them inside the `<Suspense>` that waits for those settings
/// anyway, as a boundary of their own costs every first visit's wasm a few KB.
#[component]
pub fn ProviderButtons(
    providers: Vec<ProviderView>,
    /// Where to land after signing in (a local path), if not the profile.
    #[prop(into, optional)]
    next: String,
) -> impl IntoView {
    (!providers.is_empty()).then(|| {
        view! {
            <div class="providers">
                {providers.into_iter().map(|p| view! { <ProviderButton provider=p next=next.clone()/> }).collect_view()}
                <p class="divider"><span>"or"</span></p>
            </div>
        }
    })
}

#[component]
fn ProviderButton(provider: ProviderView, next: String) -> impl IntoView {
    let action = format!("/auth/oauth/{}/start", provider.name);
    let label = format!("Continue with {}", provider.display_name);
    view! {
        <form method="post" action=action class="provider-form">
            <input type="hidden" name="next" value=next/>
            <button type="submit" class=format!("btn btn-provider btn-block provider-{}", provider.name)>
                {label}
            </button>
        </form>
    }
}
