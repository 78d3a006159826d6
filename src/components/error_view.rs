//! The one view of a page-level error (a page's data could not load): the error's own
//! plain message, never internals. A failure on our side also shows the request's
//! reference, which is in the server's log lines of that request.

use crate::errors::AppError;
use leptos::prelude::*;

#[component]
pub fn ErrorView(
    error: AppError,
    /// Adds a heading, for an error that is the whole page.
    #[prop(optional)]
    heading: bool,
) -> impl IntoView {
    let reference = matches!(error, AppError::Internal | AppError::Unavailable)
        .then(request_reference)
        .flatten();
    view! {
        {heading.then(|| view! { <h1>"Something went wrong"</h1> })}
        <p class="alert" role="alert">{error.to_string()}</p>
        {reference.map(|id| view! {
            <p class="muted request-id">"If you report this, quote the reference " <code>{id}</code> "."</p>
        })}
    }
}

/// The server renders the id of the request it is answering. The browser, while it
/// hydrates that page, reads the same id back from it (so both render alike); a page
/// rendered later in the browser has no server request to name.
fn request_reference() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<axum::http::request::Parts>()?;
        crate::server::http::middleware::request_id::of(&parts.headers).map(str::to_string)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let root = document().document_element()?;
        if root.has_attribute("data-hydrated") {
            return None;
        }
        document()
            .query_selector(".request-id code")
            .ok()
            .flatten()
            .and_then(|node| node.text_content())
    }
}
