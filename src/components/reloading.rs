//! A part of a page drawn from a resource, and drawn again when the resource reloads.

#[cfg(feature = "ssr")]
use leptos::either::Either;
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

/// Draws `body` from `resource`'s value and, in the browser, again each time the resource
/// reloads, keeping the old content until the new arrives (a `<Transition>`).
///
/// On the server, when the page has already awaited the resource, `body` is drawn once,
/// straight from its value. A boundary there would draw it three times (two dry runs that
/// look for what it waits on, then the render) with nothing left to wait on. A boundary
/// whose data is ready writes only its children, so the browser's boundary hydrates the
/// same HTML.
pub fn reloading<T, V>(
    resource: Resource<T>,
    loading: Option<&'static str>,
    body: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    #[cfg(feature = "ssr")]
    if let Some(value) = resource.get_untracked() {
        return Either::Left(body(value));
    }
    let boundary = view! {
        <Transition fallback=move || loading.map(|text| view! { <p class="muted">{text}</p> })>
            {move || {
                let body = body.clone();
                Suspend::new(async move { body(resource.await) })
            }}
        </Transition>
    };
    #[cfg(feature = "ssr")]
    return Either::Right(boundary);
    #[cfg(not(feature = "ssr"))]
    boundary
}
