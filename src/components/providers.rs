//! "Continue with Google/GitHub/..." buttons. Plain forms posting to the start route, so
//! the browser itself follows the redirect to the provider (with or without JavaScript).

use crate::{app::use_app, model::ProviderView};
use leptos::prelude::*;

#[component]
pub fn ProviderButtons(
    /// Where to land after signing in (a local path), if not the profile.
    #[prop(into, optional)]
    next: String,
) -> impl IntoView {
    let app = use_app();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    let providers = app.site.await.map(|s| s.providers).unwrap_or_default();
                    (!providers.is_empty()).then(|| view! {
                        <div class="providers">
                            {providers.into_iter().map(|p| view! { <ProviderButton provider=p next=next.clone()/> }).collect_view()}
                            <p class="divider"><span>"or"</span></p>
                        </div>
                    })
                })
            }}
        </Suspense>
    }
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
