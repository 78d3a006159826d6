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

/// The browser entry point: attaches the app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
