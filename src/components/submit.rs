//! A submit button that shows the request is under way.

use leptos::prelude::*;

#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() {
                view! { <span class="spinner" aria-hidden="true"></span> {pending_label} }.into_any()
            } else {
                view! { {label} }.into_any()
            }}
        </button>
    }
}
