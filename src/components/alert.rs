//! A message box for the whole form or page, announced when it changes.

use leptos::prelude::*;

#[component]
pub fn Alert(
    /// "error", "success" or "info".
    #[prop(default = "error")]
    kind: &'static str,
    message: Signal<Option<String>>,
) -> impl IntoView {
    let role = if kind == "error" { "alert" } else { "status" };
    view! {
        <div class=format!("alert-region alert-{kind}") role=role aria-live="polite">
            {move || message.get().map(|m| view! { <p class="alert">{m}</p> })}
        </div>
    }
}
