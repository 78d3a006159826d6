//! Message boxes for the whole form or page, announced when they change.

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

/// A form's outcome as every form shows it: the error, then the success notice.
#[component]
pub fn FormAlerts(error: Signal<Option<String>>, notice: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Alert message=error/>
        <Alert kind="success" message=notice/>
    }
}
