//! Gatehouse: a self-hosted accounts service. The library holds the web app (built twice:
//! for the server with `ssr`, for the browser with `hydrate`) and, behind `ssr`, the server.

pub mod app;
pub mod components;
pub mod domain;
pub mod errors;
pub mod forms;
pub mod model;
pub mod pages;
pub mod query;
pub mod server_fns;
pub mod validate;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: attaches the app to the server-rendered page. Hydration is
/// asynchronous because a lazily loaded page (`pages::lazy`) must fetch its chunk first;
/// only then is the page marked hydrated (the browser tests wait for that mark). A lazily
/// loaded part of a page (`pages::login`, the header's signed-in links) is fetched before
/// hydration starts.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::document;
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        app::load_rendered_parts().await;
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
