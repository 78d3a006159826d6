//! The one view of a page-level error (a page's data could not load): the error's own
//! plain message, never internals.

use crate::errors::AppError;
use leptos::prelude::*;

#[component]
pub fn ErrorView(
    error: AppError,
    /// Adds a heading, for an error that is the whole page.
    #[prop(optional)]
    heading: bool,
) -> impl IntoView {
    view! {
        {heading.then(|| view! { <h1>"Something went wrong"</h1> })}
        <p class="alert" role="alert">{error.to_string()}</p>
    }
}
