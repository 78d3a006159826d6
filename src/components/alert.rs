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

/// A form's outcome as every form shows it: the error, then the success notice. A form
/// of a sensitive change passes `reauth` (`Form::needs_reauth`): when the server asked
/// for a fresh confirmation, a link to `/confirm` follows the error, coming back to `back`.
#[component]
pub fn FormAlerts(
    error: Signal<Option<String>>,
    notice: Signal<Option<String>>,
    #[prop(optional, into)] reauth: Option<Signal<bool>>,
    #[prop(into, default = "/profile".to_string())] back: String,
) -> impl IntoView {
    let href = crate::validate::path_with_next("/confirm", Some(&back));
    view! {
        <Alert message=error/>
        {move || {
            reauth
                .is_some_and(|r| r.get())
                .then(|| view! { <p><a class="btn btn-ghost" href=href.clone()>"Confirm it's you"</a></p> })
        }}
        <Alert kind="success" message=notice/>
    }
}
